"""Paper Fig 1: loss and Hessian-sharpness trajectories of ReLU networks at one
c (by default SP σ_w² = 0.5, SP σ_w² = 2 and μP σ_w² = 2), each beside its UV
model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...params import UVInputError
from ..data import make_data
from ..matching import _check_matching, uv_for_run
from ..model import NetSpec
from ..train import check_progress, run_network
from .common import _check_scale, _Stage, _uv_run, scaled_size

__all__ = ["FIG1_CONFIGS", "Fig1Result", "fig1"]

#: (label, parameterization, σ_w²) of the paper's Fig 1 panels.
FIG1_CONFIGS = (("SP, sigma_w^2=0.5", "sp", 0.5), ("SP, sigma_w^2=2.0", "sp", 2.0),
                ("muP, sigma_w^2=2.0", "mup", 2.0))


@dataclass(frozen=True)
class Fig1Result:
    """Loss and λ^H trajectories for SP σ²=0.5, SP σ²=2.0, μP σ²=2.0 (paper Fig 1).

    Attributes
    ----------
    labels : tuple of str
    runs : tuple of NetRun
        One per configuration (``run.loss`` every step, ``run.sharpness`` at
        ``run.step``); the dashed line is 2/η = ``two_over_eta[i]``.
    two_over_eta : ndarray (3,)
    uv : tuple of (UVMatch or None)
    uv_traj : tuple of (Trajectory or None)
        The matched UV model for the same number of steps (its 2/η line is
        ``2 / uv[i].params.eta``); None where none could be matched.
    uv_notes : tuple of str
        Why there is no UV model ("" where there is one).
    """

    labels: tuple
    runs: tuple
    two_over_eta: np.ndarray
    uv: tuple
    uv_traj: tuple
    uv_notes: tuple


def fig1(*, c: float = 1.0, data: str = "digits", n_train: int = 1500, depth: int = 4,
         width: int = 512, activation: str = "relu", steps: int = 2000,
         sharpness_every: int = 10, configs=FIG1_CONFIGS, seed: int = 0, dtype: str = "float32",
         matching: str = "calibrated", c_cal: float = 0.5, scale: float = 1.0, progress=None,
         cancel=None) -> Fig1Result:
    """Paper Fig 1: ReLU FCN, MSE, full-batch GD at c = η λ₀^H for each configuration.

    ``matching``/``c_cal``: how the UV model beside each run is chosen
    (:func:`~uvcore.nets.matching.uv_for_run`; "calibrated" costs one extra
    run per configuration at c_cal).  A run that cannot be matched (e.g. a diverged network with
    "fitted") keeps its network trajectories, with a note instead of a model.
    """
    scale = _check_scale(scale)
    _check_matching(matching)
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 10)
    ds = make_data(data, n_train, seed=seed)
    stage = _Stage(progress, cancel, len(configs) * (2 if matching == "calibrated" else 1))
    labels, runs, uvs, trajs, notes = [], [], [], [], []
    for label, param, sig in configs:
        spec = NetSpec(depth, width, ds.in_dim, ds.out_dim, activation, param, sig)
        run = run_network(spec, ds, c=c, steps=steps, sharpness_every=sharpness_every, seed=seed,
                          dtype=dtype, progress=stage.sub(), cancel=cancel)
        sub = stage.sub() if matching == "calibrated" else None
        try:
            m = uv_for_run(spec, ds, run, steps, matching, c_cal=c_cal, seed=seed, dtype=dtype,
                           progress=sub, cancel=cancel)
        except UVInputError as exc:
            m, note = None, f"no UV model: {exc}"
        else:
            note = ""
        labels.append(label)
        runs.append(run)
        uvs.append(m)
        trajs.append(None if m is None else _uv_run(m, steps))
        notes.append(note)
    check_progress(progress, None, 1.0)
    return Fig1Result(tuple(labels), tuple(runs), np.array([2.0 / r.eta for r in runs]),
                      tuple(uvs), tuple(trajs), tuple(notes))
