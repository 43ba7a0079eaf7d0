"""The "Real networks" view: train real networks and compare them with the UV model.

What it runs (:mod:`uvcore.nets`, spec §6), as a background job (:mod:`app.shell.jobs`:
the request returns at once, a bar shows progress, Cancel stops it):

* ``single`` — one fully connected network (depth, width, activation, SP/μP,
  σ_w², data, N, c = η λ₀ᴴ or η, steps, sharpness every K steps, seed) trained
  by full-batch GD (:func:`uvcore.nets.run_network`, float32), with the UV model
  matched to it (:func:`uvcore.nets.uv_for_run`: ``calibrated``, one extra
  run at c_cal = 0.5 and n_eff fitted to it; ``structural``, the depth-2
  linear analogue; or ``fitted``, n_eff fitted to this run itself, single runs
  and Fig 1 only) drawn dashed;
* ``fig1`` / ``fig5`` / ``fig4`` / ``fig4s`` — the paper's experiments
  (:func:`uvcore.nets.fig1`, ``fig5``, ``fig4``) at a reduced size: training
  set, width and steps are multiplied by the size factor s with the
  experiments' own rule (``max(floor, round(value · s))``, the floors of their
  ``scale``); the c grid of Fig 5 has "c points" values in [1, 2.5] and Fig 4
  runs the paper's (σ_w², c) grid, 5 × 7; ``fig4s`` its second panel, the
  (s, c) grid of the SP → μP interpolation at σ_w² = 2, 5 × 7.

Caps (clamped with a note; unusable values — text, NaN, ±inf, lists … — are
refused with a message and nothing runs): see :data:`CAPS`.  On top of them a
job whose estimated work (:func:`estimate_work`, in multiply-adds) exceeds
:data:`MAX_WORK` is refused.  BLAS runs :data:`BLAS_THREADS` thread(s) per
job (env ``NETWORKS_BLAS_THREADS``): on a shared 2-core server one thread per
job is several times faster than contending threads.

Cache: a finished result is stored under the SHA-256 of its normalized
parameters (only those the experiment uses, plus :data:`CACHE_VERSION`) in a
diskcache in ``NETWORKS_CACHE_DIR`` (default
``$XDG_CACHE_HOME/sharpness-lab/networks``, mode 0700), as JSON text (never
pickle), for :data:`CACHE_SECONDS`, at most :data:`CACHE_SIZE` bytes.  Every
process on the machine (gunicorn workers, job subprocesses, Celery workers)
shares it, so running the same parameters again returns at once.

Export: a ``single`` run or one network of ``fig1`` as the CSV the Import view
reads (:mod:`app.imported`): ``step,df,lam,lam_h,loss`` at the steps where the
curvature was measured, with

    df := −√(2 · loss)   (loss = (1/2N) Σ‖F(x_i) − y_i‖², the training loss),
    lam := the top eigenvalue of the NTK J Jᵀ/N,   lam_h := λᴴ.

A network has N examples and no single residual: −√(2L) is the residual of a
one-example model with the same loss, on the side of the UV start f₀ = 0
with y > 0 (the calibrated matching starts the UV model there too).  Fig 5
and Fig 4 keep no loss or NTK per step, so they have nothing to export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from dash import Input, Output, State, dcc, html

from uvcore.nets.experiments import (FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS, FIG5_C_RANGE, FIG5_TRAJ_CS,
                                     scaled_size)

from . import figures as figures_networks

from ...core import ids, theme
from ...shell import jobs
from ...shell.config import cache_root, env_int, env_str, private_dir
from ...core.state import parse_number
from ...core.figures import empty_figure
from ...core.registry import View

log = logging.getLogger(__name__)

__all__ = [
    "CAPS",
    "CONTROLS",
    "DEFAULTS",
    "EXPERIMENTS",
    "MAX_WORK",
    "NetParams",
    "cache_dir",
    "cache_get",
    "cache_key",
    "cache_put",
    "compute",
    "download",
    "estimate_work",
    "export_csv",
    "make_layout",
    "parse_params",
    "plan",
    "register_callbacks",
    "run_job",
    "sizes",
]

EXPERIMENTS = ("single", "fig1", "fig5", "fig4", "fig4s")
EXPERIMENT_LABELS = {"single": "single run", "fig1": "Fig 1", "fig5": "Fig 5", "fig4": "Fig 4",
                     "fig4s": "Fig 4, SP→μP"}
ACTIVATIONS = ("relu", "tanh", "linear")
PARAMS = ("sp", "mup")
DATA = ("gaussian", "teacher", "digits")
LR_MODES = ("c", "eta")
MATCHINGS = ("auto", "calibrated", "structural", "fitted")
#: Experiments whose every network has its own UV model (where "fitted" applies).
FITTED_EXPERIMENTS = ("single", "fig1")
#: The matching "auto" stands for, per experiment (the experiments' defaults).
AUTO_MATCHING = {"single": "calibrated", "fig1": "calibrated", "fig4": "calibrated",
                 "fig4s": "calibrated",
                 "fig5": "structural"}
#: Calibration rate of the calibrated matching (the experiments' default).
C_CAL = 0.5
#: Most training examples of ``digits`` (the rest is the test split).
DIGITS_MAX_TRAIN = 1500
DTYPE = "float32"


@dataclass(frozen=True)
class Cap:
    label: str
    lo: float
    hi: float
    default: float
    integer: bool = False


#: Documented caps of every numeric control (values outside are clamped with a note).
CAPS: dict[str, Cap] = {
    "depth": Cap("depth", 2, 6, 3, True),
    "width": Cap("width", 2, 512, 64, True),
    "sigma_w2": Cap("σ_w²", 0.05, 10.0, 2.0),
    "n_train": Cap("n_train", 16, 5000, 256, True),
    "c": Cap("c", 0.01, 10.0, 1.5),
    "eta": Cap("η", 1e-6, 1e4, 0.02),
    "steps": Cap("steps", 1, 2000, 300, True),
    "every": Cap("sharpness every", 1, 2000, 10, True),
    "seed": Cap("seed", 0, 2**31 - 1, 0, True),
    "scale": Cap("scale", 0.02, 1.0, 0.1),
    "fig1_c": Cap("c (Fig 1)", 0.01, 10.0, 1.0),
    "c_points": Cap("c points", 2, 48, 12, True),
}

#: Estimated work (multiply-adds) above which a job is refused.
MAX_WORK = 2e12
#: Multiply-adds per second assumed for the time estimate (one float32 thread, loaded machine).
WORK_RATE = 1.5e10
#: Least cost of one GD step (Python and call overhead of tiny networks), in multiply-adds.
STEP_OVERHEAD = 1e7
#: Cost of one curvature measurement in GD steps: λᴴ and the NTK eigenvalue by warm
#: Lanczos; only λᴴ; and the cold start at initialization.
MEASURE_STEPS = {True: 20, False: 10}
COLD_STEPS = 35

CACHE_VERSION = "networks-3"
CACHE_SECONDS = 7 * 24 * 3600
CACHE_SIZE = 256 * 2**20
#: BLAS threads of a job (env NETWORKS_BLAS_THREADS).
BLAS_THREADS = 1
#: Seconds between progress reports of a job (each is a write to the job store).
PROGRESS_EVERY_S = 0.25


# -- parameters ----------------------------------------------------------------------------

@dataclass(frozen=True)
class NetParams:
    """Validated, clamped parameters of one job (see :data:`CAPS`)."""

    experiment: str = "single"
    depth: int = 3
    width: int = 64
    activation: str = "relu"
    param: str = "sp"
    sigma_w2: float = 2.0
    data: str = "gaussian"
    n_train: int = 256
    lr_mode: str = "c"
    lr: float = 1.5
    steps: int = 300
    every: int = 10
    seed: int = 0
    scale: float = 0.1
    fig1_c: float = 1.0
    c_points: int = 12
    matching: str = "auto"

    @property
    def resolved_matching(self) -> str:
        return AUTO_MATCHING[self.experiment] if self.matching == "auto" else self.matching

    def key_fields(self) -> dict:
        """The fields the experiment uses (what the cache key is made of)."""
        common = {"experiment": self.experiment, "seed": self.seed,
                  "matching": self.resolved_matching}
        if self.experiment == "single":
            names = ("depth", "width", "activation", "param", "sigma_w2", "data", "n_train",
                     "lr_mode", "lr", "steps", "every")
            return {**common, **{k: getattr(self, k) for k in names}}
        extra = {"scale": self.scale}
        if self.experiment == "fig1":
            extra["fig1_c"] = self.fig1_c
        if self.experiment == "fig5":
            extra["c_points"] = self.c_points
        return {**common, **extra}

    def describe(self) -> str:
        if self.experiment == "single":
            lr = f"c = {self.lr:g}" if self.lr_mode == "c" else f"η = {self.lr:g}"
            return (f"depth {self.depth}, width {self.width}, {self.activation}, "
                    f"{'μP' if self.param == 'mup' else 'SP'}, σ_w² = {self.sigma_w2:g}, "
                    f"{self.data} (N = {self.n_train}), {lr}, {self.steps} steps")
        s = sizes(self)
        text = f"scale {self.scale:g}: N = {s['n_train']}, width {s['width']}, " \
               f"{s['steps']} steps"
        if self.experiment == "fig1":
            text += f", c = {self.fig1_c:g}"
        if self.experiment == "fig5":
            text += f", {self.c_points} values of c"
        return text


def cli_command(p: NetParams) -> str:
    """The ``python -m uvcore`` command line that computes the same network runs
    as :func:`compute` (``single``: the network, not its UV match;
    tests/app/test_callbacks_networks.py checks the equality)."""
    if p.experiment == "single":
        lr = f"--c {p.lr:g}" if p.lr_mode == "c" else f"--eta {p.lr:g}"
        line = (f"python -m uvcore network --depth {p.depth} --width {p.width} "
                f"--activation {p.activation} --param {p.param} --sigma-w2 {p.sigma_w2:g} "
                f"--data {p.data} --n-train {p.n_train} {lr} --steps {p.steps} "
                f"--sharpness-every {p.every} --dtype {DTYPE}")
        return line + (f" --seed {p.seed}" if p.seed else "")
    line = (f"python -m uvcore network-experiment --experiment {p.experiment[:4]} "
            f"--scale {p.scale:g}")
    if p.experiment == "fig1" and p.fig1_c != 1.0:
        line += f" --c {p.fig1_c:g}"
    if p.experiment == "fig5":
        line += f" --c-points {p.c_points}"
    if p.experiment in ("fig4", "fig4s"):
        line += f" --full-grid --panel {'b' if p.experiment == 'fig4s' else 'a'}"
    if p.matching != "auto":
        line += f" --matching {p.matching}"
    return line + (f" --seed {p.seed}" if p.seed else "")


#: Control name → component id, in the order the callbacks pass them.
CONTROLS = (
    ("experiment", ids.NETWORKS_EXPERIMENT), ("depth", ids.NETWORKS_DEPTH),
    ("width", ids.NETWORKS_WIDTH), ("activation", ids.NETWORKS_ACTIVATION),
    ("param", ids.NETWORKS_PARAM), ("sigma_w2", ids.NETWORKS_SIGMA_W2),
    ("data", ids.NETWORKS_DATA), ("n_train", ids.NETWORKS_N_TRAIN),
    ("lr_mode", ids.NETWORKS_LR_MODE), ("lr", ids.NETWORKS_LR),
    ("steps", ids.NETWORKS_STEPS), ("every", ids.NETWORKS_EVERY), ("seed", ids.NETWORKS_SEED),
    ("scale", ids.NETWORKS_SCALE), ("fig1_c", ids.NETWORKS_FIG1_C),
    ("c_points", ids.NETWORKS_C_POINTS), ("matching", ids.NETWORKS_MATCHING),
)
DEFAULTS = asdict(NetParams())
_CHOICES = {"experiment": EXPERIMENTS, "activation": ACTIVATIONS, "param": PARAMS,
            "data": DATA, "lr_mode": LR_MODES, "matching": MATCHINGS}
_CHOICE_LABELS = {"experiment": "experiment", "activation": "activation",
                  "param": "parameterization", "data": "data", "lr_mode": "learning rate",
                  "matching": "UV matching"}


def _number(name: str, raw: Any, notes: list[str], cap: Cap | None = None) -> tuple[Any, str | None]:
    cap = cap or CAPS[name]
    v, err = parse_number(cap.label, raw)
    if err:
        return None, err
    if cap.integer:
        v = float(round(v))
    if v < cap.lo or v > cap.hi:
        lo, hi = (f"{cap.lo:g}", f"{cap.hi:g}") if not cap.integer else (int(cap.lo), int(cap.hi))
        notes.append(f"{cap.label} clamped to [{lo}, {hi}]")
        v = min(max(v, cap.lo), cap.hi)
    return (int(v) if cap.integer else float(f"{v:.6g}")), None


def _used(name: str, experiment: str) -> bool:
    """Whether ``experiment`` reads the control ``name`` (others are not validated)."""
    if name in ("experiment", "seed", "matching"):
        return True
    if experiment == "single":
        return name not in ("scale", "fig1_c", "c_points")
    return name == "scale" or (name == "fig1_c" and experiment == "fig1") or \
        (name == "c_points" and experiment == "fig5")


def parse_params(raw: Any) -> tuple[NetParams | None, list[str], str | None]:
    """(params, notes, error) from the raw control values (a dict name → value).

    Missing keys take their defaults; controls the chosen experiment does not
    use are not read.  Never raises: unusable input gives (None, notes, message).
    """
    notes: list[str] = []
    if not isinstance(raw, dict):
        return None, notes, "parameters: expected the control values"
    exp = raw.get("experiment", DEFAULTS["experiment"])
    if not isinstance(exp, str) or exp not in EXPERIMENTS:
        return None, notes, f"experiment: choose one of {', '.join(EXPERIMENTS)}"
    values: dict[str, Any] = {"experiment": exp}
    for name, _ in CONTROLS[1:]:
        if not _used(name, exp):
            continue
        value = raw.get(name, DEFAULTS[name])
        if name in _CHOICES:
            if not isinstance(value, str) or value not in _CHOICES[name]:
                return None, notes, (f"{_CHOICE_LABELS[name]}: choose one of "
                                     f"{', '.join(_CHOICES[name])}")
            values[name] = value
            continue
        if name == "lr":
            continue                       # needs lr_mode: below
        v, err = _number(name, value, notes)
        if err:
            return None, notes, err
        values[name] = v
    if values.get("matching") == "fitted" and exp not in FITTED_EXPERIMENTS:
        return None, notes, (f"UV matching: \"fitted\" fits one model to each network, so it "
                             f"applies to a single run and Fig 1 only, not to "
                             f"{EXPERIMENT_LABELS[exp]}")
    if exp == "single":
        cap = CAPS["c"] if values["lr_mode"] == "c" else CAPS["eta"]
        v, err = _number("lr", raw.get("lr", DEFAULTS["lr"]), notes, cap)
        if err:
            return None, notes, err
        values["lr"] = v
        if values["data"] == "digits" and values["n_train"] > DIGITS_MAX_TRAIN:
            notes.append(f"n_train clamped to {DIGITS_MAX_TRAIN} for digits "
                         "(the other images are the test split)")
            values["n_train"] = DIGITS_MAX_TRAIN
        if values["every"] > values["steps"]:
            notes.append("sharpness every clamped to the number of steps")
            values["every"] = values["steps"]
    return NetParams(**values), notes, None


# -- sizes and work -------------------------------------------------------------------------

def sizes(p: NetParams) -> dict:
    """Sizes of the networks of a job (data dims d, k; N, width, depth, steps, …)."""
    s = p.scale
    if p.experiment == "single":
        k = 10 if p.data == "digits" else 1
        return {"n_train": p.n_train, "width": p.width, "depth": p.depth, "steps": p.steps,
                "d": 64, "k": k}
    if p.experiment == "fig1":
        return {"n_train": scaled_size(1500, s, 32), "width": scaled_size(512, s, 8), "depth": 4,
                "steps": scaled_size(2000, s, 10), "d": 64, "k": 10}
    if p.experiment in ("fig4", "fig4s"):
        return {"n_train": scaled_size(1000, s, 32), "width": scaled_size(256, s, 8), "depth": 4,
                "steps": scaled_size(1000, s, 10), "d": 64, "k": 10}
    steps = scaled_size(3000, s, 20)
    return {"n_train": scaled_size(5000, s, 32), "width": scaled_size(256, s, 8), "depth": 2,
            "steps": steps, "d": 16, "k": 1, "tail": min(scaled_size(200, s, 8), steps),
            "spectrum_last": min(scaled_size(1000, s, 16), steps)}


#: σ_w² of Fig 4's second panel, the parameterization interpolated from SP
#: (s = 0) to μP (s = 1) over FIG4_SS (uvcore.nets.model).
FIG4_SIGMA_W2_S = 2.0


def _run_work(z: dict, steps: int, measures: int, ntk: bool) -> float:
    fwd = z["n_train"] * (z["d"] * z["width"] + (z["depth"] - 2) * z["width"] ** 2
                          + z["width"] * z["k"])
    per_step = max(3.0 * fwd, STEP_OVERHEAD)
    return per_step * (steps + measures * MEASURE_STEPS[ntk] + COLD_STEPS)


def estimate_work(p: NetParams) -> float:
    """Rough multiply-adds of a job (GD steps, Lanczos, calibration runs)."""
    z = sizes(p)
    st = z["steps"]
    cal = _run_work(z, st, 2, True) if p.resolved_matching == "calibrated" else 0.0
    if p.experiment == "single":
        return _run_work(z, st, st // p.every + 2, True) + cal
    if p.experiment == "fig1":
        return 3 * (_run_work(z, st, st // 10 + 2, True) + cal)
    if p.experiment in ("fig4", "fig4s"):
        rows = len(FIG4_SIGMA_W2S if p.experiment == "fig4" else FIG4_SS)
        return rows * (len(FIG4_CS) * _run_work(z, st, 2, False) + cal)
    return (p.c_points * _run_work(z, st, z["tail"] + 1, False)
            + len(FIG5_TRAJ_CS) * _run_work(z, st, st // 20 + z["spectrum_last"], False) + cal)


def _check_work(p: NetParams) -> str | None:
    w = estimate_work(p)
    if w > MAX_WORK:
        return (f"too much work for this server: about {w:.2g} multiply-adds, above the limit "
                f"{MAX_WORK:.0e}; lower the size (width, N, steps, scale) or the number of runs")
    return None


# -- computation --------------------------------------------------------------------------

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
    """Splits one progress bar (fractions) over weighted stages; throttled."""

    def __init__(self, report: Callable[[float], None] | None, weights=(1.0,)):
        self.report, self.stage = report, 0
        total = float(sum(weights)) or 1.0
        self.starts = np.concatenate([[0.0], np.cumsum(weights)])[:-1] / total
        self.widths = np.asarray(weights, dtype=float) / total
        self.last = -1.0

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
    weights = [_run_work(z, p.steps, p.steps // p.every + 2, True)]
    if matching == "calibrated":
        weights.append(_run_work(z, p.steps, 2, True))
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
             matching=p.resolved_matching, c_cal=C_CAL, scale=1.0, progress=progress)
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
             matching=p.resolved_matching, c_cal=C_CAL, scale=1.0, progress=progress)
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


def compute(p: NetParams, progress: Callable[[float], None] | None = None) -> dict:
    """Run the job of ``p`` and return its JSON-ready payload (raises UVInputError)."""
    fn = {"single": _single, "fig1": _fig1, "fig5": _fig5, "fig4": _fig4,
          "fig4s": _fig4}[p.experiment]
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


# -- cache ----------------------------------------------------------------------------------

def cache_key(p: NetParams) -> str:
    text = json.dumps({"v": CACHE_VERSION, "dtype": DTYPE, **p.key_fields()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_dir():
    return private_dir(env_str("NETWORKS_CACHE_DIR") or cache_root() / "networks",
                       "NETWORKS_CACHE_DIR")


def _open_cache():
    import diskcache  # noqa: PLC0415
    return diskcache.Cache(str(cache_dir()), size_limit=CACHE_SIZE)


def _valid_key(key: Any) -> bool:
    return isinstance(key, str) and len(key) == 64 and all(ch in "0123456789abcdef" for ch in key)


def cache_get(key: Any) -> dict | None:
    """The cached payload of ``key`` or None (missing, unreadable). Never raises."""
    if not _valid_key(key):
        return None
    try:
        with _open_cache() as c:
            raw = c.get(key)
        if not isinstance(raw, str):
            return None
        payload = json.loads(raw)
        return payload if isinstance(payload, dict) else None
    except Exception:  # noqa: BLE001 — a broken cache is a miss
        log.exception("networks cache: read failed")
        return None


def cache_put(key: str, payload: dict) -> bool:
    try:
        text = json.dumps(payload, allow_nan=False, separators=(",", ":"))
        with _open_cache() as c:
            c.set(key, text, expire=CACHE_SECONDS)
        return True
    except Exception:  # noqa: BLE001 — not caching is not an error of the job
        log.exception("networks cache: write failed")
        return False


# -- the job ----------------------------------------------------------------------------------

def _raw(values) -> dict:
    return {name: v for (name, _), v in zip(CONTROLS, values)}


def _export_options(payload: dict) -> list[dict]:
    if payload.get("experiment") not in ("single", "fig1"):
        return []
    return [{"label": r.get("label") or f"run {i + 1}", "value": i}
            for i, r in enumerate(payload.get("runs") or [])]


def _refused(message: str, large: bool):
    return (empty_figure(f"⚠ {message}", large), f"⚠ {message}", "message error",
            None, [], None)


def run_job(set_progress: Callable | None, n_clicks: Any, *values: Any,
            large: bool = False, compute_fn: Callable | None = None) -> tuple:
    """The background job: (figure, status, status class, result store, export
    options, export value).  ``values`` are the controls in :data:`CONTROLS`
    order.  Never raises; unusable input computes nothing."""
    try:
        p, notes, err = parse_params(_raw(values))
        if err:
            return _refused(err, large)
        err = _check_work(p)
        if err:
            return _refused(err, large)
        key = cache_key(p)
        payload = cache_get(key)
        cached = payload is not None
        if not cached:
            last = [0.0]

            def progress(fraction: float) -> None:
                now = time.monotonic()
                if set_progress is not None and (now - last[0] >= PROGRESS_EVERY_S
                                                 or fraction >= 1.0):
                    last[0] = now
                    set_progress((str(round(1000 * min(max(fraction, 0.0), 1.0))),
                                  "1000"))

            payload = (compute_fn or compute)(p, progress)
            cache_put(key, payload)
        fig = figures_networks.result_figure(payload, large)
        text = figures_networks.summary(payload)
        prefix = "Cached result (same parameters): " if cached else "Done: "
        status = prefix + text + "".join(f" ({n})" for n in notes)
        options = _export_options(payload)
        store = {"key": key, "experiment": p.experiment,
                 "runs": [o["label"] for o in options]}
        return fig, status, "message note", store, options, (0 if options else None)
    except Exception as exc:  # noqa: BLE001 — the job must always answer
        from uvcore import UVInputError  # noqa: PLC0415
        if isinstance(exc, UVInputError):
            return _refused(str(exc), large)
        if isinstance(exc, MemoryError):
            return _refused("out of memory: lower the size", large)
        log.exception("networks job failed")
        return _refused("internal error while running the networks (logged on the server)",
                        large)


def plan(*values: Any) -> tuple[str, str]:
    """(text, class) of the line under the controls: what a run would do, or why not."""
    try:
        p, notes, err = parse_params(_raw(values))
        if err:
            return f"⚠ {err} — nothing will run.", "message error"
        err = _check_work(p)
        if err:
            return f"⚠ {err}.", "message error"
        w = estimate_work(p)
        seconds = w / WORK_RATE
        eta = f"≈ {seconds:.0f} s" if seconds >= 1 else "< 1 s"
        head = "" if p.experiment == "single" else EXPERIMENT_LABELS[p.experiment] + " at "
        text = (f"{head}{p.describe()}; UV matching: {p.resolved_matching}; estimated {eta} "
                f"({100 * w / MAX_WORK:.2g} % of this server's limit per job).")
        if cache_get(cache_key(p)) is not None:
            text += " Already computed: a run returns the cached result at once."
        text += f" The same runs from the command line: {cli_command(p)}"
        return text + "".join(f" ({n})" for n in notes), "message note"
    except Exception:  # noqa: BLE001
        log.exception("networks plan failed")
        return "⚠ could not read the parameters", "message error"


# -- export ---------------------------------------------------------------------------------------

def export_csv(payload: dict, index: int) -> tuple[str, str]:
    """(file name, CSV text) of run ``index`` of a ``single``/``fig1`` payload in the
    Import view's format (module docstring).  Raises ValueError when there is nothing."""
    if payload.get("experiment") not in ("single", "fig1"):
        raise ValueError("Fig 5 and Fig 4 keep only λᴴ (no loss or NTK per step): nothing to "
                         "export as a trace")
    runs = payload.get("runs") or []
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(runs):
        raise ValueError("choose a run to export")
    run = runs[index]
    rows = []
    for s, loss, lam, lam_h in zip(run.get("step") or [], run.get("train_loss") or [],
                                   run.get("ntk") or [], run.get("sharpness") or []):
        if all(v is not None and math.isfinite(v) for v in (loss, lam, lam_h)) and loss >= 0:
            rows.append(f"{int(s)},{-math.sqrt(2.0 * loss):.7g},{lam:.7g},{lam_h:.7g},"
                        f"{loss:.7g}")
    if not rows:
        raise ValueError("this run has no finite measured step to export")
    label = run.get("label") or "network"
    uv = run.get("uv") or {}
    head = [
        f"# Sharpness Lab, real network ({payload.get('experiment')}): {label}",
        f"# {payload.get('title', '')}",
        f"# eta={run.get('eta')}, c={run.get('c')}, lam0_h={run.get('lam0_h')}",
        ("# df := -sqrt(2*loss) with loss = (1/2N) sum_i |F(x_i) - y_i|^2 (N examples: the "
         "residual of a one-example model with the same loss)"),
        "# lam := top eigenvalue of the NTK J J^T / N; lam_h := top Hessian eigenvalue",
    ]
    if uv:
        head.append(f"# matched UV model ({uv.get('method')}): eta={uv.get('eta')}, "
                    f"n_eff={uv.get('n_eff')}, x_norm={uv.get('x_norm')}, y={uv.get('y')}")
    text = "\n".join(head + ["step,df,lam,lam_h,loss"] + rows) + "\n"
    slug = "".join(ch if ch.isalnum() else "-" for ch in label.lower()).strip("-")
    slug = "-".join(filter(None, slug.split("-")))[:40] or "network"
    return f"network-{payload.get('experiment')}-{slug}.csv", text


