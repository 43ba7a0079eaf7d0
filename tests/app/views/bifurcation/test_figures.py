"""Figure builders of the Bifurcation view (app.views.bifurcation.figures), on
real uvcore results.

Every figure is validated with ``plotly.graph_objects.Figure``.  Reference
values are computed here independently: η_k = c_k·√n_eff/(‖x‖|y|) by hand,
the shading and the outcome strip from the diagrams' own periods, the CSV's
c = η‖x‖|y|/√n_eff.
"""

import csv
import io
import math

import numpy as np
import plotly.graph_objects as go

import uvcore
from app.core import theme
from app.views.bifurcation import figures as fb
from app.views.bifurcation import raster as rs

from .common import (ETA_C, ETA_ROUND_ATOL_REL, FLIP_RTOL, N_EFF, RESCALE_RTOL, WINDOW, X_NORM,
                     Y, traces)


def test_both_maps_diverge_in_the_test_window(diagrams):
    uv, eos = diagrams
    assert uv.diverged.any() and eos.diverged.any()
    assert not uv.diverged.all() and not eos.diverged.all()
    # the EoS map diverges exactly beyond the crisis c = 2 (η = 2 η_c)
    c = eos.eta / ETA_C
    assert not eos.diverged[c < 1.98].any() and eos.diverged[c > 2.02].all()


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
        assert rs.decode_array(img["z"]).dtype == np.uint8         # no NaN can hide in it
        z = rs.image_codes(img)
        assert z.shape == (rs.RASTER_ROWS, diag.eta.size)
        assert (z[:, diag.diverged] == rs.EMPTY).all()
        assert ((z[:, ~diag.diverged] != rs.EMPTY).sum(axis=0) > 0).all()
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
    assert (z[0] == rs.period_classes(eos.period)).all()        # row 0: EoS map
    assert (z[1] == rs.period_classes(uv.period)).all()         # row 1: 2-D map
    assert (z[1][uv.diverged] == rs.DIVERGED).all()
    assert all(t.endswith("diverged") for t, d in zip(strip["text"][1], uv.diverged) if d)


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
    assert len(img["y"]) == rs.RASTER_ROWS
    assert "range" not in fig["layout"]["yaxis2"]


def test_bifurcation_csv(diagrams):
    uv, eos = diagrams
    text = fb.bifurcation_csv((uv, eos), x_norm=X_NORM, n_eff=N_EFF, y=Y)
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    assert head[:5] == ["map", "eta", "c", "period", "lyapunov"]
    assert head[5:] == [f"lam_{j}" for j in range(rs.PLOT_KEEP)]
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
            assert np.allclose(vals, d.lam[i, -rs.PLOT_KEEP:], rtol=1e-6)


def test_exponent_hover_says_the_outcome_in_words(diagrams):
    """Each point of an exponent row names its orbit (never "period 0 (0: not
    periodic)"): periodic ones by their period, the others by kind."""
    uv, eos = diagrams
    fig = fb.bifurcation_figure(uv, eos, window=WINDOW, eta=1.0, eta_c=ETA_C)
    for diag in (uv, eos):
        (ly,) = traces(fig, map=diag.map, lyapunov=True)
        assert "%{customdata}" in ly["hovertemplate"] and "(0:" not in ly["hovertemplate"]
        ok = ~diag.diverged & np.isfinite(diag.lyapunov)
        words = [w for w in ly["customdata"] if w is not None]
        assert len(words) == int(ok.sum())
        for w, p, lam in zip(words, diag.period[ok], diag.lyapunov[ok]):
            if p >= 2:
                assert w == f"period {p}"
            elif p == 1:
                assert w == "converged"
            elif p == 0:
                assert w == ("chaotic (not periodic)" if lam > uvcore.CHAOS_TOL
                             else "aperiodic (not periodic, Λ ≈ 0)")
        assert any(w.startswith("period") for w in words)
