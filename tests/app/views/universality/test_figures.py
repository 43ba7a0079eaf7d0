"""The Universality view's figure (app.views.universality.figures), on real
uvcore cascades: δ_k recomputed here from the flip points, η_k = c_k·η_c."""

import numpy as np
import plotly.graph_objects as go
import pytest

import uvcore
from app.views.universality import figures as uf
from tests.app.ticks import tick_value

#: Agreement of flip points located independently at different parameters
#: (continuation + double-double refinement: a few ulps of c).
FLIP_RTOL = 1e-9


def traces(fig, **meta):
    return [t for t in fig["data"]
            if all((t.get("meta") or {}).get(k) == v for k, v in meta.items())]


@pytest.fixture(scope="module")
def cascades():
    eos = uvcore.cascade(map="eos", n_eff=16.0, x_norm=1.0, y=2.0, levels=8)
    uv = uvcore.cascade(map="uv", n_eff=16.0, x_norm=1.0, y=2.0, levels=8)
    ref = uvcore.cascade(map="eos", n_eff=100.0, x_norm=0.5, y=-1.0, levels=8)
    return eos, uv, ref


def test_universality_figure(cascades):
    eos, uv, ref = cascades
    fig = uf.universality_figure(eos, uv, [("ref", ref)], params_label="n_eff = 16")
    go.Figure(fig)
    deltas = traces(fig, panel="delta")
    by_map = {t["meta"].get("map"): t for t in deltas if "map" in t["meta"]}
    for cas in (eos, uv):
        t = by_map[cas.map]
        assert t["x"] == list(range(2, 8)) and len(t["y"]) == 8 - 2
        # δ_k from the flip points, recomputed here
        c = np.array(cas.c_flip)
        d = (c[1:-1] - c[:-2]) / (c[2:] - c[1:-1])
        assert np.allclose(t["y"], d, rtol=1e-6)
    (feig,) = [t for t in deltas if t["meta"].get("feigenbaum")]
    assert feig["y"] == [4.669201609102990671853] * 2
    assert abs(by_map["eos"]["y"][-1] - 4.6692016) < 1e-3
    # flip points: in η each set on its own scale; in c they collapse
    in_eta = traces(fig, panel="eta")
    in_c = [t for t in traces(fig, panel="c") if "current" in t["meta"]]
    assert len(in_eta) == len(in_c) == 3
    for t, cas in zip(in_eta, (eos, uv, ref)):
        assert len(t["y"]) == 8
        assert np.allclose(t["y"], np.array(cas.c_flip) * cas.eta_c, rtol=1e-9)
    for t in in_c:
        assert np.allclose(t["y"], in_c[0]["y"], rtol=FLIP_RTOL)
    assert not np.allclose(in_eta[0]["y"], in_eta[2]["y"], rtol=0.1)
    # only the current parameters' points are click targets (plain numbers)
    assert all(isinstance(v, float) for v in in_eta[0]["customdata"])
    assert all(isinstance(v, list) and v[0] == "ref" for v in in_eta[2]["customdata"])


def test_universality_figure_with_missing_cascades():
    go.Figure(uf.universality_figure(None, None))


def test_every_eta_k_tick_label_names_its_value_with_its_decade(cascades):
    """The η_k axis once read "2, 10, 5, 2, 1, 5" (the last 5 meaning 0.5): each
    label now names the value it sits at, and every flip point is inside."""
    eos, uv, ref = cascades
    fig = uf.universality_figure(eos, uv, [("ref", ref)], params_label="n_eff = 16")
    ax = fig["layout"]["yaxis2"]
    assert ax["type"] == "log" and ax["tickmode"] == "array" and len(ax["tickvals"]) >= 2
    for v, text in zip(ax["tickvals"], ax["ticktext"]):
        assert np.isclose(tick_value(text), v, rtol=1e-9), (text, v)
    lo, hi = 10 ** ax["range"][0], 10 ** ax["range"][1]
    etas = [e for c in (eos, uv, ref) for e in c.eta_flip]
    assert lo < min(etas) and max(etas) < hi
    assert all(lo <= v <= hi for v in ax["tickvals"])
