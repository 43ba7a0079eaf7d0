"""Issue 13's classroom items at every screen a lecture meets, in headless Chromium.

One test per configuration — {1440×900, 1366×768, 1280×720} × {normal, large
font} — on one page and one server for the module.  Each test walks through
the items not already run at every size elsewhere (geometry, the refusal at
the pointer, the player's fit and the Universality input are): SVG export,
Sample init (and the notes of its diverging run), a seed rounded, the
trajectory picker's cap and delete, a live slider drag, the η_max grid's
range message, importing an off-screen ``.txt`` CSV and fitting the window to
it, one player step, and the cleared time series' message.  The graphs' texts
must lie in their graphs and apart (:func:`tests.app.conftest.assert_texts_fit`).
Before a control is used it is scrolled into view inside its own panel and
must then lie in the viewport,
uncovered (:func:`tests.app.conftest.assert_reachable`); a message the
user must read must be in view as the page is, unscrolled
(:func:`tests.app.conftest.assert_in_view`).  Every wait is on a
condition; the helpers are the ones of the items' own browser tests.
"""

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.core import ids
from tests.app.conftest import PLOT, assert_reachable, assert_texts_fit, wait_past_double_click
from tests.app.core.test_export import _camera_download
from tests.app.views.eta_max.test_browser import summary_is, type_grid
from tests.app.views.import_trace.test_browser_follow import (_axes_hold, open_import, points,
                                                              wait_text)
from tests.app.views.phase_plane.test_browser import (RECORD, SLIDER_ETA, TITLE_ETA, _eta_handle,
                                                      held_drag)
from tests.app.views.phase_plane.test_browser_feedback import (EIGHT, TS, message_line, open_at,
                                                               to_pixels, traj_count,
                                                               wait_message, wait_traj_count)

pytestmark = pytest.mark.browser

SIZES = [(1440, 900), (1366, 768), (1280, 720)]
#: Milliseconds a condition may take on a loaded 2-core machine (large font
#: paints slowly in software); each wait ends as soon as its condition holds.
WAIT_MS = 60_000


def _answers(output):
    """Predicate of the response to the Dash callback whose outputs name ``output``."""
    return lambda r: ("_dash-update-component" in r.url and r.request.method == "POST"
                      and f'"{output}' in (r.request.post_data or ""))


def step_svg_export(page):
    """SVG chosen in the header: the plane's camera saves an .svg that is SVG."""
    assert_reachable(page, f"#{ids.EXPORT_FORMAT}", "the PNG/SVG choice")
    page.click(f"#{ids.EXPORT_FORMAT} >> text=SVG")
    page.locator("#phase-plane").hover()
    assert_reachable(page, "#phase-plane .modebar-btn[data-title^='Download plot']",
                     "the plane's camera")
    dl = _camera_download(page, "phase-plane")
    assert dl.suggested_filename.endswith(".svg"), f"SVG export: saved {dl.suggested_filename}"
    with open(dl.path(), encoding="utf-8") as fh:
        head = fh.read(400)
    assert head.lstrip().startswith("<svg") and "http://www.w3.org/2000/svg" in head, \
        f"SVG export: the file starts {head[:80]!r}"


def step_sample_init(page):
    """Sample init with the defaults: its star inside the axis ranges; again: no duplicate."""
    assert_reachable(page, f"#{ids.SAMPLE_INIT}", "Sample init")
    page.click(f"#{ids.SAMPLE_INIT}")
    wait_traj_count(page, 2)
    star = page.evaluate(f"() => {PLOT}.data.find(t => t.name === 'trajectory 2 (selected) "
                         "start')")
    (a, b), (c, d) = page.evaluate(f"() => [{PLOT}._fullLayout.xaxis.range, "
                                   f"{PLOT}._fullLayout.yaxis.range]")
    sx, sy = star["x"][0], star["y"][0]
    assert a < sx < b and c < sy < d, \
        f"Sample init: star ({sx}, {sy}) outside the axes [{a}, {b}] × [{c}, {d}]"
    # the sampled run diverges: the notes on both graphs are in them and apart
    page.wait_for_function(f"() => {TS}.layout.annotations.length > 0 && "
                           f"{PLOT}.layout.annotations.length > 0", timeout=WAIT_MS)
    assert_texts_fit(page, "#phase-plane .js-plotly-plot", "the plane with its notes")
    assert_texts_fit(page, "#timeseries .js-plotly-plot", "the time series with its note")
    assert_reachable(page, f"#{ids.SAMPLE_INIT}", "Sample init (again)")
    page.click(f"#{ids.SAMPLE_INIT}")
    wait_message(page, "already trajectory 2")
    assert traj_count(page) == 2, "Sample init: pressed again, it added a duplicate"


