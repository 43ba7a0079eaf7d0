"""After a preset is applied its lesson stays readable beside the plane, in
headless Chromium at 1366×768 with large font (the projector): the card shows
the preset's title and explanation inside the viewport, right of the plane's
plot area, without covering it, and the time series under it keeps readable
panels; × closes it and applying the preset again opens it.  The card's geometry on the other screens is checked in
tests/app/views/phase_plane/test_player_fit.py."""

import re

import pytest

from app.core import ids
from app.views.presets import teaching

from ...conftest import TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser

#: Pixels of slack when comparing element boxes.
SLACK = 1.0

#: The boxes (viewport pixels) of the card, its explanation and the plane's plot area.
GEOMETRY = """() => {
    const box = s => { const e = document.querySelector(s); if (!e) return null;
                       const r = e.getBoundingClientRect();
                       return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
    const boxes = s => Array.from(document.querySelectorAll(s)).map(e => {
        const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
    const card = document.querySelector('#lesson-card');
    return {card: box('#lesson-card'), text: box('#lesson-card .lesson-text'),
            plot: box('#phase-plane .nsewdrag'), width: innerWidth, height: innerHeight,
            scrolls: card.scrollHeight > card.clientHeight + 1
                     && getComputedStyle(card).overflowY === 'auto',
            wide: Array.from(card.querySelectorAll('*')).some(
                e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'),
            ts_panels: boxes('#timeseries .nsewdrag'),
            ts_keys: boxes('#timeseries .legend .traces'),
            ts_titles: boxes('#timeseries .g-ytitle, #timeseries .g-y2title')};
}"""
#: Least height (px) of each time-series panel while a lesson is shown.
TS_PANEL_MIN = 60


def plain_phrases(preset):
    """Runs of the explanation outside its $…$ math, as the page shows them."""
    text = re.sub(r"\*\*|\*", "", teaching.text_of(preset))
    return [t.strip(" ,.:;—") for i, t in enumerate(text.split("$")) if i % 2 == 0
            and len(t.strip(" ,.:;—")) > 12]


def apply(page, key):
    page.locator(".tab", has_text="Presets").first.click()
    page.click(f"#{ids.teaching_button(key)}")
    page.wait_for_selector(f"#{ids.LESSON_CARD}", state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.querySelectorAll('#lesson-card mjx-container')"
                           ".length > 0", timeout=TIMEOUT_MS)


def _overlap(a, b):
    return a[0] < b[2] - SLACK and b[0] < a[2] - SLACK and a[1] < b[3] - SLACK \
        and b[1] < a[3] - SLACK


def assert_readable_beside_the_plane(g):
    card, text, plot = g["card"], g["text"], g["plot"]
    # the card is on screen; the explanation starts in it and ends in it, or
    # the card scrolls inside itself (a projector's short screen)
    assert card["left"] >= -SLACK and card["top"] >= -SLACK, g
    assert card["right"] <= g["width"] + SLACK and card["bottom"] <= g["height"] + SLACK, g
    assert card["top"] - SLACK <= text["top"] < card["bottom"], g
    assert text["bottom"] <= card["bottom"] + SLACK or g["scrolls"], g
    # nothing in it is wider than the card (the equations are broken into lines)
    assert not g["wide"], g
    # beside the plane's plot area, which stays on screen and uncovered
    assert plot["left"] >= -SLACK and plot["bottom"] <= g["height"] + SLACK, g
    assert card["left"] >= plot["right"] - SLACK, g
    # the time series below it stays readable: both panels, their titles and
    # the key's entries apart
    assert len(g["ts_panels"]) == 2, g
    assert all(b[3] - b[1] >= TS_PANEL_MIN for b in g["ts_panels"]), g
    assert all(b[1] >= card["bottom"] - SLACK for b in g["ts_panels"]), g
    for boxes in (g["ts_keys"], g["ts_titles"]):
        assert boxes and not any(_overlap(a, b) for i, a in enumerate(boxes)
                                 for b in boxes[i + 1:]), g


def test_the_lesson_stays_readable_beside_the_plane(page, app_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    open_page(page, app_url + "?large=1")
    page.set_viewport_size({"width": 1366, "height": 768})
    preset = teaching.BY_KEY["eos-period-2"]
    apply(page, preset.key)
    page.wait_for_function("() => document.querySelector('#eta-input').value === '2.26'",
                           timeout=TIMEOUT_MS)
    assert page.inner_text(f"#{ids.LESSON_TITLE}") == preset.title
    shown = " ".join(page.inner_text(f"#{ids.LESSON_CARD}").split())
    for phrase in plain_phrases(preset):
        assert " ".join(phrase.split()) in shown, phrase
    assert page.locator(f"#{ids.LESSON_EQUATION} mjx-container").count() >= 1
    assert_readable_beside_the_plane(page.evaluate(GEOMETRY))
    # × closes it; the same preset again opens it again
    page.click(f"#{ids.LESSON_CLOSE}")
    page.wait_for_selector(f"#{ids.LESSON_CARD}", state="hidden", timeout=TIMEOUT_MS)
    apply(page, preset.key)
    assert page.inner_text(f"#{ids.LESSON_TITLE}") == preset.title
    # another preset replaces the lesson
    apply(page, "no-eos")
    page.wait_for_function(f"() => document.querySelector('#{ids.LESSON_TITLE}').innerText "
                           f"=== {teaching.BY_KEY['no-eos'].title!r}", timeout=TIMEOUT_MS)
    assert_readable_beside_the_plane(page.evaluate(GEOMETRY))
