"""The header's "controls" box folds the left panel away (headless Chromium):
the views take the whole width, the panel's message line still shows what a
click did (in a row under the views), and the choice is kept across a reload."""

import pytest

from app.core import ids

from ..conftest import PLOT, TIMEOUT_MS, assert_in_view, open_page
from ..views.phase_plane.test_browser_feedback import FORBIDDEN_POINT, to_pixels

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
#: Least share of the viewport the phase plane's graph takes with the panel
#: folded away (it shares the row with the time series, 3 : 2).
FOLDED_PLANE = 0.5
#: How much wider the plane becomes at least.
WIDER = 1.25


def _plane_box(page) -> dict:
    return page.locator("#phase-plane").bounding_box()


def _folded(page, yes: bool) -> None:
    want = "" if yes else "!"
    page.wait_for_function(f"() => {want}document.getElementById({ids.ROOT!r}).classList"
                           ".contains('controls-hidden')", timeout=TIMEOUT_MS)


def _drawn_at_width(page, width: float) -> None:
    """Until the plane's graph is redrawn at about ``width`` px."""
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g._fullLayout && "
                           f"Math.abs(g._fullLayout.width - {width}) < 3; }}",
                           timeout=TIMEOUT_MS)


def test_folding_the_controls_gives_the_plane_the_width_and_keeps_messages(page, app_url):
    open_page(page, app_url + "?large=1", PROJECTOR, timeout=45_000)
    before = _plane_box(page)
    page.uncheck(f"#{ids.SHOW_CONTROLS} input")
    _folded(page, True)
    page.wait_for_function(f"() => document.getElementById('phase-plane')"
                           f".getBoundingClientRect().width > {WIDER * before['width']}",
                           timeout=TIMEOUT_MS)
    after = _plane_box(page)
    _drawn_at_width(page, after["width"])
    share = after["width"] * after["height"] / (PROJECTOR["width"] * PROJECTOR["height"])
    assert share >= FOLDED_PLANE, share
    assert page.is_hidden(".controls .control-group")
    # a refused click still says why, in view, without the panel
    page.mouse.click(*to_pixels(page, *FORBIDDEN_POINT))
    page.wait_for_function("() => document.getElementById('message').innerText"
                           ".includes('forbidden region')", timeout=TIMEOUT_MS)
    assert_in_view(page, "#message", "the refusal's message with the controls folded")
    # in a row of its own under the views: it covers no part of the plane
    note = page.locator("#message").bounding_box()
    page.wait_for_function(f"() => {{ const r = document.getElementById('phase-plane')"
                           f".getBoundingClientRect(); return r.bottom <= {note['y']} + 1; }}",
                           timeout=TIMEOUT_MS)
    # kept across a reload; ticked again, the panel is back
    page.reload()
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && "
                           "g.data.length > 5; }", timeout=45_000)
    _folded(page, True)
    assert page.is_checked(f"#{ids.SHOW_CONTROLS} input") is False
    page.check(f"#{ids.SHOW_CONTROLS} input")
    _folded(page, False)
    page.locator(".controls .control-group").first.wait_for(state="visible",
                                                             timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => document.getElementById('phase-plane')"
                           f".getBoundingClientRect().width < {before['width'] + 3}",
                           timeout=TIMEOUT_MS)
