"""Paper Fig 4: phase diagrams of the final η λ^H / 2 over (σ_w², c) and over
the SP → μP interpolation (s, c), with the matched UV model of each row."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data import make_data
from ..matching import GRID_MATCHINGS, _check_matching, uv_match
from ..model import NetSpec
from .cells import Plan, match_of, net_cell, run_plan
from .common import _check_scale, _grid, _uv_run, scaled_size

__all__ = ["FIG4_CS", "FIG4_SIGMA_W2S", "FIG4_SS", "Fig4Result", "fig4", "fig4_plan",
           "fig4_aggregate"]

#: Fig 4's grids: c, σ_w² (panel A) and the SP→μP interpolation s (panel B).
FIG4_CS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
FIG4_SIGMA_W2S = (0.25, 0.5, 1.0, 2.0, 4.0)
FIG4_SS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Fig4Result:
    """Phase diagrams of η λ^H_final / 2 (paper Fig 4).

    Panel A varies (σ_w², c) at parameterization ``param_a``; panel B varies
    (s, c) at σ_w² = ``sigma_w2_b``, where s ∈ [0, 1] interpolates SP (0) →
    μP (1) (:mod:`uvcore.nets.model`).  Arrays are (rows, len(c)); NaN where
    the run diverged (``diverged_*`` True).

    Attributes
    ----------
    c, sigma_w2, s : ndarray
    half_sharp_a, test_acc_a, train_loss_a, diverged_a : ndarray (len(sigma_w2), len(c))
    half_sharp_b, test_acc_b, train_loss_b, diverged_b : ndarray (len(s), len(c))
    uv_half_sharp_a, uv_diverged_a, uv_half_sharp_b, uv_diverged_b : ndarray
        The matched UV model after the same number of steps.
    uv_n_eff_a, uv_n_eff_b : ndarray (rows,)
    uv_coupling_a, uv_coupling_b : ndarray (rows, len(c))
        The UV map's parameter c_UV = η‖x‖|y|/√n_eff of each cell
        (:attr:`UVMatch.coupling`; past the EoS crisis where > 2).
    uv_calibrated_a, uv_calibrated_b : ndarray of bool (rows,)
        Whether each row's calibrated fit reproduced the network (True for
        structural matching).
    matching : str
    steps : int
    """

    c: np.ndarray
    sigma_w2: np.ndarray
    s: np.ndarray
    half_sharp_a: np.ndarray
    test_acc_a: np.ndarray
    train_loss_a: np.ndarray
    diverged_a: np.ndarray
    half_sharp_b: np.ndarray
    test_acc_b: np.ndarray
    train_loss_b: np.ndarray
    diverged_b: np.ndarray
    uv_half_sharp_a: np.ndarray
    uv_diverged_a: np.ndarray
    uv_half_sharp_b: np.ndarray
    uv_diverged_b: np.ndarray
    uv_n_eff_a: np.ndarray
    uv_n_eff_b: np.ndarray
    uv_coupling_a: np.ndarray
    uv_coupling_b: np.ndarray
    uv_calibrated_a: np.ndarray
    uv_calibrated_b: np.ndarray
    matching: str
    steps: int


def fig4(*, cs=None, sigma_w2s=None, ss=None, param_a: str = "sp", sigma_w2_b: float = 2.0,
         data: str = "digits", n_train: int = 1000, depth: int = 4, width: int = 256,
         activation: str = "relu", steps: int = 1000, seed: int = 0, dtype: str = "float32",
         matching: str = "calibrated", c_cal: float = 0.5, scale: float = 1.0, data_dir=None,
         progress=None, cancel=None, runner=None, cache=None, on_cell=None) -> Fig4Result:
    """Paper Fig 4: final η λ^H / 2 and test accuracy over (σ_w², c) and (s, c).

    ``cs``, ``sigma_w2s``, ``ss``: the grids (an empty one skips its panel);
    None means the paper's (FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS), thinned to
    about ``scale`` of their points when ``scale`` < 1.  Grids given
    explicitly are used as they are.
    ``matching``/``c_cal``: the UV model of each row (:mod:`uvcore.nets.matching`;
    "calibrated" costs one extra run per row at c_cal).
    ``data_dir``: cifar10's directory (:func:`uvcore.nets.make_data`).

    Every network run is a cell (:func:`fig4_plan`, :mod:`.cells`): ``runner``
    runs them (default: here, one after another), ``cache`` keeps each result
    as it arrives and ``on_cell(index, meta)`` hears of each (:func:`.cells.run_plan`).
    """
    plan = fig4_plan(cs=cs, sigma_w2s=sigma_w2s, ss=ss, param_a=param_a, sigma_w2_b=sigma_w2_b,
                     data=data, n_train=n_train, depth=depth, width=width,
                     activation=activation, steps=steps, seed=seed, dtype=dtype,
                     matching=matching, c_cal=c_cal, scale=scale, data_dir=data_dir)
    return run_plan(plan, runner=runner, cache=cache, progress=progress, cancel=cancel,
                    on_cell=on_cell)


def fig4_plan(*, cs=None, sigma_w2s=None, ss=None, param_a: str = "sp", sigma_w2_b: float = 2.0,
              data: str = "digits", n_train: int = 1000, depth: int = 4, width: int = 256,
              activation: str = "relu", steps: int = 1000, seed: int = 0,
              dtype: str = "float32", matching: str = "calibrated", c_cal: float = 0.5,
              scale: float = 1.0, data_dir=None) -> Plan:
    """:func:`fig4`'s cells: per row (panel A's σ_w², then panel B's s) its
    calibration run (calibrated matching) and then one run per c."""
    scale = _check_scale(scale)
    _check_matching(matching, GRID_MATCHINGS)
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 10)
    cs, sig, ss = (_grid(g, default, scale) for g, default in
                   ((cs, FIG4_CS), (sigma_w2s, FIG4_SIGMA_W2S), (ss, FIG4_SS)))
    make_data(data, n_train, seed=seed, directory=data_dir)     # refuse bad data before any cell
    net = {"data": data, "n_train": n_train, "depth": depth, "width": width,
           "activation": activation, "seed": seed, "dtype": dtype, "steps": steps,
           "data_dir": data_dir}
    rows = [("a", param_a, float(v)) for v in sig] + [("b", float(v), sigma_w2_b) for v in ss]
    cells = []
    for _, param, sw2 in rows:
        if matching == "calibrated":
            cells.append(net_cell("calibrate", param=param, sigma_w2=sw2, c=c_cal, **net))
        cells.extend(net_cell("fig4", param=param, sigma_w2=sw2, c=float(c), **net) for c in cs)
    ctx = {"cs": cs.tolist(), "sigma_w2": sig.tolist(), "s": ss.tolist(), "rows": rows,
           "matching": matching, "steps": steps, "net": net}
    return Plan("fig4", tuple(cells), ctx)


def _uv_row(ctx: dict, row, results: list, cs):
    """The UV matches of one row at each c: from its calibration cell, or structural."""
    if ctx["matching"] == "calibrated":
        base = match_of(results[0])
        return [base.at(float(c)) for c in cs]
    _, param, sw2 = row
    net = ctx["net"]
    ds = make_data(net["data"], net["n_train"], seed=net["seed"], directory=net["data_dir"])
    spec = NetSpec(net["depth"], net["width"], ds.in_dim, ds.out_dim, net["activation"], param,
                   sw2)
    return [uv_match(spec, ds, float(c), net["seed"]) for c in cs]


def _f(x) -> float:
    return math.nan if x is None else float(x)


def fig4_aggregate(plan: Plan, results: list) -> Fig4Result:
    """:class:`Fig4Result` from the results of :func:`fig4_plan`'s cells (plan order)."""
    ctx = plan.context
    cs, steps = np.asarray(ctx["cs"], dtype=float), ctx["steps"]
    per_row = cs.size + (ctx["matching"] == "calibrated")
    panels = {}
    for ab, n_rows in (("a", len(ctx["sigma_w2"])), ("b", len(ctx["s"]))):
        shape = (n_rows, cs.size)
        out = {k: np.full(shape, np.nan) for k in ("h", "acc", "loss", "uvh", "uvc")}
        out.update(div=np.zeros(shape, bool), uvdiv=np.zeros(shape, bool),
                   neff=np.empty(n_rows), ok=np.ones(n_rows, bool))
        panels[ab] = out
    counts = {"a": 0, "b": 0}
    for r, row in enumerate(ctx["rows"]):
        ab = row[0]
        i = counts[ab]
        counts[ab] += 1
        out, res = panels[ab], results[r * per_row:(r + 1) * per_row]
        matches = _uv_row(ctx, row, res, cs)
        for j, (cell, m) in enumerate(zip(res[per_row - cs.size:], matches)):
            out["div"][i, j] = cell["diverged"]
            if not cell["diverged"]:
                out["h"][i, j], out["acc"][i, j] = _f(cell["half_sharp"]), _f(cell["test_acc"])
                out["loss"][i, j] = _f(cell["train_loss"])
            out["neff"][i], out["uvc"][i, j], out["ok"][i] = m.n_eff, m.coupling, m.calibrated
            tr = _uv_run(m, steps)
            out["uvdiv"][i, j] = tr.diverged
            if not tr.diverged:
                out["uvh"][i, j] = m.params.eta * float(tr.lam_h[-1]) / 2.0
    a, b = panels["a"], panels["b"]
    return Fig4Result(c=cs, sigma_w2=np.asarray(ctx["sigma_w2"], dtype=float),
                      s=np.asarray(ctx["s"], dtype=float),
                      half_sharp_a=a["h"], test_acc_a=a["acc"], train_loss_a=a["loss"],
                      diverged_a=a["div"], half_sharp_b=b["h"], test_acc_b=b["acc"],
                      train_loss_b=b["loss"], diverged_b=b["div"],
                      uv_half_sharp_a=a["uvh"], uv_diverged_a=a["uvdiv"],
                      uv_half_sharp_b=b["uvh"], uv_diverged_b=b["uvdiv"],
                      uv_n_eff_a=a["neff"], uv_n_eff_b=b["neff"], uv_coupling_a=a["uvc"],
                      uv_coupling_b=b["uvc"], uv_calibrated_a=a["ok"], uv_calibrated_b=b["ok"],
                      matching=ctx["matching"], steps=steps)
