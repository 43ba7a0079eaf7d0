"""The cobweb of the EoS map (app.views.bifurcation.cobweb), against the map
z' = z(1 + c − z)² and its slope written out here (spec §3)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from app.views.bifurcation import cobweb

from .common import eos_orbit


@pytest.mark.parametrize("c", [0.75, 1.15, 1.5, 2.4])
def test_cobweb_fixed_points_and_curve(c):
    z0 = c / 2
    z = eos_orbit(c, z0, 300)
    z = z[np.isfinite(z) & (np.abs(z) < 1e8)]
    fig = cobweb.cobweb_figure(c, z, eta=c, z0=z0)
    go.Figure(fig)
    fp = next(t for t in fig["data"] if t["name"].startswith("fixed points"))
    assert fp["x"] == [0.0, c, c + 2.0] and fp["y"] == fp["x"]
    # stability from the slope g'(z) = (1 + c − z)(1 + c − 3z): z = c stable iff c < 1
    assert fp["marker"]["symbol"][1] == ("circle" if c < 1 else "circle-open")
    assert fp["marker"]["symbol"][2] == "circle-open"            # g'(c + 2) = 5 + 2c
    assert fp["marker"]["symbol"][0] == "circle-open"            # g'(0) = (1 + c)²
    curve = fig["data"][0]
    x = np.asarray(curve["x"])
    assert np.allclose(curve["y"], x * (1 + c - x) ** 2, rtol=1e-4, atol=1e-4 * (c + 2))
    diag = fig["data"][1]
    assert diag["x"] == diag["y"]
    assert fig["layout"]["xaxis"]["range"][1] >= c + 2


def test_cobweb_path_follows_the_map():
    c = 1.2                                                       # period 2
    z = eos_orbit(c, c / 2, 1000)
    fig = cobweb.cobweb_figure(c, z, eta=1.2, z0=c / 2)
    web = next(t for t in fig["data"] if t["name"].startswith("cobweb"))
    xs, ys = np.asarray(web["x"]), np.asarray(web["y"])
    # corners on the curve: (z_t, z_{t+1}); then across to the diagonal
    on_curve = xs[1::2], ys[1::2]
    assert np.allclose(on_curve[1], on_curve[0] * (1 + c - on_curve[0]) ** 2, atol=1e-4)
    assert np.allclose(xs[2::2], ys[2::2])
    att = next(t for t in fig["data"] if t["name"] == "attractor")
    assert len(set(np.round(att["x"], 5))) == 2                   # the period-2 orbit