def download(store: Any, which: Any) -> tuple[dict | None, str, str]:
    """(dcc.Download data or None, message, class) for the export button. Never raises."""
    try:
        if not isinstance(store, dict) or not _valid_key(store.get("key")):
            return None, "⚠ run something first", "message error"
        payload = cache_get(store["key"])
        if payload is None:
            return None, ("⚠ this result is no longer cached on the server: run it again"),\
                "message error"
        index = which if isinstance(which, int) and not isinstance(which, bool) else 0
        name, text = export_csv(payload, index)
        return ({"content": text, "filename": name, "type": "text/csv", "base64": False},
                f"Exported {name}: open it in the Import view to draw it on the phase plane.",
                "message note")
    except ValueError as exc:
        return None, f"⚠ {exc}", "message error"
    except Exception:  # noqa: BLE001
        log.exception("networks export failed")
        return None, "⚠ internal error while exporting", "message error"


# -- layout and callbacks ---------------------------------------------------------------------------

def _num_input(cid: str, name: str, step: Any = "any") -> dcc.Input:
    cap = CAPS[name]
    # no min/max: the browser would drop out-of-range values silently; the server
    # clamps them with a visible note instead
    return dcc.Input(id=cid, type="number", value=cap.default, step=1 if cap.integer else step,
                     debounce=True, className="control-input")