def step_seed_rounding(page):
    """A seed of 1.5: the message line, in view without scrolling, says it was rounded."""
    assert_reachable(page, f"#{ids.SEED}", "the seed")
    page.fill(f"#{ids.SEED}", "1.5")
    page.press(f"#{ids.SEED}", "Enter")
    wait_message(page, "seed must be a whole number: 1.5 rounded to 2")


def step_trajectory_picker(page):
    """With 8 starts a 9th drops the oldest and says so; deleting a selected one: 7."""
    wait_traj_count(page, 8)
    x, y = to_pixels(page, -1.0, 2.0)
    hit = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); "
                        "return !!e && !!e.closest('#phase-plane'); }", [x, y])
    assert hit, f"Trajectory picker: the plane's point ({x:.0f}, {y:.0f}) is covered"
    wait_past_double_click(page)
    page.mouse.click(x, y)
    wait_message(page, "at most 8 trajectories")
    assert "(-3.5, 2.5)" in message_line(page), \
        f"Trajectory picker: the message does not name the dropped one: {message_line(page)!r}"
    wait_traj_count(page, 8)
    assert_reachable(page, f"#{ids.TRAJ_SELECT}", "the trajectory picker")
    page.click(f"#{ids.TRAJ_SELECT}")
    option = page.locator(".dash-dropdown-option", has_text="2: (-3, 2.5)").first
    option.wait_for(state="visible", timeout=WAIT_MS)
    option.click()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('traj')"
                           ".endsWith('-3:2.5')", timeout=WAIT_MS)
    assert_reachable(page, f"#{ids.TRAJ_DELETE}", "Delete trajectory")
    # the player's store follows the new selection: wait for its answer, so that
    # the player step below acts on the trajectory now selected
    with page.expect_response(_answers("player-data"), timeout=WAIT_MS):
        page.click(f"#{ids.TRAJ_DELETE}")
    wait_traj_count(page, 7)
    query = page.evaluate("() => new URLSearchParams(window.location.search).get('traj')")
    assert "-3:2.5" not in query.split(",") and len(query.split(",")) == 7, \
        f"Trajectory picker: after delete the URL keeps {query}"


def step_slider_drag(page):
    """A drag of η repaints the plane more than once and ends on the released value."""
    assert_reachable(page, "#eta [role=slider]", "the η slider's handle")
    start = page.evaluate(TITLE_ETA)
    page.evaluate(RECORD)
    track, x, y = _eta_handle(page)
    page.mouse.move(x, y)
    page.mouse.down()
    held_drag(page, track, x, y, 2, start, WAIT_MS)
    during = set(page.evaluate("() => window.__painted.filter(v => v !== null)"))
    page.mouse.move(x + track["width"] * 0.15, y, steps=4)
    page.mouse.up()
    released = page.evaluate(SLIDER_ETA)
    try:
        page.wait_for_function(f"() => Math.abs(({TITLE_ETA})() - {released}) < "
                               f"1e-9 * {released}", timeout=WAIT_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            f"Slider drag: released at η = {released}, the plane shows η = "
            f"{page.evaluate(TITLE_ETA)} (the slider now {page.evaluate(SLIDER_ETA)}, "
            f"painted {page.evaluate('() => window.__painted')})") from None
    assert len(during - {start}) >= 2, f"Slider drag: the plane repainted only with {during}"


