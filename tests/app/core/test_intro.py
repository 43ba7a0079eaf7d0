"""The first-visit introduction (app/core/intro.py, app/assets/intro.js).

The browser tests open their own contexts (``browser.new_context()``: fresh
profiles, without the dismissed intro that tests/app/conftest.py gives every
other test) on the app served from a thread.  That the intro fits each screen
is checked with the player and the lesson card, one page per screen, in
tests/app/views/phase_plane/test_player_fit.py.
"""

import pytest

from app.core import ids, intro
from app.core.layout import make_layout
from app.views import load

from ..conftest import PLOT, TIMEOUT_MS

def walk(component):
    yield component
    children = getattr(component, "children", None)
    for c in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(c, "to_plotly_json"):
            yield from walk(c)


def by_id(layout):
    return {getattr(c, "id", None): c for c in walk(layout) if getattr(c, "id", None)}


def test_the_layout_holds_the_intro_its_store_and_the_reopen_button():
    found = by_id(make_layout(load()))
    assert found[ids.INTRO_SEEN].storage_type == "local"
    assert "hidden" in found[ids.INTRO].className.split()     # shown only by the browser
    assert found["intro-paper"].href == "https://arxiv.org/abs/2311.02076" == intro.PAPER_URL
    assert found[ids.INTRO_OPEN].children == "?"
    assert ids.INTRO_CLOSE in found


@pytest.fixture
def fresh(browser):
    """A page of a new browser profile (nothing in its local storage)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def wait_plane(page):
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && "
                           "g.data.length > 5; }", timeout=TIMEOUT_MS)


def visible(page, selector):
    return page.evaluate(f"() => {{ const e = document.querySelector('{selector}'); "
                         "if (!e) return false; const r = e.getBoundingClientRect(); "
                         "return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && "
                         "r.bottom <= innerHeight && r.right <= innerWidth; }")


def open_fresh(page, url, size, large=True):
    """Open the dashboard in a fresh profile and wait for the intro."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url + ("?large=1" if large else ""))
    page.wait_for_selector(f"#{ids.INTRO}:not(.hidden)", timeout=TIMEOUT_MS)


@pytest.mark.browser
def test_first_visit_dismiss_reload_and_reopen(fresh, app_url):
    page = fresh
    open_fresh(page, app_url, (1366, 768))
    text = page.inner_text(f"#{ids.INTRO}")
    assert "Click the plane" in text and "drag" in text and "Δf = f − y" in text
    assert page.get_attribute("#intro-paper", "href") == intro.PAPER_URL
    assert visible(page, f"#{ids.INTRO}") and visible(page, f"#{ids.INTRO_CLOSE}")
    page.click(f"#{ids.INTRO_CLOSE}")
    page.wait_for_selector(f"#{ids.INTRO}", state="hidden", timeout=TIMEOUT_MS)
    assert page.evaluate("() => localStorage.getItem('intro-seen')") == "true"
    # a returning visitor: the plane is drawn and the intro never shows, not even
    # for a moment (watched from the start of the page)
    page.add_init_script("window.__introSeen = false; new MutationObserver(() => { "
                         "const e = document.getElementById('intro'); if (e && "
                         "!e.classList.contains('hidden')) window.__introSeen = true; })"
                         ".observe(document, {subtree: true, attributes: true, "
                         "childList: true});")
    page.reload()
    wait_plane(page)
    assert page.is_hidden(f"#{ids.INTRO}")
    assert page.evaluate("() => window.__introSeen") is False
    # "?" opens it again; "Got it" closes it
    page.click(f"#{ids.INTRO_OPEN}")
    page.wait_for_selector(f"#{ids.INTRO}", state="visible", timeout=TIMEOUT_MS)
    page.click(f"#{ids.INTRO_CLOSE}")
    page.wait_for_selector(f"#{ids.INTRO}", state="hidden", timeout=TIMEOUT_MS)


@pytest.mark.browser
def test_escape_closes_it_and_is_remembered(fresh, app_url):
    page = fresh
    open_fresh(page, app_url, (1280, 720))
    page.keyboard.press("Escape")
    page.wait_for_selector(f"#{ids.INTRO}", state="hidden", timeout=TIMEOUT_MS)
    page.wait_for_function("() => localStorage.getItem('intro-seen') === 'true'",
                           timeout=TIMEOUT_MS)
    # Esc elsewhere, with it closed, opens nothing
    page.keyboard.press("Escape")
    assert page.is_hidden(f"#{ids.INTRO}")


@pytest.mark.browser
def test_the_url_flag_keeps_it_closed_without_remembering(fresh, app_url):
    page = fresh
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "?intro=0&large=1")
    wait_plane(page)
    assert page.is_hidden(f"#{ids.INTRO}")
    assert page.evaluate("() => localStorage.getItem('intro-seen')") is None