def _field(label: str, control, title: str = "") -> html.Label:
    return html.Label(className="net-field", title=title, children=[
        html.Span(label, className="control-label"), control])


def _radio(cid: str, options, value) -> dcc.RadioItems:
    return dcc.RadioItems(id=cid, value=value, inline=True, className="net-radio",
                          options=[{"label": lab, "value": v} for v, lab in options])


def make_layout() -> html.Div:
    caps = ", ".join(f"{c.label} ≤ {c.hi:g}" for k, c in CAPS.items()
                     if k in ("width", "depth", "n_train", "steps"))
    single = html.Div(id=ids.NETWORKS_SINGLE_CONTROLS, className="net-group", children=[
        _field("depth", _num_input(ids.NETWORKS_DEPTH, "depth"), "weight layers L"),
        _field("width", _num_input(ids.NETWORKS_WIDTH, "width"), "hidden units n"),
        _field("activation", _radio(ids.NETWORKS_ACTIVATION,
                                    [(a, a) for a in ACTIVATIONS], "relu")),
        _field("param.", _radio(ids.NETWORKS_PARAM, [("sp", "SP"), ("mup", "μP")], "sp"),
               "parameterization"),
        _field("σ_w²", _num_input(ids.NETWORKS_SIGMA_W2, "sigma_w2"), "initialization variance"),
        _field("data", _radio(ids.NETWORKS_DATA, [(d, d) for d in DATA], "gaussian"),
               "gaussian / teacher: d = 64, scalar target; digits: scikit-learn's 8×8 "
               "digits, one-hot targets (≤ 1500 training images)"),
        _field("N", _num_input(ids.NETWORKS_N_TRAIN, "n_train"), "training examples"),
        _field("learning rate", html.Div(className="net-lr", children=[
            _radio(ids.NETWORKS_LR_MODE, [("c", "c = ηλ₀ᴴ"), ("eta", "η")], "c"),
            _num_input(ids.NETWORKS_LR, "c")])),
        _field("steps", _num_input(ids.NETWORKS_STEPS, "steps"), "full-batch GD steps"),
        _field("λᴴ every", _num_input(ids.NETWORKS_EVERY, "every"),
               "measure λᴴ and the NTK eigenvalue every K steps"),
    ])
    experiment = html.Div(id=ids.NETWORKS_EXPERIMENT_CONTROLS, className="net-group",
                          style={"display": "none"}, children=[
        _field("scale", _num_input(ids.NETWORKS_SCALE, "scale"),
               "size factor s: training set, width and steps × s"),
        _field("c (Fig 1)", _num_input(ids.NETWORKS_FIG1_C, "fig1_c"), "c = η λ₀ᴴ of Fig 1"),
        _field("c points (Fig 5)", _num_input(ids.NETWORKS_C_POINTS, "c_points"),
               "values of c in [1, 2.5] of the bifurcation diagram"),
    ])
    return html.Div(className="networks-view", children=[
        html.P(className="hint", children=(
            "Train real fully connected networks by full-batch GD and track their Hessian "
            "sharpness λᴴ beside the matched UV model (dashed). Runs are background jobs "
            f"(progress bar, Cancel) and cached; caps: {caps}, scale ≤ 1.")),
        html.Div(className="net-toolbar", children=[
            _field("experiment", _radio(ids.NETWORKS_EXPERIMENT,
                                        [(e, EXPERIMENT_LABELS[e]) for e in EXPERIMENTS],
                                        "single")),
            _field("seed", _num_input(ids.NETWORKS_SEED, "seed"), "data, initialization, Lanczos"),
            _field("UV matching", _radio(ids.NETWORKS_MATCHING,
                                         [(m, m) for m in MATCHINGS], "auto"),
                   "auto: calibrated for single/Fig 1/Fig 4, structural for Fig 5; "
                   "fitted (single/Fig 1): n_eff fitted to each network's own run"),
        ]),
        single, experiment,
        html.Div(className="net-toolbar", children=[
            html.Button("Run", id=ids.NETWORKS_RUN, n_clicks=0, className="btn"),
            html.Button("Cancel", id=ids.NETWORKS_CANCEL, n_clicks=0, className="btn",
                        disabled=True),
            html.Progress(id=ids.NETWORKS_PROGRESS, value="0", max="1000",
                          className="job-progress"),
            html.Span("export run:", className="control-label"),
            dcc.Dropdown(id=ids.NETWORKS_EXPORT_RUN, options=[], value=None, clearable=False,
                         className="net-export-run", placeholder="(run first)"),
            html.Button("Export trace (CSV)", id=ids.NETWORKS_DOWNLOAD_CSV, n_clicks=0,
                        className="btn", title="step, Δf, λ, λᴴ of the run, in the format the "
                                               "Import view reads"),
            dcc.Download(id=ids.NETWORKS_DOWNLOAD),
        ]),
        html.Div(id=ids.NETWORKS_PLAN, className="message", role="status"),
        dcc.Graph(id=ids.NETWORKS_GRAPH, className="graph net-graph",
                  config=theme.graph_config("real-networks"), responsive=True,
                  figure=empty_figure("Choose an experiment and press “Run”.")),
        html.Div(id=ids.NETWORKS_STATUS, className="message", role="status",
                 **{"aria-live": "polite"}),
        html.Div(id=ids.NETWORKS_EXPORT_STATUS, className="message", role="status"),
        dcc.Store(id=ids.NETWORKS_RESULT),
    ])




