"""A click starts a trajectory at the pointer (headless Chromium).

Plotly names the drawn point nearest the cursor (within about 20 px), so a
click beside the line ηλ = 2, a nullcline or the centre of a heatmap cell
used to start the trajectory on that curve or cell instead.  Here the
expected start is computed from the pixel clicked and the axes' ranges and
boxes as the browser lays them out (a linear map of its own), and compared
with the start the URL then holds.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from ...conftest import PLOT, TIMEOUT_MS, open_page, wait_past_double_click

pytestmark = pytest.mark.browser

FATE = "document.querySelector('#fate-map .js-plotly-plot')"
#: The default plane: η = 1.5, so the line ηλ = 2 lies at λ = 4/3.
LINE_LAM = 2 / 1.5
#: Pixels above that line the pointer is put: well inside Plotly's hover
#: distance (20 px).
OFFSET_PX = 7
#: Largest error of a start, in pixels of its axis (the URL keeps 6 digits).
PIXEL_TOL = 0.6


def _area(page, graph: str) -> dict:
    """The plotting area's box and the axes' ranges of ``graph``."""
    return page.evaluate(
        f"() => {{ const g = {graph}, fl = g._fullLayout;"
        " const b = g.querySelector('.nsewdrag').getBoundingClientRect();"
        " return {x: b.left, y: b.top, w: b.width, h: b.height,"
        " xr: fl.xaxis.range.slice(), yr: fl.yaxis.range.slice()}; }")


def _data_at(area: dict, px: float, py: float) -> tuple[float, float]:
    (x0, x1), (y0, y1) = area["xr"], area["yr"]
    return (x0 + (px - area["x"]) / area["w"] * (x1 - x0),
            y1 - (py - area["y"]) / area["h"] * (y1 - y0))


def _pixel_of(area: dict, x: float, y: float) -> tuple[float, float]:
    (x0, x1), (y0, y1) = area["xr"], area["yr"]
    return (area["x"] + (x - x0) / (x1 - x0) * area["w"],
            area["y"] + (y1 - y) / (y1 - y0) * area["h"])


def _starts(page) -> list[tuple[float, float]]:
    traj = parse_qs(urlsplit(page.url).query).get("traj", [""])[0]
    return [tuple(float(v) for v in s.split(":")) for s in traj.split(",") if s]


def _wait_starts(page, n: int) -> list[tuple[float, float]]:
    """The starts once the URL holds more than ``n`` (without a ``traj`` the
    default start is implied: the first click writes two)."""
    page.wait_for_function("() => (new URLSearchParams(window.location.search).get('traj')"
                           f" || '').split(',').filter(s => s).length > {n}",
                           timeout=TIMEOUT_MS)
    return _starts(page)


def _assert_at(start, want, area, what: str) -> None:
    (x0, x1), (y0, y1) = area["xr"], area["yr"]
    dx = abs(start[0] - want[0]) / (x1 - x0) * area["w"]
    dy = abs(start[1] - want[1]) / (y1 - y0) * area["h"]
    assert dx < PIXEL_TOL and dy < PIXEL_TOL, (
        f"{what}: started at {start}, the pointer was at {want} ({dx:.1f}, {dy:.1f} px off)")


def test_a_click_beside_the_eta_lambda_line_starts_at_the_pointer(page, app_url):
    open_page(page, app_url)
    area = _area(page, PLOT)
    # whole pixels: the browser's mouse events carry whole CSS pixels
    px, py = (round(v) for v in _pixel_of(area, -3.0, LINE_LAM))
    py -= OFFSET_PX
    before = _starts(page)
    page.mouse.click(px, py)
    starts = _wait_starts(page, len(before))
    want = _data_at(area, px, py)
    _assert_at(starts[-1], want, area, "beside the line ηλ = 2")
    assert abs(starts[-1][1] - LINE_LAM) / 3 * area["h"] > OFFSET_PX - 1

    # and between heatmap cell centres: a point off the regions' grid
    wait_past_double_click(page)
    px2, py2 = round(px + 0.37 * area["w"] / 80 + 40), round(py - 0.41 * area["h"] / 80 - 60)
    page.mouse.click(px2, py2)
    starts = _wait_starts(page, len(starts))
    _assert_at(starts[-1], _data_at(area, px2, py2), area, "between the cells' centres")


def test_a_click_on_the_fate_map_starts_at_the_pointer(page, app_url):
    open_page(page, app_url)
    page.locator(".tab", has_text="Fate map").first.click()
    page.wait_for_function(f"() => {{ const g = {FATE}; return g && g.data && g.data.length"
                           " && g.data[0].type === 'heatmap'; }", timeout=TIMEOUT_MS)
    area = _area(page, FATE)
    # a third of a cell off the centre of an 80×80 map's cell
    px = round(area["x"] + area["w"] * (12 + 0.83) / 80)
    py = round(area["y"] + area["h"] * (20 + 0.21) / 80)
    before = _starts(page)
    page.mouse.click(px, py)
    starts = _wait_starts(page, len(before))
    _assert_at(starts[-1], _data_at(area, px, py), area, "on the fate map")


def test_a_double_click_beside_a_diverged_run_comes_back_to_the_window(page, app_url):
    """A double-click autoscales Plotly's axes to every point drawn, a diverged
    run's last finite state (10²³) too; the server then draws the default
    window again, even though its state did not change."""
    open_page(page, app_url + "?traj=-3:2.5")
    page.wait_for_function(f"() => {PLOT}.data.some(t => (t.name || '').includes('diverged'))",
                           timeout=TIMEOUT_MS)
    page.evaluate(f"() => {{ window.__plots = 0; {PLOT}.on('plotly_afterplot', "
                  "() => { window.__plots += 1; }); }")
    area = _area(page, PLOT)
    wait_past_double_click(page)
    page.mouse.dblclick(area["x"] + 0.6 * area["w"], area["y"] + 0.3 * area["h"])
    # Plotly's own autoscale, then the server's figure at the window it had
    page.wait_for_function(
        f"() => {{ const fl = {PLOT}._fullLayout; return window.__plots >= 2 && "
        f"Math.abs(fl.xaxis.range[0] - ({area['xr'][0]})) < 1e-9 && "
        f"Math.abs(fl.xaxis.range[1] - ({area['xr'][1]})) < 1e-9 && "
        f"Math.abs(fl.yaxis.range[1] - ({area['yr'][1]})) < 1e-9; }}", timeout=TIMEOUT_MS)
    assert page.evaluate(f"() => {PLOT}.data[0].type") == "heatmap"
