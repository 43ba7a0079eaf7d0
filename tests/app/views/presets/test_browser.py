"""The presets in headless Chromium: MathJax typesets the cards, and a button
sets the phase plane's inputs, trajectory, window and URL.  The app is served
from a thread (tests/app/conftest.py) and each test reads what the browser
actually holds."""

import pytest

from app.core import ids

from ...conftest import PLOT, TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser

TRAJ_NAMES = (f"() => {{ const g = {PLOT}; return g && g.data ? g.data.map(t => t.name)"
              ".filter(n => n && n.startsWith('trajectory') && !n.endsWith('start') && "
              "!n.endsWith('state')) : []; }")


def open_tab(page, label):
    page.locator(".tab", has_text=label).first.click()


def test_preset_sets_inputs_starts_its_trajectory_and_renders_math(page, app_url):
    external = open_page(page, app_url)
    open_tab(page, "Presets")
    # MathJax (served by Dash itself) typesets every card's equation
    page.wait_for_function("() => document.querySelectorAll('#teaching-card-eos-period-2 "
                           "mjx-container').length >= 2", timeout=TIMEOUT_MS)
    assert page.locator("#teaching-card-no-eos mjx-container").count() >= 2
    page.click(f"#{ids.teaching_button('eos-period-2')}")
    # the view switches to the phase plane, whose inputs and trajectory follow the preset
    page.wait_for_function("() => document.querySelector('#eta-input') && "
                           "document.querySelector('#eta-input').value === '2.26'",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {{ const n = ({TRAJ_NAMES})(); return n.length === 1 && "
                           "n[0].includes('periodic 2'); }", timeout=TIMEOUT_MS)
    assert page.input_value("#width-input") == "16"
    page.wait_for_function("() => window.location.search.includes('eta=2.26') && "
                           "window.location.search.includes('traj=-2:0.5')",
                           timeout=TIMEOUT_MS)
    # another preset: its window and start; Back returns to the previous one
    open_tab(page, "Presets")
    page.click(f"#{ids.teaching_button('no-eos')}")
    page.wait_for_function("() => document.querySelector('#eta-input') && "
                           "document.querySelector('#eta-input').value === '0.9'",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {PLOT}.layout.xaxis.range[0] === -8", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => ({TRAJ_NAMES})()[0].includes('converged')",
                           timeout=TIMEOUT_MS)
    page.go_back()
    page.wait_for_function("() => document.querySelector('#eta-input').value === '2.26'",
                           timeout=TIMEOUT_MS)
    assert external == []
