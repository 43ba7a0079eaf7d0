"""Figure builders of the Bifurcation and Universality views, on real uvcore results.

Every figure is validated with ``plotly.graph_objects.Figure``.  Reference
values are computed here independently: η_k = c_k·√n_eff/(‖x‖|y|) by hand,
the EoS map z(1 + c − z)² and its fixed points from spec §3, the value bins
of the diagram image from the kept λ values.
"""

import csv
import io
import math

import numpy as np
import plotly.graph_objects as go
import pytest

import uvcore
from app.views.bifurcation import figures as fb
from app.views.universality import figures as uf
from app.core import theme

#: Relative tolerance for η values that went through a rescaling c → η.
RESCALE_RTOL = 1e-12
#: Agreement of flip points located independently at different parameters
#: (continuation + double-double refinement: a few ulps of c).
FLIP_RTOL = 1e-9
#: The figure rounds η to 7 significant digits of the window's span.
ETA_ROUND_ATOL_REL = 1e-6

N_EFF, X_NORM, Y = 4.0, 1.0, 2.0          # η_c = √4/(1·2) = 1
ETA_C = math.sqrt(N_EFF) / (X_NORM * abs(Y))
WINDOW = (0.6, 2.3)                       # c from 0.6 to 2.3: both maps diverge at the top


@pytest.fixture(scope="module")
def diagrams():
    kw = {"n_eff": N_EFF, "x_norm": X_NORM, "y": Y, "transient": 2000, "keep": 256}
    uv = uvcore.bifurcation(*WINDOW, 400, map="uv", **kw)
    eos = uvcore.bifurcation(*WINDOW, 400, map="eos", **kw)
    return uv, eos


@pytest.fixture(scope="module")
def canonical_cascade():
    return uvcore.cascade(map="eos", n_eff=1.0, x_norm=1.0, y=1.0, levels=8)


def traces(fig, **meta):
    return [t for t in fig["data"]
            if all((t.get("meta") or {}).get(k) == v for k, v in meta.items())]


def test_both_maps_diverge_in_the_test_window(diagrams):
    uv, eos = diagrams
    assert uv.diverged.any() and eos.diverged.any()
    assert not uv.diverged.all() and not eos.diverged.all()
    # the EoS map diverges exactly beyond the crisis c = 2 (η = 2 η_c)
    c = eos.eta / ETA_C
    assert not eos.diverged[c < 1.98].any() and eos.diverged[c > 2.02].all()


def test_period_classes():
    codes = np.array([1, 2, 4, 8, 16, 32, 64, 3, 5, 6, 12, 48, 0, -3, -1])
    expect = [0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 5, 5, fb.APERIODIC, fb.STALLED, fb.DIVERGED]
    assert fb.period_classes(codes).tolist() == expect
    assert fb.CLASS_LABELS[fb.APERIODIC].startswith("aperiodic")
    assert fb.CLASS_COLORS[fb.APERIODIC] == theme.GRAY          # chaotic/aperiodic grey


def test_class_colours_are_distinct_and_colour_blind_safe():
    okabe_ito = {theme.BLUE, theme.ORANGE, theme.GREEN, theme.VERMILLION, theme.SKY_BLUE,
                 theme.GRAY, theme.BLACK, theme.YELLOW, theme.PURPLE}
    tol = {"#332288", "#882255", "#117733", "#44AA99", "#999933", "#303030"}
    assert len(set(fb.CLASS_COLORS)) == len(fb.CLASS_COLORS)
    assert set(fb.CLASS_COLORS) <= okabe_ito | tol
    assert theme.ETA_LINE not in fb.CLASS_COLORS          # the current η keeps its colour


def test_bifurcation_figure_is_valid(diagrams, canonical_cascade):
    uv, eos = diagrams
    guides = fb.route_guides(canonical_cascade, ETA_C)
    for quantity in ("lam", "eta-lam"):
        fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.5, eta_c=ETA_C,
                                    guides=guides, quantity=quantity, subtitle="t")
        go.Figure(fig)
        assert fig["layout"]["xaxis"]["range"] == list(WINDOW)
    go.Figure(fb.bifurcation_figure(None, None, window=WINDOW, eta=1.5, eta_c=math.inf))
    go.Figure(fb.bifurcation_figure(uv, None, window=WINDOW, eta=1.5, eta_c=ETA_C,
                                    notes=["a note"]))


