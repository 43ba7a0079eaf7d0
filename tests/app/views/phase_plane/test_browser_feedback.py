"""Nothing fails silently on the phase plane (issue 13 §3), in headless Chromium:
refusals at the pointer and a truthful hover, Sample init framed and not
duplicated, the overlay on the selected trajectory, the trajectory list
(select, delete, the 8-trajectory cap) and the time series' axes.

The hard case is the projector: 1366×768 with large font, where the message
line of the left panel is below the fold.  Every wait is on a condition.
"""

import json

import pytest

from ...conftest import PLOT, TIMEOUT_MS, assert_in_view, assert_texts_fit, wait_past_double_click
from tests.app.ticks import tick_value

pytestmark = pytest.mark.browser

TS = "document.querySelector('#timeseries .js-plotly-plot')"
SIZES = [(1440, 900), (1366, 768), (1280, 720)]
PROJECTOR = {"width": 1366, "height": 768}
#: Forbidden and allowed points of the default window (Δf ∈ [−4, 3], λ ∈ [0, 3];
#: the edge is λ = |Δf + 2|/2 at n_eff = 16, ‖x‖ = 1, y = 2).
FORBIDDEN_POINT = (2.0, 0.4)
ALLOWED_POINT = (-3.0, 2.5)

TRAJ_NAMES = (f"() => {PLOT}.data.filter(t => t.name && t.name.startsWith('trajectory') && "
              "!t.name.endsWith('start') && !t.name.endsWith('state')).map(t => t.name)")


#: The first load of a page (every asset and the first callbacks) on a busy machine.
LOAD_TIMEOUT_MS = 4 * TIMEOUT_MS


def open_at(page, url, query="", size=PROJECTOR, large=True):
    """Open the dashboard at ``size`` with ``query`` and wait for both graphs."""
    page.set_viewport_size(size)
    q = "&".join(x for x in (query, "large=1" if large else "") if x)
    page.goto(url + ("?" + q if q else ""))
    page.wait_for_function(
        f"() => {{ const g = {PLOT}, t = {TS}; return g && g.data && g.data.length > 5 && "
        f"g.layout.font.size === {20 if large else 13} && t && t.data && t.data.length > 0; }}",
        timeout=LOAD_TIMEOUT_MS)


def to_pixels(page, x, y):
    """Page coordinates of the data point (x, y) of the phase plane."""
    return page.evaluate(
        f"([x, y]) => {{ const g = {PLOT}, r = g.getBoundingClientRect(), fl = g._fullLayout;"
        " return [r.left + fl.xaxis._offset + fl.xaxis.l2p(x),"
        " r.top + fl.yaxis._offset + fl.yaxis.l2p(y)]; }", [x, y])


def message_line(page) -> str:
    return page.inner_text("#message")


def wait_message(page, text):
    """Until the message line says ``text``; then it must be in view as the page
    is, without scrolling its panel (a projector's short screen)."""
    page.wait_for_function(f"() => document.querySelector('#message').innerText.includes("
                           f"{json.dumps(text)})", timeout=TIMEOUT_MS)
    assert_in_view(page, "#message", f"the message {text!r}")


def traj_count(page) -> int:
    return len(page.evaluate(TRAJ_NAMES))


def wait_traj_count(page, n):
    page.wait_for_function(f"() => ({TRAJ_NAMES})().length === {n}", timeout=TIMEOUT_MS)


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_forbidden_click_is_refused_at_the_pointer_and_the_hover_says_so(page, app_url,
                                                                            size, large):
    open_at(page, app_url, size={"width": size[0], "height": size[1]}, large=large)
    x, y = to_pixels(page, *FORBIDDEN_POINT)
    page.mouse.move(x - 4, y - 4)
    page.mouse.move(x, y)
    page.wait_for_function("() => document.querySelector('#phase-plane .hoverlayer')"
                           ".textContent.includes('λ ≈')", timeout=TIMEOUT_MS)
    text = page.text_content("#phase-plane .hoverlayer")
    assert "cannot start here" in text and "click: start" not in text
    # the label lies within the graph, none of it cut by the graph's edge (the
    # boxes read with the label in one evaluation: a redraw may replace it)
    label, graph = page.wait_for_function(
        """() => { const h = document.querySelector('#phase-plane .hoverlayer .hovertext');
                   if (!h || !h.textContent.includes('cannot start')) return null;
                   const b = e => { const r = e.getBoundingClientRect();
                                    return [r.left, r.right]; };
                   return [b(h), b(document.querySelector('#phase-plane .js-plotly-plot'))]; }""",
        timeout=TIMEOUT_MS).json_value()
    assert graph[0] - 1 <= label[0] and label[1] <= graph[1] + 1, (label, graph)
    page.mouse.click(x, y)
    page.wait_for_function(f"() => ({PLOT}.layout.annotations || []).some(a => a.name === "
                           "'refusal')", timeout=TIMEOUT_MS)
    # the reason is drawn on the plane, next to the click and inside the viewport
    note = page.locator("#phase-plane .annotation", has_text="cannot start").first
    note.wait_for(timeout=TIMEOUT_MS)
    box = note.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= size[1]
    assert box["x"] >= 0 and box["x"] + box["width"] <= size[0]
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert abs(centre[0] - x) < 0.45 * size[0] and abs(centre[1] - y) < 250
    assert "forbidden region" in message_line(page) and traj_count(page) == 1
    # the next action clears it
    wait_past_double_click(page)
    page.mouse.click(*to_pixels(page, *ALLOWED_POINT))
    wait_traj_count(page, 2)
    assert not any(a.get("name") == "refusal"
                   for a in page.evaluate(f"() => {PLOT}.layout.annotations || []"))


