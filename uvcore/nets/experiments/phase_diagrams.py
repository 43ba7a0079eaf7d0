"""Paper Fig 4: phase diagrams of the final η λ^H / 2 over (σ_w², c) and over
the SP → μP interpolation (s, c), with the matched UV model of each row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import make_data
from ..matching import GRID_MATCHINGS, _calibrated_match, _check_matching, uv_match
from ..model import NetSpec
from ..train import check_progress, run_network
from .common import _check_scale, _final_half_sharpness, _grid, _Stage, _uv_run, scaled_size

__all__ = ["FIG4_CS", "FIG4_SIGMA_W2S", "FIG4_SS", "Fig4Result", "fig4"]

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
         matching: str = "calibrated", c_cal: float = 0.5, scale: float = 1.0, progress=None,
         cancel=None) -> Fig4Result:
    """Paper Fig 4: final η λ^H / 2 and test accuracy over (σ_w², c) and (s, c).

    ``cs``, ``sigma_w2s``, ``ss``: the grids (an empty one skips its panel);
    None means the paper's (FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS), thinned to
    about ``scale`` of their points when ``scale`` < 1.  Grids given
    explicitly are used as they are.
    ``matching``/``c_cal``: the UV model of each row (:mod:`uvcore.nets.matching`;
    "calibrated" costs one extra run per row at c_cal).
    """
    scale = _check_scale(scale)
    _check_matching(matching, GRID_MATCHINGS)
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 10)
    cs, sig, ss = (_grid(g, default, scale) for g, default in
                   ((cs, FIG4_CS), (sigma_w2s, FIG4_SIGMA_W2S), (ss, FIG4_SS)))
    ds = make_data(data, n_train, seed=seed)
    stage = _Stage(progress, cancel, (sig.size + ss.size) * (cs.size + (matching == "calibrated")))

    def panel(rows, make_spec):
        shape = (len(rows), cs.size)
        out = {k: np.full(shape, np.nan) for k in ("h", "acc", "loss", "uvh", "uvc")}
        div = np.zeros(shape, bool)
        uvdiv = np.zeros(shape, bool)
        neff = np.empty(len(rows))
        okrow = np.ones(len(rows), bool)
        for i, r in enumerate(rows):
            spec = make_spec(r)
            base = (_calibrated_match(spec, ds, c_cal, steps, seed, dtype, stage.sub(), cancel)
                    if matching == "calibrated" else None)
            for j, c in enumerate(cs):
                run = run_network(spec, ds, c=float(c), steps=steps, sharpness_every=steps,
                                  seed=seed, dtype=dtype, ntk=False, progress=stage.sub(),
                                  cancel=cancel)
                div[i, j] = run.diverged
                if not run.diverged:
                    out["h"][i, j] = _final_half_sharpness(run)
                    out["acc"][i, j] = run.test_acc[-1]
                    out["loss"][i, j] = run.train_loss[-1]
                m = base.at(float(c)) if base is not None else uv_match(spec, ds, float(c), seed)
                neff[i] = m.n_eff
                out["uvc"][i, j] = m.coupling
                okrow[i] = m.calibrated
                tr = _uv_run(m, steps)
                uvdiv[i, j] = tr.diverged
                if not tr.diverged:
                    out["uvh"][i, j] = m.params.eta * float(tr.lam_h[-1]) / 2.0
        return out, div, uvdiv, neff, okrow

    a, da, uda, na, oka = panel(sig, lambda v: NetSpec(depth, width, ds.in_dim, ds.out_dim,
                                                  activation, param_a, float(v)))
    b, db, udb, nb, okb = panel(ss, lambda v: NetSpec(depth, width, ds.in_dim, ds.out_dim,
                                                 activation, float(v), sigma_w2_b))
    check_progress(progress, None, 1.0)
    return Fig4Result(c=cs, sigma_w2=sig, s=ss,
                      half_sharp_a=a["h"], test_acc_a=a["acc"], train_loss_a=a["loss"], diverged_a=da,
                      half_sharp_b=b["h"], test_acc_b=b["acc"], train_loss_b=b["loss"], diverged_b=db,
                      uv_half_sharp_a=a["uvh"], uv_diverged_a=uda,
                      uv_half_sharp_b=b["uvh"], uv_diverged_b=udb,
                      uv_n_eff_a=na, uv_n_eff_b=nb, uv_coupling_a=a["uvc"], uv_coupling_b=b["uvc"],
                      uv_calibrated_a=oka, uv_calibrated_b=okb,
                      matching=matching, steps=steps)
