"""The Real networks view's job body: run an experiment of :mod:`uvcore.nets`
and turn its result into the view's JSON-ready payload.

* ``single`` — one network trained by full-batch GD
  (:func:`uvcore.nets.run_network`, float32) with its UV model
  (:func:`uvcore.nets.uv_for_run`);
* ``fig1`` / ``fig5`` / ``fig4`` / ``fig4s`` — :func:`uvcore.nets.fig1`,
  ``fig5`` and ``fig4`` at the sizes :func:`app.views.networks.caps.sizes`
  gives.

Fig 4 and Fig 5 run as independent cells (:mod:`uvcore.nets.experiments.cells`,
one per network training run).  When ``CELERY_BROKER_URL`` is set, each cell
is its own Celery task (:class:`uvcore.nets.distributed.CeleryRunner` on the
dashboard's Celery app): the job waits for them, gathering each as it
finishes, the progress bar moves one cell's share as each cell finishes,
``JOB_TIME_LIMIT`` is each cell's hard limit (the job itself may run
:func:`experiment_time_limit`), and the cells are cached one by one in the
result backend's Redis, so a lost worker or a restart loses no finished
cell and the next run resumes.  Without a broker the cells run one after
another inside the job, cached in ``NETWORKS_CACHE_DIR/cells``
(:class:`~uvcore.nets.experiments.cells.DirCellCache`); the result is the same.

The payload holds lists of numbers rounded to 7 significant digits, None
for NaN/±inf, so it is strict JSON (what the result store and Celery keep).
BLAS runs :data:`BLAS_THREADS` thread(s) per job (env
``NETWORKS_BLAS_THREADS``): on a shared 2-core server one thread per job is
several times faster than contending threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from uvcore.nets.experiments import FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS, FIG5_C_RANGE, FIG5_TRAJ_CS

from ...shell.config import env_int
from .caps import C_CAL, CAPS, DTYPE, FIG4_SIGMA_W2_S, NetParams, sizes
from .estimate import run_work

__all__ = ["BLAS_THREADS", "MAX_CELLS", "run_experiment", "cells_kwargs",
           "experiment_time_limit"]

#: BLAS threads of a job (env NETWORKS_BLAS_THREADS).
BLAS_THREADS = 1
#: Most cells of one experiment of this view: Fig 5 with the most c points, its
#: trajectories and a calibration run (Fig 4: 5 rows × (7 c + 1)).
MAX_CELLS = max(int(CAPS["c_points"].hi) + len(FIG5_TRAJ_CS) + 1,
                len(FIG4_SIGMA_W2S) * (len(FIG4_CS) + 1))


def experiment_time_limit() -> int | None:
    """Hard limit (s) of this view's job on a Celery worker: it waits for its
    cells, each limited to ``JOB_TIME_LIMIT``, so it may last as long as
    :data:`MAX_CELLS` of them in a row.  None without Celery (no limit there)."""
    from ...shell import jobs  # noqa: PLC0415
    if not jobs.uses_celery():
        return None
    from ...shell.celery_conf import job_time_limit  # noqa: PLC0415
    return job_time_limit() * MAX_CELLS


def cells_kwargs() -> dict:
    """``runner`` and ``cache`` of the cells of Fig 4 and Fig 5 (module docstring)."""
    from ...shell import jobs  # noqa: PLC0415
    if jobs.uses_celery():
        from uvcore.nets.distributed import CeleryRunner  # noqa: PLC0415

        from ...shell.celery_conf import get_celery, job_time_limit  # noqa: PLC0415
        runner = CeleryRunner(get_celery(), time_limit=job_time_limit())
        return {"runner": runner, "cache": runner.cache}
    from uvcore.nets.experiments import DirCellCache  # noqa: PLC0415

    from .store import cache_dir  # noqa: PLC0415
    return {"cache": DirCellCache(cache_dir() / "cells")}


def _clean(a: Any, digits: int = 7) -> Any:
    """A float array as (nested) lists rounded to ``digits`` significant digits,
    None for NaN/±inf."""
    a = np.asarray(a, dtype=float)
    if a.ndim > 1:
        return [_clean(row, digits) for row in a]
    with np.errstate(all="ignore"):
        mag = np.where((a != 0) & np.isfinite(a), np.floor(np.log10(np.abs(a))), 0.0)
        scale = 10.0 ** (digits - 1 - mag)
        r = np.round(a * scale) / scale
    r = np.where(np.isfinite(r), r, a)
    if r.ndim == 0:
        return float(r) if np.isfinite(r) else None
    return [float(x) if math.isfinite(x) else None for x in r]


def _num(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _uv_dict(m, tr) -> dict:
    p = m.params
    return {"method": m.method, "calibrated": bool(m.calibrated), "n_eff": _num(p.n_eff),
            "x_norm": _num(p.x_norm), "y": _num(p.y), "eta": _num(p.eta),
            "coupling": _num(m.coupling), "df0": _num(m.df0),
            "lam0": _num(m.lam0), "lam0_h": _num(m.lam0_h), "loss": _clean(tr.loss),
            "df": _clean(tr.df), "lam": _clean(tr.lam), "lam_h": _clean(tr.lam_h),
            "diverged_at": tr.diverged_at, "outcome": tr.outcome.kind}


def _run_dict(label: str, run, uv=None, uv_note: str | None = None) -> dict:
    return {"label": label, "eta": _num(run.eta), "c": _num(run.c), "lam0_h": _num(run.lam0_h),
            "loss": _clean(run.loss), "step": [int(s) for s in run.step],
            "sharpness": _clean(run.sharpness), "ntk": _clean(run.ntk),
            "train_loss": _clean(run.train_loss), "test_acc": _clean(run.test_acc),
            "diverged_at": run.diverged_at, "uv": uv, "uv_note": uv_note}


class _Progress:
    """Splits one progress bar (fractions) over weighted stages."""

    def __init__(self, report: Callable[[float], None] | None, weights=(1.0,)):
        self.report, self.stage = report, 0
        total = float(sum(weights)) or 1.0
        self.starts = np.concatenate([[0.0], np.cumsum(weights)])[:-1] / total
        self.widths = np.asarray(weights, dtype=float) / total

    def __call__(self, fraction: float) -> None:
        if self.report is None:
            return
        i = min(self.stage, len(self.widths) - 1)
        self.report(float(self.starts[i] + self.widths[i] * min(max(fraction, 0.0), 1.0)))

    def next(self) -> _Progress:
        self.stage += 1
        return self


def _single(p: NetParams, progress: Callable[[float], None] | None) -> dict:
    from uvcore import UVInputError  # noqa: PLC0415
    from uvcore.nets import NetSpec, make_data, run_network, uv_for_run  # noqa: PLC0415

    z = sizes(p)
    ds = make_data(p.data, p.n_train, seed=p.seed)
    spec = NetSpec(p.depth, p.width, ds.in_dim, ds.out_dim, p.activation, p.param, p.sigma_w2)
    matching = p.resolved_matching
    # the calibrated matching trains a second network: its share of the bar
    weights = [run_work(z, p.steps, p.steps // p.every + 2, True)]
    if matching == "calibrated":
        weights.append(run_work(z, p.steps, 2, True))
    prog = _Progress(progress, weights)
    lr = {"c": p.lr} if p.lr_mode == "c" else {"eta": p.lr}
    run = run_network(spec, ds, steps=p.steps, sharpness_every=p.every, seed=p.seed,
                      dtype=DTYPE, ntk=True, progress=prog, **lr)
    uv, note = None, None
    try:
        m = uv_for_run(spec, ds, run, p.steps, matching, c_cal=C_CAL, seed=p.seed, dtype=DTYPE,
                       progress=prog.next())
        uv = _uv_dict(m, m.run(max(1, p.steps)))
    except UVInputError as exc:
        note = f"no UV model: {exc}"
    return {"experiment": "single", "title": f"Single run: {p.describe()}",
            "runs": [_run_dict("network", run, uv, note)], "sizes": z}


def _fig1(p: NetParams, progress) -> dict:
    from uvcore.nets import fig1  # noqa: PLC0415
    z = sizes(p)
    res = fig1(c=p.fig1_c, n_train=z["n_train"], width=z["width"], depth=z["depth"],
               steps=z["steps"], seed=p.seed, dtype=DTYPE, matching=p.resolved_matching,
               c_cal=C_CAL, scale=1.0, progress=progress)
    labels = [lab.replace("sigma_w^2", "σ_w²").replace("muP", "μP") for lab in res.labels]
    runs = [_run_dict(lab, r, None if m is None else _uv_dict(m, tr), note or None)
            for lab, r, m, tr, note in zip(labels, res.runs, res.uv, res.uv_traj, res.uv_notes)]
    return {"experiment": "fig1", "title": f"Fig 1 (digits, depth 4 ReLU): {p.describe()}",
            "runs": runs, "sizes": z}


def _fig5(p: NetParams, progress) -> dict:
    from uvcore.nets import fig5  # noqa: PLC0415
    z = sizes(p)
    cs = np.linspace(*FIG5_C_RANGE, p.c_points)
    r = fig5(cs=cs, traj_cs=FIG5_TRAJ_CS, n_train=z["n_train"], input_dim=z["d"],
             width=z["width"], steps=z["steps"], tail=z["tail"],
             spectrum_last=z["spectrum_last"], seed=p.seed, dtype=DTYPE,
             matching=p.resolved_matching, c_cal=C_CAL, scale=1.0, progress=progress,
             **cells_kwargs())
    return {"experiment": "fig5",
            "title": f"Fig 5 (2-layer linear μP, gaussian d = 16): {p.describe()}",
            "c": _clean(r.c), "bif": _clean(r.bif), "bif_eta": _clean(r.bif_eta),
            "traj_c": _clean(r.traj_c), "traj_step": [int(s) for s in r.traj_step],
            "traj": _clean(r.traj), "traj_eta": _clean(r.traj_eta), "freq": _clean(r.freq),
            "power": _clean(r.power), "uv_bif": _clean(r.uv_bif), "uv_traj": _clean(r.uv_traj),
            "uv_power": _clean(r.uv_power), "uv_eta": _clean(r.uv_eta),
            "uv_coupling": _clean(r.uv_coupling),
            "uv_n_eff": _num(r.uv_n_eff), "matching": r.matching,
            "uv_calibrated": bool(r.uv_calibrated), "steps": int(r.steps), "sizes": z}


def _fig4(p: NetParams, progress) -> dict:
    """Fig 4: panel A over (σ_w², c) in SP, or (``fig4s``) panel B over the
    SP→μP interpolation s at σ_w² = FIG4_SIGMA_W2_S; one payload format."""
    from uvcore.nets import fig4  # noqa: PLC0415
    z = sizes(p)
    interp = p.experiment == "fig4s"
    r = fig4(cs=FIG4_CS, sigma_w2s=() if interp else FIG4_SIGMA_W2S, ss=FIG4_SS if interp else (),
             sigma_w2_b=FIG4_SIGMA_W2_S, n_train=z["n_train"], width=z["width"],
             depth=z["depth"], steps=z["steps"], seed=p.seed, dtype=DTYPE,
             matching=p.resolved_matching, c_cal=C_CAL, scale=1.0, progress=progress,
             **cells_kwargs())
    ab = "b" if interp else "a"
    part = {k: getattr(r, f"{k}_{ab}") for k in ("half_sharp", "test_acc", "train_loss", "diverged",
                                                 "uv_half_sharp", "uv_diverged", "uv_n_eff",
                                                 "uv_coupling", "uv_calibrated")}
    title = (f"Fig 4, SP→μP at σ_w² = {FIG4_SIGMA_W2_S:g} (digits, depth 4 ReLU)" if interp
             else "Fig 4 (digits, depth 4 ReLU, SP)")
    return {"experiment": p.experiment, "title": f"{title}: {p.describe()}",
            "c": _clean(r.c), "rows": _clean(r.s if interp else r.sigma_w2),
            "row_label": "s (0: SP, 1: μP)" if interp else "σ_w²",
            "half_sharp": _clean(part["half_sharp"]), "test_acc": _clean(part["test_acc"]),
            "train_loss": _clean(part["train_loss"]),
            "diverged": [[bool(v) for v in row] for row in part["diverged"]],
            "uv_half_sharp": _clean(part["uv_half_sharp"]),
            "uv_diverged": [[bool(v) for v in row] for row in part["uv_diverged"]],
            "uv_n_eff": _clean(part["uv_n_eff"]), "uv_coupling": _clean(part["uv_coupling"]),
            "uv_calibrated": [bool(v) for v in part["uv_calibrated"]],
            "matching": r.matching, "steps": int(r.steps), "sizes": z}


_RUNNERS = {"single": _single, "fig1": _fig1, "fig5": _fig5, "fig4": _fig4, "fig4s": _fig4}


def run_experiment(p: NetParams, progress: Callable[[float], None] | None = None) -> dict:
    """Run the experiment of ``p`` and return its JSON-ready payload.

    Parameters
    ----------
    p : validated parameters (:func:`app.views.networks.caps.parse_params`).
    progress : called with the fraction done in [0, 1], or None.

    Returns
    -------
    dict
        The payload the figures draw: the runs or grids, ``title``, ``sizes``,
        ``params`` (the fields the cache key is made of) and ``matching``.

    Raises
    ------
    uvcore.UVInputError
        When the engine refuses the parameters.
    """
    fn = _RUNNERS[p.experiment]
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415
        limit = threadpool_limits(env_int("NETWORKS_BLAS_THREADS", BLAS_THREADS, lo=1, hi=64))
    except ImportError:  # pragma: no cover - requirements.txt pins threadpoolctl
        limit = None
    try:
        payload = fn(p, progress)
    finally:
        if limit is not None:
            limit.restore_original_limits()
    payload["params"] = p.key_fields()
    payload["matching"] = payload.get("matching") or p.resolved_matching
    return payload
