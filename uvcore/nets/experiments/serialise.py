"""Plain dict / list / array form of the experiments' results (JSON- and npz-ready)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ...maps import Trajectory
from ..matching import UVMatch
from ..train import NetRun

__all__ = ["result_dict"]


def result_dict(obj):
    """Plain dict/list/array form of an experiment result (JSON- and npz-ready).

    A :class:`NetRun` keeps its trajectories (not θ); a :class:`UVMatch`
    becomes (n_eff, x_norm, y, eta, c, coupling, df0, lam0, lam0_h, width,
    method, calibrated); a UV
    :class:`Trajectory` its arrays, ``diverged`` and the outcome kind.  None
    becomes NaN.
    """
    if isinstance(obj, NetRun):
        return {"eta": obj.eta, "c": obj.c, "lam0_h": obj.lam0_h, "loss_all": obj.loss,
                "step": obj.step, "sharpness": obj.sharpness, "ntk": obj.ntk,
                "loss": obj.train_loss, "test_loss": obj.test_loss, "test_acc": obj.test_acc,
                "diverged": obj.diverged}
    if isinstance(obj, UVMatch):
        p = obj.params
        return {"n_eff": p.n_eff, "x_norm": p.x_norm, "y": p.y, "eta": p.eta, "c": obj.c,
                "coupling": obj.coupling,
                "df0": obj.df0, "lam0": obj.lam0, "lam0_h": obj.lam0_h, "width": obj.width,
                "method": obj.method, "calibrated": obj.calibrated}
    if isinstance(obj, Trajectory):
        return {"df": obj.df, "lam": obj.lam, "lam_h": obj.lam_h, "loss": obj.loss,
                "eta_lam": obj.eta_lam, "diverged": obj.diverged, "outcome": obj.outcome.kind}
    if dataclasses.is_dataclass(obj):
        return {f.name: result_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (tuple, list)):
        items = [result_dict(x) for x in obj]
        return items if any(isinstance(x, dict) for x in items) else np.asarray(items)
    if obj is None:
        return math.nan
    return obj
