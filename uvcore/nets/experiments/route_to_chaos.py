"""Paper Fig 5: the route to chaos of 2-layer linear networks on Gaussian data
(bifurcation diagram, late-time trajectories and their spectra) beside the
matched UV model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...maps import power_spectrum
from ..data import make_data
from ..matching import GRID_MATCHINGS, UVMatch, _check_matching, uv_match
from ..model import NetSpec
from .cells import Plan, match_of, net_cell, run_plan
from .common import _check_scale, _grid, _pad, _uv_run, scaled_size

__all__ = ["FIG5_C_RANGE", "FIG5_C_POINTS", "FIG5_TRAJ_CS", "Fig5Result", "fig5", "fig5_plan",
           "fig5_aggregate"]

#: Fig 5's bifurcation grid (FIG5_C_POINTS evenly spaced c in FIG5_C_RANGE) and
#: the c values of its late-time trajectories and spectra.
FIG5_C_RANGE = (1.0, 2.5)
FIG5_C_POINTS = 24
FIG5_TRAJ_CS = (1.4, 1.75, 2.1)


@dataclass(frozen=True)
class Fig5Result:
    """Route to chaos of 2-layer linear FCNs on i.i.d. Gaussian data (paper Fig 5).

    Attributes
    ----------
    c : ndarray (m,)
        Bifurcation grid (c = η λ₀^H).
    bif : ndarray (m, tail)
        λ^H at each of the last ``tail`` steps (NaN rows: diverged runs).
    bif_eta : ndarray (m,)
        η of each run (draw 2/η beside the branches).
    traj_c : ndarray (q,)
        The c values whose late-time trajectories and spectra are shown.
    traj_step : ndarray (R,)
        Steps at which ``traj`` was measured (every ``sharpness_every``, then
        every step over the last ``spectrum_last``).
    traj : ndarray (q, R)
        λ^H trajectories.
    traj_eta : ndarray (q,)
    freq : ndarray (F,);  power : ndarray (q, F)
        ``uvcore.power_spectrum`` of the last ``spectrum_last`` λ^H values.
    uv_bif, uv_traj, uv_power : ndarray
        The matched UV model (same c values; ``uv_traj`` every step 0 … steps,
        ``uv_power`` on ``freq``; NaN where the UV orbit diverged).
    uv_eta : ndarray (m,);  uv_n_eff : float
    uv_coupling : ndarray (m,)
        The UV map's parameter c_UV = η‖x‖|y|/√n_eff at each c (:attr:`UVMatch.coupling`).
    matching : str;  uv_calibrated : bool
    steps : int
    """

    c: np.ndarray
    bif: np.ndarray
    bif_eta: np.ndarray
    traj_c: np.ndarray
    traj_step: np.ndarray
    traj: np.ndarray
    traj_eta: np.ndarray
    freq: np.ndarray
    power: np.ndarray
    uv_bif: np.ndarray
    uv_traj: np.ndarray
    uv_power: np.ndarray
    uv_eta: np.ndarray
    uv_n_eff: float
    uv_coupling: np.ndarray
    matching: str
    uv_calibrated: bool
    steps: int


def fig5(*, cs=None, traj_cs=FIG5_TRAJ_CS, n_train: int = 5000, input_dim: int = 16,
         width: int = 256, param: str = "mup", sigma_w2: float = 1.0, steps: int = 3000,
         tail: int = 200, spectrum_last: int = 1000, sharpness_every: int = 20, seed: int = 0,
         dtype: str = "float32", matching: str = "structural", c_cal: float = 0.5,
         scale: float = 1.0, progress=None, cancel=None, runner=None, cache=None,
         on_cell=None) -> Fig5Result:
    """Paper Fig 5: 2-layer linear FCN (scalar output) on ``gaussian`` data.

    ``cs``: the bifurcation grid; None means FIG5_C_POINTS = 24 evenly spaced
    values in FIG5_C_RANGE = [1.0, 2.5], thinned to about ``scale`` of them
    when ``scale`` < 1 (an explicit grid is used as it is).  Full size (scale 1, seed 0,
    float32; 1,055 s on the shared 2-core machine): network and structurally
    matched UV model (n_eff = d = 16) both converge at small c, then on the
    grid point where each first appears — period 2 at c = 1.457 (UV 1.391),
    period 4 at 1.783 (UV 1.717), chaos from 1.848 (UV 1.783), divergence
    from 2.435 (UV 2.370); the spectra peak at frequency 0.5 for c = 1.4 and
    1.75 in both.

    Every network run is a cell (:func:`fig5_plan`): ``runner``, ``cache``
    and ``on_cell`` as in :func:`uvcore.nets.experiments.fig4`.
    """
    plan = fig5_plan(cs=cs, traj_cs=traj_cs, n_train=n_train, input_dim=input_dim, width=width,
                     param=param, sigma_w2=sigma_w2, steps=steps, tail=tail,
                     spectrum_last=spectrum_last, sharpness_every=sharpness_every, seed=seed,
                     dtype=dtype, matching=matching, c_cal=c_cal, scale=scale)
    return run_plan(plan, runner=runner, cache=cache, progress=progress, cancel=cancel,
                    on_cell=on_cell)


def fig5_plan(*, cs=None, traj_cs=FIG5_TRAJ_CS, n_train: int = 5000, input_dim: int = 16,
              width: int = 256, param: str = "mup", sigma_w2: float = 1.0, steps: int = 3000,
              tail: int = 200, spectrum_last: int = 1000, sharpness_every: int = 20,
              seed: int = 0, dtype: str = "float32", matching: str = "structural",
              c_cal: float = 0.5, scale: float = 1.0) -> Plan:
    """:func:`fig5`'s cells: the calibration run (calibrated matching), one
    bifurcation run per c of the grid, one trajectory run per ``traj_cs``."""
    scale = _check_scale(scale)
    _check_matching(matching, GRID_MATCHINGS)
    cs = _grid(cs, np.linspace(*FIG5_C_RANGE, FIG5_C_POINTS), scale)
    traj_cs = np.asarray(traj_cs, dtype=float).ravel()
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 20)
    tail = min(scaled_size(tail, scale, 8), steps)
    spectrum_last = min(scaled_size(spectrum_last, scale, 16), steps)
    make_data("gaussian", n_train, input_dim, 1, seed=seed)     # refuse bad sizes first
    net = {"data": "gaussian", "n_train": n_train, "input_dim": input_dim, "out_dim": 1,
           "depth": 2, "width": width, "activation": "linear", "param": param,
           "sigma_w2": sigma_w2, "seed": seed, "dtype": dtype, "steps": steps}
    cells = [net_cell("calibrate", c=c_cal, **net)] if matching == "calibrated" else []
    cells += [net_cell("fig5_bif", c=float(c), tail=tail, **net) for c in cs]
    cells += [net_cell("fig5_traj", c=float(c), tail=spectrum_last,
                       sharpness_every=sharpness_every, **net) for c in traj_cs]
    ctx = {"cs": cs.tolist(), "traj_cs": traj_cs.tolist(), "tail": tail,
           "spectrum_last": spectrum_last, "matching": matching, "steps": steps, "net": net}
    return Plan("fig5", tuple(cells), ctx)


def _f(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _base(ctx: dict, results: list) -> UVMatch:
    """The one UV model of the figure: the calibration cell's, or structural at c = 1."""
    if ctx["matching"] == "calibrated":
        return match_of(results[0])
    net = ctx["net"]
    ds = make_data("gaussian", net["n_train"], net["input_dim"], 1, seed=net["seed"])
    spec = NetSpec(2, net["width"], ds.in_dim, 1, "linear", net["param"], net["sigma_w2"])
    return uv_match(spec, ds, 1.0, net["seed"])


