"""The Bifurcation view in headless Chromium.

Each test reads the figure the browser actually holds
(``document.querySelector('#bifurcation-graph .js-plotly-plot').data``).
Server and page helpers come from tests/app/conftest.py.
"""

import math

import pytest

from app.core import ids
from tests.app.conftest import TIMEOUT_MS, assert_texts_fit, open_page

pytestmark = pytest.mark.browser
#: Wait for the first phase plane at the large font (a loaded 2-core machine).
PAGE_MS = 45_000

#: Longer wait for the first diagram (two uvcore sweeps + the guides' cascade).
FIRST_MS = 30_000
BIF = f"document.querySelector('#{ids.BIFURCATION_GRAPH} .js-plotly-plot')"
#: The η axis of the default view: η_c = 2, window c ∈ [0.6, 2.1].
DEFAULT_RANGE = (1.2, 4.2)
RASTER_X = (f"() => {{ const g = {BIF}; if (!g || !g.data) return null; "
            "const t = g.data.find(t => t.meta && t.meta.raster && t.meta.map === 'uv'); "
            "return t ? t.x : null; }")


def open_bifurcation(page, url, large=False, viewport=None):
    open_page(page, url + ("?large=1" if large else ""), viewport, PAGE_MS)
    page.click(f"#{ids.VIEW_TABS} >> text=Bifurcation")
    page.wait_for_function(f"() => {{ const g = {BIF}; return g && g.data && "
                           "g.data.some(t => t.meta && t.meta.raster); }", timeout=FIRST_MS)


def x_range(page):
    return page.evaluate(f"() => {BIF}.layout.xaxis.range")


def top_row_box(page):
    """Bounding box of the 2-D map's row (the subplot x–y)."""
    return page.locator(f"#{ids.BIFURCATION_GRAPH} .draglayer .xy .nsewdrag").first \
        .bounding_box()


def pixel_of(eta, box, rng):
    return box["x"] + (eta - rng[0]) / (rng[1] - rng[0]) * box["width"]


