"""The lecture's components fit every screen of the projector story — 1440×900,
1366×768 and 1280×720, normal and large font — in headless Chromium, one fresh
profile per screen: the first-visit intro is on screen whole with its button,
the player is one row of controls that neither overlap nor get cut, and an
applied preset's lesson is readable beside the plane."""

import pytest

from app.core import ids

from ...conftest import PLOT, TIMEOUT_MS
from ..presets.test_lesson_browser import GEOMETRY, apply, assert_readable_beside_the_plane

pytestmark = pytest.mark.browser

SIZES = [(1440, 900), (1366, 768), (1280, 720)]
CONTROLS = [ids.PLAYER_PLAY, ids.PLAYER_PAUSE, ids.PLAYER_STEP, ids.PLAYER_RESET,
            ids.PLAYER_SPEED, ids.PLAYER_READOUT]

#: Boxes of the player's controls and whether any text in the row is cut.
ROW = f"""() => {{
    const box = id => {{ const r = document.getElementById(id).getBoundingClientRect();
                         return [r.left, r.top, r.right, r.bottom]; }};
    const row = document.getElementById('{ids.PLAYER_CONTROLS}');
    const cut = Array.from(row.querySelectorAll('*')).some(e => e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).overflow !== 'visible');
    return {{boxes: {CONTROLS!r}.map(box), row: box('{ids.PLAYER_CONTROLS}'),
             overflow: row.scrollWidth > row.clientWidth + 1, cut: cut,
             readout: document.getElementById('{ids.PLAYER_READOUT}').textContent,
             width: innerWidth, height: innerHeight}};
}}"""


@pytest.fixture
def fresh(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def overlaps(a, b):
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_intro_player_and_lesson_fit(fresh, app_url, size, large):
    page = fresh
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(app_url + "?eta=2.26&traj=-2:0.5&steps=300" + ("&large=1" if large else ""))
    # the intro: whole on screen, nothing in it scrolled away
    page.wait_for_selector(f"#{ids.INTRO}", state="visible", timeout=TIMEOUT_MS)
    box = page.locator(f"#{ids.INTRO}").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
    assert page.evaluate(f"() => {{ const e = document.getElementById('{ids.INTRO}'); "
                         "return e.scrollHeight <= e.clientHeight + 1; }")
    page.click(f"#{ids.INTRO_CLOSE}")
    page.wait_for_selector(f"#{ids.INTRO}", state="hidden", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && "
                           "g.data.length > 5; }", timeout=TIMEOUT_MS)
    # the player: one row, every control on screen, none over another, nothing cut
    page.wait_for_function(f"() => document.getElementById('{ids.PLAYER_READOUT}')"
                           ".textContent === '0 / 300'", timeout=TIMEOUT_MS)
    row = page.evaluate(ROW)
    boxes = row["boxes"]
    for b in boxes:
        assert 0 <= b[0] and b[2] <= width and 0 <= b[1] and b[3] <= height, row
        assert b[1] < (boxes[0][1] + boxes[0][3]) / 2 < b[3], row     # one row
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), row
    assert not row["overflow"] and not row["cut"], row
    # a preset's lesson: readable beside the plane
    apply(page, "no-eos")
    assert_readable_beside_the_plane(page.evaluate(GEOMETRY))
