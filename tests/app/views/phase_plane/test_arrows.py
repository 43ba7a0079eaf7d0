"""The vector field as one picture (app.views.phase_plane.arrows).

The picture is decoded here on its own terms (base64 SVG, path data, the
image's place on the axes) and each arrow is checked against the map's own
step (``uvcore.step``) and the forbidden edge (``MapParams.forbidden``).
"""

import base64
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import plotly.graph_objects as go
import pytest

import uvcore
from app.core.state import LAYERS
from app.views.phase_plane import arrows, figures

PARAMS = uvcore.MapParams(1.5, 16.0, 1.0, 2.0)
WINDOW = ((-4.0, 3.0), (0.0, 3.0))
#: Relative tolerance for directions compared in scaled window coordinates.
DIR_TOL = 1e-2
#: Slack for positions read back from the picture's integer coordinates, as a
#: fraction of the window (the picture's step is 1 / ARROW_VIEWBOX of it).
POS_TOL = 2.0 / arrows.ARROW_VIEWBOX
SVG = "{http://www.w3.org/2000/svg}"


def figure(params=PARAMS, window=WINDOW, grid=10, layers=LAYERS, large=False):
    (a, b), (c, d) = window
    fig = figures.phase_plane(params, window, layers=layers,
                              field=uvcore.vector_field(params, (a, b), (c, d), grid),
                              large=large)
    go.Figure(fig)      # validates the image's attributes
    return fig


def decode(image):
    """(svg root, arrows) of a layout image: arrows of shape (K, 5, 2) in data
    coordinates, the points of ``M tail L tip M left L tip L right``."""
    head, _, body = image["source"].partition(",")
    assert head == "data:image/svg+xml;base64"
    root = ET.fromstring(base64.b64decode(body))
    (path,) = root.iter(f"{SVG}path")
    cmds = re.findall(r"([ML])(-?\d+) (-?\d+)", path.get("d"))
    assert "".join(c for c, _, _ in cmds) == "MLMLL" * (len(cmds) // 5)
    _, _, n, m = (float(v) for v in root.get("viewBox").split())
    pts = np.array([(float(x), float(y)) for _, x, y in cmds]).reshape(-1, 5, 2)
    # the image's top-left corner is (x, y); it spans sizex to the right, sizey down
    df = image["x"] + pts[..., 0] / n * image["sizex"]
    lam = image["y"] - pts[..., 1] / m * image["sizey"]
    return root, path, np.stack([df, lam], axis=-1)


def test_the_picture_covers_the_window_below_the_traces():
    fig = figure()
    (image,) = fig["layout"]["images"]
    (a, b), (c, d) = WINDOW
    assert (image["xref"], image["yref"]) == ("x", "y")
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (a, d, b - a, d - c)
    assert (image["xanchor"], image["yanchor"]) == ("left", "top")
    assert image["sizing"] == "stretch" and image["layer"] == "below"
    root, path, _ = decode(image)
    assert root.get("preserveAspectRatio") == "none"
    # the stroke is in screen pixels whatever the stretch, wider in large font
    assert path.get("vector-effect") == "non-scaling-stroke"
    wide = decode(figure(large=True)["layout"]["images"][0])[1]
    assert float(wide.get("stroke-width")) > float(path.get("stroke-width"))


def test_each_arrow_points_along_the_update_from_an_allowed_point():
    _, _, arr = decode(figure()["layout"]["images"][0])
    (a, b), (c, d) = WINDOW
    wx, wy = b - a, d - c
    tail, tip = arr[:, 0], arr[:, 1]
    centre = (tail + tip) / 2
    for (cx, cy), (tx, ty), (hx, hy) in zip(centre, tail, tip):
        assert not PARAMS.forbidden(cx, cy)
        ndf, nlam = uvcore.step(cx, cy, PARAMS)
        g = np.array([(ndf - cx) / wx, (nlam - cy) / wy])
        s = np.array([(hx - tx) / wx, (hy - ty) / wy])
        assert g @ s / (np.linalg.norm(g) * np.linalg.norm(s)) > 1 - DIR_TOL


def test_one_arrow_per_allowed_grid_point():
    grid = 10
    _, _, arr = decode(figure(grid=grid)["layout"]["images"][0])
    (a, b), (c, d) = WINDOW
    # a grid × grid lattice of the window, edges included, counted by brute force
    xs = a + np.arange(grid) * (b - a) / (grid - 1)
    ys = c + np.arange(grid) * (d - c) / (grid - 1)
    allowed = sum(not PARAMS.forbidden(x, y) for x in xs for y in ys)
    assert len(arr) == allowed
    centre = (arr[:, 0] + arr[:, 1]) / 2
    near = [np.min(np.hypot((centre[:, 0] - x) / (b - a), (centre[:, 1] - y) / (d - c)))
            for x in xs for y in ys if not PARAMS.forbidden(x, y)]
    assert max(near) < 0.5 / (grid - 1)


def test_heads_are_symmetric_barbs_at_the_tip():
    _, _, arr = decode(figure()["layout"]["images"][0])
    (a, b), (c, d) = WINDOW
    s = arr / np.array([b - a, d - c])                # the window's scaled coordinates
    tail, tip, left, tip2, right = (s[:, k] for k in range(5))
    np.testing.assert_allclose(tip, tip2, atol=POS_TOL)
    shaft = np.linalg.norm(tip - tail, axis=1)
    for barb in (left, right):
        length = np.linalg.norm(barb - tip, axis=1)
        np.testing.assert_allclose(length, arrows.HEAD_LENGTH * shaft, atol=3 * POS_TOL)
        cos = np.sum((tip - barb) * (tip - tail), axis=1) / (length * shaft)
        np.testing.assert_allclose(cos, math.cos(arrows.HEAD_ANGLE), atol=0.02)
    # one barb on each side of the shaft
    cross = lambda u, v: u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]  # noqa: E731
    assert np.all(cross(tip - tail, left - tail) * cross(tip - tail, right - tail) < 0)


def test_a_window_with_no_allowed_point_gives_an_empty_picture():
    # the whole window under the forbidden V (λ < 2‖x‖|Δf + y|/√n_eff)
    fig = figure(window=((3.0, 4.0), (0.0, 0.5)))
    _, path, arr = decode(fig["layout"]["images"][0])
    assert arr.shape == (0, 5, 2) and path.get("d") == ""


@pytest.mark.parametrize("layers", [(), ("regions", "legend")])
def test_no_picture_without_the_layer(layers):
    assert figure(layers=layers)["layout"]["images"] == []