def _large(value: Any) -> bool:
    return isinstance(value, list) and "large" in value


def register_callbacks(app) -> None:
    control_states = [State(cid, "value") for _, cid in CONTROLS]

    @app.callback(
        Output(ids.NETWORKS_SINGLE_CONTROLS, "style"),
        Output(ids.NETWORKS_EXPERIMENT_CONTROLS, "style"),
        Output(ids.NETWORKS_PLAN, "children"), Output(ids.NETWORKS_PLAN, "className"),
        [Input(cid, "value") for _, cid in CONTROLS])
    def _plan(*values):
        single = values[0] == "single" or values[0] not in EXPERIMENTS
        text, cls = plan(*values)
        return ({} if single else {"display": "none"},
                {"display": "none"} if single else {}, text, cls)

    @app.callback(
        Output(ids.NETWORKS_GRAPH, "figure"), Output(ids.NETWORKS_STATUS, "children"),
        Output(ids.NETWORKS_STATUS, "className"), Output(ids.NETWORKS_RESULT, "data"),
        Output(ids.NETWORKS_EXPORT_RUN, "options"), Output(ids.NETWORKS_EXPORT_RUN, "value"),
        Input(ids.NETWORKS_RUN, "n_clicks"), *control_states, State(ids.LARGE_FONT, "value"),
        prevent_initial_call=True,
        **jobs.background_kwargs(
            progress=[Output(ids.NETWORKS_PROGRESS, "value"),
                      Output(ids.NETWORKS_PROGRESS, "max")],
            cancel=[Input(ids.NETWORKS_CANCEL, "n_clicks")],
            running=[(Output(ids.NETWORKS_RUN, "disabled"), True, False),
                     (Output(ids.NETWORKS_CANCEL, "disabled"), False, True)],
            failure=(ids.NETWORKS_STATUS, "children")),
    )
    def _networks_job(set_progress, n_clicks, *values):
        *controls, large = values
        return run_job(set_progress, n_clicks, *controls, large=_large(large))

    @app.callback(
        Output(ids.NETWORKS_DOWNLOAD, "data"), Output(ids.NETWORKS_EXPORT_STATUS, "children"),
        Output(ids.NETWORKS_EXPORT_STATUS, "className"),
        Input(ids.NETWORKS_DOWNLOAD_CSV, "n_clicks"),
        State(ids.NETWORKS_RESULT, "data"), State(ids.NETWORKS_EXPORT_RUN, "value"),
        prevent_initial_call=True)
    def _export(n_clicks, store, which):
        return download(store, which)


VIEW = View("Real networks", ids.NETWORKS_TAB, make_layout, register_callbacks,
            order=70)
