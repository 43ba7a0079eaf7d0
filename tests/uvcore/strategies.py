"""Hypothesis strategies for map parameters and allowed starts."""

import math

from hypothesis import strategies as st

from uvcore import MapParams


@st.composite
def map_params(draw, c_max=2.5):
    """MapParams with |c| = η‖x‖|y|/√n_eff ≤ c_max (the interesting range)."""
    n_eff = draw(st.floats(0.25, 1e4))
    x_norm = draw(st.floats(0.2, 5.0))
    y = draw(st.floats(0.1, 5.0)) * draw(st.sampled_from([-1.0, 1.0]))
    c = draw(st.floats(0.05, c_max))
    eta = c * math.sqrt(n_eff) / (x_norm * abs(y))
    return MapParams(eta, n_eff, x_norm, y)


@st.composite
def allowed_start(draw, params):
    """A start (Δf, λ) strictly inside the allowed region, at moderate scale."""
    f = draw(st.floats(-3.0, 3.0)) * abs(params.y)
    margin = draw(st.floats(0.01, 3.0))
    edge = 2.0 * params.x_norm * abs(f) / math.sqrt(params.n_eff)
    lam = edge + margin * (params.lam_min + 1e-3)
    return f - params.y, lam
