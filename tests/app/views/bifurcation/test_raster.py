"""The orbit diagram's classes and image (app.views.bifurcation.raster), on
real uvcore results: the value bins of the image recomputed here from the
kept λ values, the class of each period code written out by hand.
"""

import math

import numpy as np
import plotly.graph_objects as go

from app.core import theme
from app.views.bifurcation import raster as rs

from .common import ETA_C


def test_period_classes():
    codes = np.array([1, 2, 4, 8, 16, 32, 64, 3, 5, 6, 12, 48, 0, -3, -1])
    expect = [0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 5, 5, rs.APERIODIC, rs.STALLED, rs.DIVERGED]
    assert rs.period_classes(codes).tolist() == expect
    assert rs.CLASS_LABELS[rs.APERIODIC].startswith("aperiodic")
    assert rs.CLASS_COLORS[rs.APERIODIC] == theme.GRAY          # chaotic/aperiodic grey


def test_class_colours_are_distinct_and_colour_blind_safe():
    okabe_ito = {theme.BLUE, theme.ORANGE, theme.GREEN, theme.VERMILLION, theme.SKY_BLUE,
                 theme.GRAY, theme.BLACK, theme.YELLOW, theme.PURPLE}
    tol = {"#332288", "#882255", "#117733", "#44AA99", "#999933", "#303030"}
    assert len(set(rs.CLASS_COLORS)) == len(rs.CLASS_COLORS)
    assert set(rs.CLASS_COLORS) <= okabe_ito | tol
    assert theme.ETA_LINE not in rs.CLASS_COLORS          # the current η keeps its colour


def test_diagram_image_bins_the_kept_values(diagrams):
    """Independent binning: for each η, the cells drawn are the bins of its last
    k values (k = period; all PLOT_KEEP when aperiodic), thickened by ±THICKEN
    bins for periodic orbits; the cell value is the class code."""
    uv, _ = diagrams
    y0, y1 = 0.0, float(np.nanmax(uv.lam)) * 1.05
    rows = 200
    centres, z = rs.raster(uv, "lam", (y0, y1), rows=rows)
    assert np.allclose(centres, y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows)
    checked = set()
    for i, per in enumerate(uv.period):
        col = z[:, i]
        if per == -1:
            assert (col == rs.EMPTY).all()
            continue
        k = 1 if per in (1, -3) else (rs.PLOT_KEEP if per == 0 else min(per, rs.PLOT_KEEP))
        vals = uv.lam[i, -k:]
        bins = {int(math.floor((v - y0) / (y1 - y0) * rows)) for v in vals}
        drawn = set(np.nonzero(col != rs.EMPTY)[0].tolist())
        assert bins <= drawn
        if per != 0:
            assert drawn <= {b + d for b in bins for d in range(-rs.THICKEN, rs.THICKEN + 1)}
            checked.add("periodic")
        else:
            assert drawn == bins
            checked.add("aperiodic")
        assert set(col[col != rs.EMPTY].tolist()) == {int(rs.period_classes([per])[0])}
    assert checked == {"periodic", "aperiodic"}


def test_eta_lam_quantity_multiplies_by_eta(diagrams):
    _, eos = diagrams
    pts = rs.points_by_class(eos, "eta-lam")
    ref = rs.points_by_class(eos, "lam")
    for code in pts:
        x, v, _, _ = pts[code]
        x2, v2, _, _ = ref[code]
        assert np.allclose(v, x2 * v2)
    # on the EoS edge ηλ = 2z, and the stable fixed point below η_c is z = c
    x, v, _, _ = pts[0]
    assert np.allclose(v, 2 * x / ETA_C, rtol=1e-9)


def test_typed_array_round_trip():
    z = np.array([[-1, 0, 8], [6, 5, -1]], dtype=np.int8)
    spec = rs.typed_array(z)
    assert spec["dtype"] == "i1" and spec["shape"] == "2, 3"
    assert (rs.decode_array(spec) == z).all()
    u = np.array([[0, 9], [3, 0]], dtype=np.uint8)
    assert (rs.decode_array(rs.typed_array(u)) == u).all()
    # plotly's own validator accepts it as is
    fig = go.Figure({"data": [{"type": "heatmap", "z": spec}]})
    assert fig.to_plotly_json()["data"][0]["z"]["bdata"] == spec["bdata"]