#: Most of the viewport's height the left panel's message line may cover.
MESSAGE_MAX_FRACTION = 0.14
@pytest.mark.parametrize("width,height", [(1280, 720), (1366, 768)])
def test_a_long_message_stays_short_over_the_controls(page, app_url, width, height):
    """Sample init at a diverging η says the most (the draw, its fate and
    why, the advice): in large font the sticky line covers a few lines of the
    controls, starts with the draw and its fate, and scrolls in itself to
    the rest."""
    open_at(page, app_url, "eta=3.2&seed=7", size={"width": width, "height": height})
    page.click("#sample-init")
    wait_message(page, "change the seed for another draw")
    box = page.evaluate("""() => { const m = document.querySelector('#message');
        const r = m.getBoundingClientRect();
        return {h: r.height, scroll: m.scrollHeight, client: m.clientHeight,
                first: document.elementFromPoint(r.left + 4, r.top + 10).id}; }""")
    assert box["h"] <= MESSAGE_MAX_FRACTION * height, box
    text = message_line(page)
    assert text.startswith("sampled init") and "GD diverges from it at step" in text
    assert text.index("diverges") < text.index("change the seed")
    assert box["first"] == "message"                     # nothing covers the line itself
    if box["scroll"] > box["client"]:                    # the rest: scrolled in the line
        page.evaluate("() => { const m = document.querySelector('#message'); "
                      "m.scrollTop = m.scrollHeight; }")
        assert page.evaluate("() => document.querySelector('#message').scrollTop") > 0


def test_sample_init_frames_its_start_and_does_not_duplicate_it(page, app_url):
    open_at(page, app_url)
    page.click("#sample-init")
    wait_traj_count(page, 2)
    star = page.evaluate(f"() => {PLOT}.data.find(t => t.name === 'trajectory 2 (selected) "
                         "start')")
    rng = page.evaluate(f"() => [{PLOT}._fullLayout.xaxis.range, {PLOT}._fullLayout.yaxis.range]")
    (a, b), (c, d) = rng
    sx, sy = star["x"][0], star["y"][0]
    assert a < sx < b and c < sy < d
    # with room around it: at least 5 % of the span from every edge
    assert min(sx - a, b - sx) > 0.05 * (b - a) and min(sy - c, d - sy) > 0.05 * (d - c)
    assert "window widened" in message_line(page)
    assert "diverges from it at step 6" in message_line(page)    # the map's own answer at η = 1.5
    page.click("#sample-init")
    wait_message(page, "already trajectory 2")
    assert traj_count(page) == 2


#: Rows the series' key may take (its four entries two a row).
KEY_ROWS = 2


@pytest.mark.parametrize("width,height,large", [(1366, 768, True), (1280, 720, True),
                                                (1280, 720, False)],
                         ids=["1366x768-large", "1280x720-large", "1280x720"])
def test_a_diverged_series_keeps_its_key_in_two_rows(page, app_url, width, height, large):
    """A diverged run's sharpness ticks (4×10¹⁷ …) are wide and narrow the
    series' plot area: its key still takes two rows above the loss panel
    (it stacked its four entries over a third of the panel) and every text fits."""
    open_at(page, app_url, "eta=3.2&traj=-1.492:1.42", size={"width": width, "height": height},
            large=large)
    page.wait_for_function(f"() => {TS}.layout.annotations.some(a => a.text.includes("
                           "'diverged'))", timeout=TIMEOUT_MS)
    rows = page.evaluate(f"() => {{ const g = {TS}; const tops = Array.from(g.querySelectorAll("
                         "'.legend .traces')).map(e => Math.round(e.getBoundingClientRect().top));"
                         " return [...new Set(tops)].length; }")
    assert rows <= KEY_ROWS
    key = page.locator("#timeseries .legend").bounding_box()
    loss = page.locator("#timeseries .nsewdrag[data-subplot='xy']").bounding_box()
    assert key["y"] + key["height"] <= loss["y"] + 1, (key, loss)   # above the loss panel
    assert_texts_fit(page, "#timeseries .js-plotly-plot", "the diverged series")


@pytest.mark.parametrize("width,height,large", [(1366, 768, True), (1280, 720, True),
                                                (1280, 720, False)],
                         ids=["1366x768-large", "1280x720-large", "1280x720"])