def step_player(page):
    """The player's step moves the read-out by one; the time series shows its cursor."""
    page.wait_for_function("() => /^0 \\/ \\d+$/.test(document.querySelector("
                           "'#player-readout').textContent)", timeout=WAIT_MS)
    total = page.inner_text(f"#{ids.PLAYER_READOUT}").split("/")[1].strip()
    assert_reachable(page, f"#{ids.PLAYER_STEP}", "the player's +1")
    page.click(f"#{ids.PLAYER_STEP}")
    page.wait_for_function(f"() => document.querySelector('#player-readout').textContent "
                           f"=== '1 / {total}'", timeout=WAIT_MS)
    page.wait_for_function(f"() => !!{TS}.querySelector('line.player-cursor')", timeout=WAIT_MS)
    assert page.locator("#timeseries line.player-cursor").count() == 1, \
        "Player: no time-series cursor"


def step_eta_max_grid(page):
    """Grid 5 in the η_max view: the one-line range message, visible."""
    page.click(f"#{ids.VIEW_TABS} >> text=η_max map")
    assert_reachable(page, f"#{ids.ETA_MAX_GRID}", "the η_max grid input")
    type_grid(page, "5")
    summary_is(page, "⚠ grid = 5 is out of range: enter an integer from 8 to 120")
    assert_reachable(page, f"#{ids.ETA_MAX_SUMMARY}", "the η_max message")


def step_import_off_screen(page):
    """A CSV named .txt with λ ≈ 70–83: read, said off-screen, fitted into the axes."""
    rows = "".join(f"{t},{-np.sqrt(2 * (0.9 - 0.018 * t)):.6g},{70 + 0.26 * t:.6g},"
                   f"{69 + 0.26 * t:.6g}\n" for t in range(50))
    text = "# model: fcn\n# eta: 0.025\nstep,df,lam,lam_h\n" + rows
    open_import(page)
    assert_reachable(page, f"#{ids.IMPORT_UPLOAD}", "the Import drop area")
    page.set_input_files(f"#{ids.IMPORT_UPLOAD} input[type=file]",
                         files=[{"name": "network.txt", "mimeType": "text/plain",
                                 "buffer": text.encode()}])
    wait_text(page, ids.IMPORT_STATUS, "imported network.txt: 50 steps")
    wait_text(page, ids.IMPORT_WINDOW_NOTE, "lies outside the window")
    assert_reachable(page, f"#{ids.IMPORT_WINDOW_NOTE}", "the off-screen note")
    assert not _axes_hold(page, "network.txt"), "Import: the trace was not off-screen"
    assert_reachable(page, f"#{ids.IMPORT_FIT}", "Fit window")
    page.click(f"#{ids.IMPORT_FIT}")
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g._fullLayout && "
                           "g._fullLayout.yaxis.range[1] > 83; }", timeout=WAIT_MS)
    assert _axes_hold(page, "network.txt") and points(page, "network.txt") == 50, \
        "Import: after Fit window the trace is not inside the plane's axes"
    # the time series draws the trace too, and its key still fits
    page.wait_for_function(f"() => {TS}.data.some(t => t.name === 'λ, trace')",
                           timeout=WAIT_MS)
    assert_texts_fit(page, "#timeseries .js-plotly-plot", "the time series with a trace")


def step_cleared(page):
    """Clear trajectories: the imported trace (from the step before) stays,
    drawn alone on the time series, and the line under it says so."""
    assert_reachable(page, f"#{ids.CLEAR}", "Clear trajectories")
    page.click(f"#{ids.CLEAR}")
    page.wait_for_function(
        f"() => {TS}.data.length > 0 && {TS}.data.every(t => t.name === '2/η'"
        " || (t.name || '').endsWith(', trace'))", timeout=WAIT_MS)
    page.wait_for_function(f"() => document.getElementById({ids.SUMMARY!r}).innerText"
                           ".includes('imported trace is drawn alone')", timeout=WAIT_MS)
    assert_texts_fit(page, "#timeseries .js-plotly-plot", "the time series with the trace alone")


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_classroom_items_work_at_this_screen(page, app_url, size, large):
    viewport = {"width": size[0], "height": size[1]}
    open_at(page, app_url, size=viewport, large=large)
    step_svg_export(page)
    step_sample_init(page)
    step_seed_rounding(page)
    open_at(page, app_url, EIGHT, size=viewport, large=large)
    step_trajectory_picker(page)
    step_player(page)
    step_slider_drag(page)
    step_eta_max_grid(page)
    step_import_off_screen(page)
    step_cleared(page)
