"""Fixtures of the Bifurcation view's figure tests: real uvcore results."""

import pytest

import uvcore

from .common import N_EFF, WINDOW, X_NORM, Y


@pytest.fixture(scope="module")
def diagrams():
    """Both maps' diagrams on 400 η of :data:`common.WINDOW` (both diverge at the top)."""
    kw = {"n_eff": N_EFF, "x_norm": X_NORM, "y": Y, "transient": 2000, "keep": 256}
    uv = uvcore.bifurcation(*WINDOW, 400, map="uv", **kw)
    eos = uvcore.bifurcation(*WINDOW, 400, map="eos", **kw)
    return uv, eos


@pytest.fixture(scope="module")
def canonical_cascade():
    """The EoS cascade located in c (n_eff = ‖x‖ = y = 1: η = c)."""
    return uvcore.cascade(map="eos", n_eff=1.0, x_norm=1.0, y=1.0, levels=8)