def test_the_overlay_keeps_the_selected_trajectory(page, app_url, width, height, large):
    """A clicked start (not the seed's sampled one) selected: the dashed
    parameter-space run appears and starts at that trajectory's (Δf₀, λ₀), and
    the series' key and note still fit."""
    open_at(page, app_url, "traj=-1:2", size={"width": width, "height": height}, large=large)
    page.mouse.click(*to_pixels(page, *ALLOWED_POINT))
    wait_traj_count(page, 2)
    page.wait_for_function(f"() => {TS}.data.some(t => t.name === 'λ (NTK)' && "
                           f"Math.abs(t.y[0] - {ALLOWED_POINT[1]}) < 0.05)", timeout=TIMEOUT_MS)
    d0, l0 = page.evaluate(f"() => {{ const t = {PLOT}.data.find(t => t.name.endsWith("
                           "'(selected) start')); return [t.x[0], t.y[0]]; }")
    page.click("#overlay-paramspace input")
    page.wait_for_function(f"() => {TS}.data.some(t => t.name.endsWith(', weights'))",
                           timeout=TIMEOUT_MS)
    traces = page.evaluate(f"() => {TS}.data.filter(t => t.name.endsWith(', weights'))"
                           ".map(t => ({name: t.name, hover: t.hovertemplate, x: t.x[0], "
                           "y: t.y[0]}))")
    by_kind = {t["name"].split(",")[0]: t for t in traces}
    assert by_kind["λ"]["x"] == 0 and by_kind["λ"]["y"] == pytest.approx(l0, rel=1e-5)
    assert by_kind["loss"]["y"] == pytest.approx(0.5 * d0 ** 2, rel=1e-5)
    assert f"from ({d0:.4g}, {l0:.4g})" in by_kind["λ"]["hover"]       # the hover names it
    assert_texts_fit(page, "#timeseries .js-plotly-plot", "the series with the overlay")
    ts_lam = page.evaluate(f"() => {TS}.data.find(t => t.name === 'λ (NTK)').y[0]")
    assert ts_lam == pytest.approx(l0, rel=1e-5)                     # still the plane's one
    assert "Sample init" not in page.inner_text("#trajectory-summary")


EIGHT = "traj=" + ",".join(f"{-3.5 + 0.25 * i}:2.5" for i in range(8))


def test_a_ninth_trajectory_says_what_it_dropped_and_one_can_be_selected_or_deleted(page,
                                                                                    app_url):
    open_at(page, app_url, EIGHT)
    wait_traj_count(page, 8)
    page.mouse.click(*to_pixels(page, -1.0, 2.0))
    wait_message(page, "at most 8 trajectories")
    assert "(-3.5, 2.5)" in message_line(page)
    wait_traj_count(page, 8)
    # select the one from (−3, 2.5), second in the list now: it drives the time series
    page.click("#trajectory-select")
    page.locator(".dash-dropdown-option", has_text="2: (-3, 2.5)").first.click()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('traj')"
                           ".endsWith('-3:2.5')", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {{ const t = {TS}.data.find(t => t.name === 'λ (NTK)');"
                           " return t && Math.abs(t.y[0] - 2.5) < 1e-9 && "
                           "document.querySelector('#trajectory-summary').innerText"
                           ".includes('(Δf₀, λ₀) = (-3, 2.5)'); }", timeout=TIMEOUT_MS)
    names = page.evaluate(TRAJ_NAMES)
    assert names[-1].startswith("trajectory 8 (selected)")
    page.click("#trajectory-delete")
    wait_traj_count(page, 7)
    query = page.evaluate("() => new URLSearchParams(window.location.search).get('traj')")
    assert "-3:2.5" not in query.split(",") and len(query.split(",")) == 7


def test_the_time_series_spans_the_settling_and_double_click_shows_every_step(page, app_url):
    open_at(page, app_url)                       # default start converges by step ~10 of 1000
    page.wait_for_function(f"() => {TS} && {TS}._fullLayout && {TS}._fullLayout.xaxis2",
                           timeout=TIMEOUT_MS)
    hi = page.evaluate(f"() => {TS}._fullLayout.xaxis2.range[1]")
    assert 10 < hi < 100
    box = page.locator("#timeseries .nsewdrag").first.bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(f"() => {TS}._fullLayout.xaxis2.range[1] >= 999", timeout=TIMEOUT_MS)


@pytest.mark.parametrize("query", ["eta=2.26&traj=-2:0.5", "eta=2.84&traj=-2:0.5", ""],
                         ids=["period-2", "chaos", "converged"])
def test_every_loss_tick_label_carries_its_decade(page, app_url, query):
    open_at(page, app_url, query)
    page.wait_for_function(f"() => {TS} && {TS}._fullLayout && {TS}._fullLayout.yaxis && "
                           f"{TS}._fullLayout.yaxis._vals", timeout=TIMEOUT_MS)
    ticks = page.evaluate(f"() => {TS}._fullLayout.yaxis._vals.filter(v => v.text !== '')"
                          ".map(v => [v.x, v.text])")
    assert len(ticks) >= 2
    for log_value, text in ticks:
        assert tick_value(text) == pytest.approx(10.0 ** log_value, rel=1e-6), ticks