def _covered(shapes, ref, eta):
    return any(s["yref"] == ref and s["x0"] <= eta <= s["x1"] for s in shapes)


def test_diverged_eta_are_shaded_and_never_points(diagrams):
    uv, eos = diagrams
    fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.5, eta_c=ETA_C)
    shapes = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    for diag, ref, meta_map in ((uv, "y domain", "uv"), (eos, "y2 domain", "eos")):
        div_eta = diag.eta[diag.diverged]
        ok_eta = diag.eta[~diag.diverged]
        # every diverged η lies in a shaded band of its row, no finite η does
        assert all(_covered(shapes, ref, e) for e in div_eta)
        assert not any(_covered(shapes, ref, e) for e in ok_eta)
        # the diagram image: the columns of diverged η are empty, the others not
        (img,) = traces(fig, map=meta_map, raster=True)
        assert fb.decode_array(img["z"]).dtype == np.uint8         # no NaN can hide in it
        z = fb.image_codes(img)
        assert z.shape == (fb.RASTER_ROWS, diag.eta.size)
        assert (z[:, diag.diverged] == fb.EMPTY).all()
        assert ((z[:, ~diag.diverged] != fb.EMPTY).sum(axis=0) > 0).all()
        # the exponent row has no point at a diverged η and no NaN point
        (ly,) = traces(fig, map=meta_map, lyapunov=True)
        xs, ys = ly["x"], ly["y"]
        for x, yv in zip(xs, ys):
            assert (x is None) == (yv is None)               # gaps only, never NaN points
            assert yv is None or math.isfinite(yv)
        drawn = np.array([x for x in xs if x is not None])
        assert not np.isin(np.round(div_eta, 6), np.round(drawn, 6)).any()
        assert drawn.size == ok_eta.size
    # no trace anywhere carries a NaN y value
    for t in fig["data"]:
        if t["type"] == "scatter":
            for yv in t["y"]:
                assert yv is None or math.isfinite(yv)
    assert any(t["name"].startswith("diverged") for t in fig["data"])


def test_strip_marks_every_eta_with_its_class(diagrams):
    uv, eos = diagrams
    fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.5, eta_c=ETA_C)
    (strip,) = traces(fig, strip=True)
    z = np.asarray(strip["z"], dtype=float)
    assert z.shape == (2, uv.eta.size)
    assert (z[0] == fb.period_classes(eos.period)).all()        # row 0: EoS map
    assert (z[1] == fb.period_classes(uv.period)).all()         # row 1: 2-D map
    assert (z[1][uv.diverged] == fb.DIVERGED).all()
    assert all(t.endswith("diverged") for t, d in zip(strip["text"][1], uv.diverged) if d)


def test_diagram_image_bins_the_kept_values(diagrams):
    """Independent binning: for each η, the cells drawn are the bins of its last
    k values (k = period; all PLOT_KEEP when aperiodic), thickened by ±THICKEN
    bins for periodic orbits; the cell value is the class code."""
    uv, _ = diagrams
    y0, y1 = 0.0, float(np.nanmax(uv.lam)) * 1.05
    rows = 200
    centres, z = fb.raster(uv, "lam", (y0, y1), rows=rows)
    assert np.allclose(centres, y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows)
    checked = set()
    for i, per in enumerate(uv.period):
        col = z[:, i]
        if per == -1:
            assert (col == fb.EMPTY).all()
            continue
        k = 1 if per in (1, -3) else (fb.PLOT_KEEP if per == 0 else min(per, fb.PLOT_KEEP))
        vals = uv.lam[i, -k:]
        bins = {int(math.floor((v - y0) / (y1 - y0) * rows)) for v in vals}
        drawn = set(np.nonzero(col != fb.EMPTY)[0].tolist())
        assert bins <= drawn
        if per != 0:
            assert drawn <= {b + d for b in bins for d in range(-fb.THICKEN, fb.THICKEN + 1)}
            checked.add("periodic")
        else:
            assert drawn == bins
            checked.add("aperiodic")
        assert set(col[col != fb.EMPTY].tolist()) == {int(fb.period_classes([per])[0])}
    assert checked == {"periodic", "aperiodic"}


