"""After a preset is applied its lesson stays readable beside the plane, in
headless Chromium at 1366×768 with large font (the projector): the card shows
the preset's title and explanation inside the viewport, right of the plane's
plot area, without covering it; × closes it and applying the preset again
opens it.  The card's geometry on the other screens is checked in
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
    return {card: box('#lesson-card'), text: box('#lesson-card .lesson-text'),
            plot: box('#phase-plane .nsewdrag'), width: innerWidth, height: innerHeight};
}"""


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


def assert_readable_beside_the_plane(g):
    card, text, plot = g["card"], g["text"], g["plot"]
    # the card is on screen, and so is the whole explanation within it
    assert card["left"] >= -SLACK and card["top"] >= -SLACK, g
    assert card["right"] <= g["width"] + SLACK and card["bottom"] <= g["height"] + SLACK, g
    assert text["top"] >= card["top"] - SLACK and text["bottom"] <= card["bottom"] + SLACK, g
    # beside the plane's plot area, which stays on screen and uncovered
    assert plot["left"] >= -SLACK and plot["bottom"] <= g["height"] + SLACK, g
    assert card["left"] >= plot["right"] - SLACK, g


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