def test_clicking_the_diagram_sets_eta(page, app_url):
    open_bifurcation(page, app_url)
    rng = x_range(page)
    assert rng == list(DEFAULT_RANGE)
    box = top_row_box(page)
    # η = 1.6 (c = 0.8): no guide within reach, the click picks that η column
    page.mouse.click(pixel_of(1.6, box, rng), box["y"] + 0.5 * box["height"])
    # the click is an intent the phase plane applies: its η input shows the value
    page.wait_for_function(f"() => Math.abs(Number(document.querySelector('#{ids.ETA_INPUT}')"
                           ".value) - 1.6) < 0.01", timeout=TIMEOUT_MS)
    eta = float(page.input_value(f"#{ids.ETA_INPUT}"))
    # the plane owns the state: the URL and the diagram's current-η line follow
    page.wait_for_function(f"() => window.location.search.includes('eta={eta:g}')",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(
        f"() => {{ const s = ({BIF}.layout.shapes || []).find(s => s.name === 'current-eta'); "
        f"return s && Math.abs(s.x0 - {eta}) < 1e-9; }}", timeout=TIMEOUT_MS)


def test_clicking_a_guide_sets_eta_there(page, app_url):
    open_bifurcation(page, app_url)
    rng = x_range(page)
    box = top_row_box(page)
    c2 = 1.2360679774997898                                 # second flip point (1 + √5)/2 − …
    x, y = pixel_of(2 * c2, box, rng), box["y"] + 0.3 * box["height"]
    # Plotly reports the hovered points on a click: hover first, until the
    # guide's label is shown, so the click carries the guide
    page.mouse.move(x, y)
    page.wait_for_function(f"() => {{ const h = document.querySelector('#{ids.BIFURCATION_GRAPH} "
                           ".hoverlayer'); return h && h.textContent.includes('c = η/η_c'); }",
                           timeout=TIMEOUT_MS)
    page.mouse.click(x, y)
    page.wait_for_function(f"() => document.querySelector('#{ids.ETA_INPUT}').value === "
                           f"'{float(f'{2 * c2:.6g}'):g}'", timeout=TIMEOUT_MS)


def test_zoom_recomputes_with_more_eta_in_the_window(page, app_url):
    open_bifurcation(page, app_url)
    rng = x_range(page)
    before = page.evaluate(RASTER_X)
    assert len(before) == 1000
    box = top_row_box(page)
    x0, x1 = box["x"] + 0.40 * box["width"], box["x"] + 0.55 * box["width"]
    page.mouse.move(x0, box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(x1, box["y"] + 0.25 * box["height"], steps=6)   # a horizontal zoom
    page.mouse.up()
    lo = rng[0] + 0.40 * (rng[1] - rng[0])
    hi = rng[0] + 0.55 * (rng[1] - rng[0])
    # the diagram is recomputed: 1000 η inside the zoomed window (it held ~150 before)
    page.wait_for_function(
        f"() => {{ const x = ({RASTER_X})(); const r = {BIF}.layout.xaxis.range; "
        "return x && x.length === 1000 && Math.abs(x[0] - r[0]) < 1e-6 * (r[1] - r[0]) + 1e-9 "
        "&& r[1] - r[0] < 1; }", timeout=TIMEOUT_MS)
    new = page.evaluate(f"() => {BIF}.layout.xaxis.range")
    assert math.isclose(new[0], lo, rel_tol=0.02) and math.isclose(new[1], hi, rel_tol=0.02)
    tol = 1e-6 * (new[1] - new[0])                          # η rounded to 7 digits of the span
    inside_before = sum(1 for x in before if new[0] - tol <= x <= new[1] + tol)
    after = page.evaluate(RASTER_X)
    assert sum(1 for x in after if new[0] - tol <= x <= new[1] + tol) == 1000 > 5 * inside_before
    # double-click: back to the default window
    page.mouse.dblclick(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    page.wait_for_function(f"() => {{ const r = {BIF}.layout.xaxis.range; "
                           f"return r[0] === {DEFAULT_RANGE[0]} && r[1] === {DEFAULT_RANGE[1]}; }}",
                           timeout=TIMEOUT_MS)


def test_guides_render_with_the_expected_counts(page, app_url):
    open_bifurcation(page, app_url)
    counts = page.evaluate(
        f"() => Object.fromEntries({BIF}.data.filter(t => t.meta && t.meta.guide && "
        "t.showlegend).map(t => [t.meta.guide, t.meta.count]))")
    # default window η ∈ [1.2, 4.2], η_c = 2: c₁ … c₈ ∈ [1, 1.303), c∞, the crisis c = 2
    # and the four period-3 folds (c ≈ 1.450, 1.700, 1.925, 1.982) all lie inside
    assert counts == {"flip": 8, "accumulation": 1, "crisis": 1, "fold": 4}
    xs = page.evaluate(f"() => {BIF}.data.find(t => t.meta && t.meta.guide === 'flip' && "
                       "t.showlegend).x.filter(x => x !== null)")
    assert math.isclose(min(xs), 2.0, rel_tol=1e-6)             # c₁ = 1: η_c
    # the cobweb beside it: the three fixed points z = 0, c, c + 2 at c = 0.75
    fp = page.evaluate(f"() => document.querySelector('#{ids.BIFURCATION_COBWEB} "
                       ".js-plotly-plot').data.find(t => t.name.startsWith('fixed')).x")
    assert fp == [0, 0.75, 2.75]


def download_rows(page) -> dict:
    """{map: [η of each row]} of the CSV the Download CSV button saves."""
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.click(f"#{ids.BIFURCATION_DOWNLOAD_CSV}")
    rows: dict = {}
    with open(info.value.path(), encoding="utf-8") as fh:
        assert fh.readline().startswith("map,eta,c,period,lyapunov,lam_0")
        for line in fh:
            cells = line.split(",")
            rows.setdefault(cells[0], []).append(float(cells[1]))
    return rows


@pytest.mark.parametrize("width,height,large", [(1366, 768, True), (1280, 720, False)],
                         ids=["1366x768-large", "1280x720"])
def test_fine_diagram_job_and_its_csv(page, app_url, width, height, large):
    """The fine diagram replaces the diagram, its title and key fit the graph,
    and the CSV then holds the η the browser's figure holds, not the normal
    diagram's."""
    open_bifurcation(page, app_url, large=large, viewport={"width": width, "height": height})
    normal = download_rows(page)
    assert [len(normal[m]) for m in ("uv", "eos")] == [1000, 1000]
    page.click(f"#{ids.BIFURCATION_FINE}")
    page.wait_for_function(f"() => {BIF}.layout.title.text.startsWith('Fine diagram')",
                           timeout=60_000)
    shown = page.evaluate(RASTER_X)
    assert len(shown) == 5000
    assert page.is_enabled(f"#{ids.BIFURCATION_FINE}")
    assert not page.is_enabled(f"#{ids.BIFURCATION_FINE_CANCEL}")
    label = page.locator(f"#{ids.BIFURCATION_FINE_PROGRESS}-label")
    assert label.text_content() == "fine diagram, 5000 η × 2 maps: 100 %" and label.is_visible()
    assert_texts_fit(page, f"#{ids.BIFURCATION_GRAPH} .js-plotly-plot", "the fine diagram")
    rows = download_rows(page)
    rng = x_range(page)
    for m in ("uv", "eos"):
        assert len(rows[m]) == len(shown)
        # the figure rounds η to 7 digits of the window's span
        assert max(abs(a - b) for a, b in zip(rows[m], shown)) <= 1e-6 * (rng[1] - rng[0])


def test_hover_says_the_outcome_in_words(page, app_url):
    """Hovering η = 2.3 (c = 1.15: period 2) at 1366×768 with the large font: the
    lower rows' labels name the outcome in words, none shows a period code (the
    exponent row's own words are checked in test_figures)."""
    open_bifurcation(page, app_url, large=True, viewport={"width": 1366, "height": 768})
    rng = x_range(page)
    # the exponent row (x–y4) and the outcome strip (x–y3)
    hover = f"document.querySelector('#{ids.BIFURCATION_GRAPH} .hoverlayer')"
    texts = []
    for row, says in (("xy4", "period 2"), ("xy3", "η = ")):
        box = page.locator(f"#{ids.BIFURCATION_GRAPH} .draglayer .{row} .nsewdrag").first \
            .bounding_box()
        page.mouse.move(pixel_of(2.3, box, rng), box["y"] + 0.5 * box["height"])
        page.wait_for_function(f"() => {hover} && {hover}.textContent.includes({says!r})",
                               timeout=TIMEOUT_MS)
        texts.append(page.evaluate(f"() => {hover}.textContent"))
    text = " | ".join(texts)
    assert "period 2" in text and "(0:" not in text and "period 0" not in text, text