def test_eta_lam_quantity_multiplies_by_eta(diagrams):
    _, eos = diagrams
    pts = fb.points_by_class(eos, "eta-lam")
    ref = fb.points_by_class(eos, "lam")
    for code in pts:
        x, v, _, _ = pts[code]
        x2, v2, _, _ = ref[code]
        assert np.allclose(v, x2 * v2)
    # on the EoS edge ηλ = 2z, and the stable fixed point below η_c is z = c
    x, v, _, _ = pts[0]
    assert np.allclose(v, 2 * x / ETA_C, rtol=1e-9)


def test_guides_at_independently_rescaled_eta(canonical_cascade):
    n_eff, x_norm, y = 16.0, 0.5, -3.0
    eta_c = math.sqrt(n_eff) / (x_norm * abs(y))
    guides = fb.route_guides(canonical_cascade, eta_c)
    flips = [g for g in guides if g["kind"] == "flip"]
    assert [g["c"] for g in flips] == list(canonical_cascade.c_flip)
    for g in guides:
        assert math.isclose(g["eta"], g["c"] * math.sqrt(n_eff) / (x_norm * abs(y)),
                            rel_tol=RESCALE_RTOL)
    assert math.isclose(flips[0]["eta"], eta_c, rel_tol=1e-12)          # c₁ = 1: η_c
    kinds = [g["kind"] for g in guides]
    assert kinds.count("flip") == 8 and kinds.count("accumulation") == 1
    assert kinds.count("crisis") == 1 and kinds.count("fold") == len(canonical_cascade.windows)
    crisis = next(g for g in guides if g["kind"] == "crisis")
    assert math.isclose(crisis["eta"], 2 * eta_c, rel_tol=1e-12)         # c = 2
    # the same points located directly at these parameters (not rescaled)
    direct = uvcore.cascade(map="eos", n_eff=n_eff, x_norm=x_norm, y=y, levels=8)
    for g, e in zip(flips, direct.eta_flip):
        assert math.isclose(g["eta"], e, rel_tol=FLIP_RTOL)
    assert fb.route_guides(canonical_cascade, math.inf) == []


def test_guides_in_the_figure(diagrams, canonical_cascade):
    uv, eos = diagrams
    guides = fb.route_guides(canonical_cascade, ETA_C)
    fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.5, eta_c=ETA_C, guides=guides)
    inside = [g for g in guides if WINDOW[0] <= g["eta"] <= WINDOW[1]]
    span = WINDOW[1] - WINDOW[0]
    for kind in ("flip", "accumulation", "crisis", "fold"):
        expect = sorted(g["eta"] for g in inside if g["kind"] == kind)
        rows = traces(fig, guide=kind)
        assert len(rows) == 3                      # 2-D row, EoS row, exponent row
        top = rows[0]
        assert top["meta"]["count"] == len(expect)
        xs = sorted({x for x in top["x"] if x is not None})
        assert np.allclose(xs, expect, rtol=0, atol=ETA_ROUND_ATOL_REL * span)
        # hover text names η and c; a click on a guide reads ["guide", η]
        texts = [t for t in top["text"] if t]
        assert all("η = " in t and "c = η/η_c = " in t for t in texts)
        assert {cd[1] for cd in top["customdata"] if cd} == set(xs)
        assert all(r.get("hoverinfo") == "skip" for r in rows[1:])
    flips = traces(fig, guide="flip")[0]
    assert flips["meta"]["count"] == 8           # c₁ … c₈ all lie in (0.6, 2.3)·η_c


def test_eta_c_and_current_eta_lines(diagrams):
    uv, eos = diagrams
    fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.5, eta_c=ETA_C)
    lines = {s["name"]: s for s in fig["layout"]["shapes"] if s["type"] == "line"}
    assert lines["eta-c"]["x0"] == ETA_C and lines["current-eta"]["x0"] == 1.5
    assert lines["current-eta"]["line"]["color"] == theme.ETA_LINE
    outside = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=5.0, eta_c=ETA_C)
    assert "current-eta" not in {s.get("name") for s in outside["layout"]["shapes"]}