def fig5_aggregate(plan: Plan, results: list) -> Fig5Result:
    """:class:`Fig5Result` from the results of :func:`fig5_plan`'s cells (plan order)."""
    ctx = plan.context
    cs, traj_cs = np.asarray(ctx["cs"], dtype=float), np.asarray(ctx["traj_cs"], dtype=float)
    steps, tail, spectrum_last = ctx["steps"], ctx["tail"], ctx["spectrum_last"]
    base = _base(ctx, results)
    first = int(ctx["matching"] == "calibrated")
    bif_res = results[first:first + cs.size]
    traj_res = results[first + cs.size:]
    bif, uv_bif, uv_eta, uv_coupling = [], [], [], []
    for c, r in zip(cs, bif_res):
        bif.append(_f(r["tail"]))
        m = base.at(float(c))
        tr = _uv_run(m, steps)
        uv_bif.append(np.full(tail, np.nan) if tr.diverged else tr.lam_h[-tail:])
        uv_eta.append(m.params.eta)
        uv_coupling.append(m.coupling)
    traj, power, uv_traj, uv_power = [], [], [], []
    traj_step = None
    freq = np.fft.rfftfreq(spectrum_last)
    for c, r in zip(traj_cs, traj_res):
        step, sharp = np.asarray(r["step"], dtype=int), _f(r["sharpness"])
        if traj_step is None or step.size > traj_step.size:
            traj_step = step
        traj.append(sharp)
        power.append(np.full(freq.size, np.nan) if r["diverged"]
                     else power_spectrum(sharp, spectrum_last)[1])
        m = base.at(float(c))
        tr = _uv_run(m, steps)
        uv_traj.append(tr.lam_h)
        uv_power.append(np.full(freq.size, np.nan) if tr.diverged
                        else power_spectrum(tr.lam_h, spectrum_last)[1])
    R = traj_step.size if traj_step is not None else 0
    return Fig5Result(c=cs, bif=np.array(bif).reshape(cs.size, tail),
                      bif_eta=np.array([r["eta"] for r in bif_res], dtype=float), traj_c=traj_cs,
                      traj_step=traj_step if traj_step is not None else np.zeros(0, int),
                      traj=_pad(traj, R), traj_eta=np.array([r["eta"] for r in traj_res],
                                                            dtype=float), freq=freq,
                      power=np.array(power).reshape(len(traj_cs), freq.size),
                      uv_bif=np.array(uv_bif).reshape(cs.size, tail),
                      uv_traj=_pad(uv_traj, steps + 1),
                      uv_power=np.array(uv_power).reshape(len(traj_cs), freq.size),
                      uv_eta=np.array(uv_eta), uv_n_eff=float(base.n_eff),
                      uv_coupling=np.array(uv_coupling), matching=ctx["matching"],
                      uv_calibrated=bool(base.calibrated), steps=steps)