def test_y_range_zoom_bins_inside_the_range(diagrams):
    uv, eos = diagrams
    fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.5, eta_c=ETA_C,
                                yranges={"y": (0.5, 1.0)})
    assert fig["layout"]["yaxis"]["range"] == [0.5, 1.0]
    (img,) = traces(fig, map="uv", raster=True)
    assert min(img["y"]) > 0.5 and max(img["y"]) < 1.0
    assert len(img["y"]) == fb.RASTER_ROWS
    assert "range" not in fig["layout"]["yaxis2"]


# -- cobweb ----------------------------------------------------------------------------------

def _eos_orbit(c, z0, n):
    z = [z0]
    for _ in range(n):
        z.append(z[-1] * (1 + c - z[-1]) ** 2)
    return np.array(z)


@pytest.mark.parametrize("c", [0.75, 1.15, 1.5, 2.4])
def test_cobweb_fixed_points_and_curve(c):
    z0 = c / 2
    z = _eos_orbit(c, z0, 300)
    z = z[np.isfinite(z) & (np.abs(z) < 1e8)]
    fig = fb.cobweb_figure(c, z, eta=c, z0=z0)
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
    z = _eos_orbit(c, c / 2, 1000)
    fig = fb.cobweb_figure(c, z, eta=1.2, z0=c / 2)
    web = next(t for t in fig["data"] if t["name"].startswith("cobweb"))
    xs, ys = np.asarray(web["x"]), np.asarray(web["y"])
    # corners on the curve: (z_t, z_{t+1}); then across to the diagonal
    on_curve = xs[1::2], ys[1::2]
    assert np.allclose(on_curve[1], on_curve[0] * (1 + c - on_curve[0]) ** 2, atol=1e-4)
    assert np.allclose(xs[2::2], ys[2::2])
    att = next(t for t in fig["data"] if t["name"] == "attractor")
    assert len(set(np.round(att["x"], 5))) == 2                   # the period-2 orbit


# -- universality ------------------------------------------------------------------------

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


# -- CSV ---------------------------------------------------------------------------------------

def test_bifurcation_csv(diagrams):
    uv, eos = diagrams
    text = fb.bifurcation_csv((uv, eos), x_norm=X_NORM, n_eff=N_EFF, y=Y)
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    assert head[:5] == ["map", "eta", "c", "period", "lyapunov"]
    assert head[5:] == [f"lam_{j}" for j in range(fb.PLOT_KEEP)]
    body = rows[1:]
    assert len(body) == 2 * uv.eta.size
    for row, (m, i) in zip(body, [("uv", i) for i in range(uv.eta.size)]
                           + [("eos", i) for i in range(eos.eta.size)]):
        d = uv if m == "uv" else eos
        assert row[0] == m and float(row[1]) == d.eta[i]
        assert math.isclose(float(row[2]), d.eta[i] * X_NORM * abs(Y) / math.sqrt(N_EFF))
        assert int(row[3]) == d.period[i]
        if d.period[i] == -1:
            assert row[4] == "" and all(v == "" for v in row[5:])
        else:
            vals = np.array([float(v) for v in row[5:]])
            assert np.allclose(vals, d.lam[i, -fb.PLOT_KEEP:], rtol=1e-6)


def test_typed_array_round_trip():
    z = np.array([[-1, 0, 8], [6, 5, -1]], dtype=np.int8)
    spec = fb.typed_array(z)
    assert spec["dtype"] == "i1" and spec["shape"] == "2, 3"
    assert (fb.decode_array(spec) == z).all()
    u = np.array([[0, 9], [3, 0]], dtype=np.uint8)
    assert (fb.decode_array(fb.typed_array(u)) == u).all()
    # plotly's own validator accepts it as is
    fig = go.Figure({"data": [{"type": "heatmap", "z": spec}]})
    assert fig.to_plotly_json()["data"][0]["z"]["bdata"] == spec["bdata"]
