"""The Universality view in headless Chromium: the panel the browser holds
(``document.querySelector('#universality-graph .js-plotly-plot').data``) and a
click on a flip point, which the phase plane applies to its η input.
Server and page helpers come from tests/app/conftest.py.
"""

import math

import pytest

from app.core import ids
from tests.app.conftest import TIMEOUT_MS, open_page
from tests.app.ticks import tick_value

pytestmark = pytest.mark.browser
#: Wait for the first phase plane at the large font (a loaded 2-core machine).
PAGE_MS = 45_000

#: Longer wait for the first panel (the cascades of four parameter sets).
FIRST_MS = 30_000
UNI = f"document.querySelector('#{ids.UNIVERSALITY_GRAPH} .js-plotly-plot')"


def open_universality(page, url):
    open_page(page, url)
    page.click(f"#{ids.VIEW_TABS} >> text=Universality")
    page.wait_for_function(f"() => {{ const g = {UNI}; return g && g.data && "
                           "g.data.length > 5; }", timeout=FIRST_MS)


def test_universality_panel_renders(page, app_url):
    open_universality(page, app_url)
    lengths = page.evaluate(
        f"() => {UNI}.data.filter(t => t.meta && t.meta.panel).map(t => "
        "[t.meta.panel, t.meta.map || '', t.meta.current === true, t.y.length])")
    delta = [n for panel, m, _, n in lengths if panel == "delta" and m]
    assert delta == [6, 6]                                  # δ₂ … δ₇ for both maps (L = 8)
    flips = [n for panel, _, _, n in lengths if panel in ("eta", "c") and n != 2]
    assert flips == [8] * 8                                 # 4 sets × (η, c)
    feig = page.evaluate(f"() => {UNI}.data.find(t => t.meta && t.meta.feigenbaum).y[0]")
    assert math.isclose(feig, 4.669201609102990, rel_tol=1e-15)
    assert page.locator(f"#{ids.UNIVERSALITY_TABLE} tr").count() >= 1 + 8 + 2
    # fewer levels: fewer points
    page.fill(f"#{ids.UNIVERSALITY_LEVELS}", "5")
    page.press(f"#{ids.UNIVERSALITY_LEVELS}", "Enter")
    page.wait_for_function(
        f"() => {UNI}.data.filter(t => t.meta && t.meta.panel === 'delta' && t.meta.map)"
        ".every(t => t.y.length === 3)", timeout=TIMEOUT_MS)


def test_clicking_a_flip_point_sets_eta(page, app_url):
    open_universality(page, app_url)
    # the current parameters' η₃ (level 3, middle panel): its screen position from
    # the axes Plotly drew, then a click on it
    target = page.evaluate(
        f"""() => {{ const g = {UNI}; const fl = g._fullLayout;
        const t = g.data.find(t => t.meta && t.meta.panel === 'eta' && t.meta.current
                                   && t.meta.map === 'eos');
        const xa = fl.xaxis2, ya = fl.yaxis2, box = g.getBoundingClientRect();
        return {{eta: t.y[2], x: box.left + xa._offset + xa.l2p(t.x[2]),
                 y: box.top + ya._offset + ya.l2p(Math.log10(t.y[2]))}}; }}""")
    page.mouse.move(target["x"], target["y"])
    page.wait_for_function(f"() => {{ const h = document.querySelector('#{ids.UNIVERSALITY_GRAPH} "
                           ".hoverlayer'); return h && h.textContent.includes('click: set η'); }",
                           timeout=TIMEOUT_MS)
    page.mouse.click(target["x"], target["y"])
    # the plane applies the intent: its η input shows the flip point's η (6 digits)
    want = float(f"{target['eta']:.6g}")
    page.wait_for_function(f"() => Math.abs(Number(document.querySelector('#{ids.ETA_INPUT}')"
                           f".value) - {want}) <= 1e-9 * {want}", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => window.location.search.includes('eta={want:g}')",
                           timeout=TIMEOUT_MS)


#: Viewports × font sizes of the projector checks.
SIZES = [{"width": 1440, "height": 900}, {"width": 1366, "height": 768},
         {"width": 1280, "height": 720}]


def type_levels(page, text):
    page.fill(f"#{ids.UNIVERSALITY_LEVELS}", text)
    page.press(f"#{ids.UNIVERSALITY_LEVELS}", "Enter")


def message_says(page, text):
    page.wait_for_function(f"() => document.getElementById('{ids.UNIVERSALITY_MESSAGE}')"
                           f".textContent.startsWith({text!r})", timeout=TIMEOUT_MS)
    assert page.locator(f"#{ids.UNIVERSALITY_MESSAGE}").is_visible()


@pytest.mark.parametrize("font", ["normal", "large"])
@pytest.mark.parametrize("viewport", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_bad_levels_say_what_is_wrong_and_what_is_allowed(page, app_url, viewport, font):
    """2, 100 and an empty input each get a line saying what is wrong, the
    range and the L shown; a good value clears it."""
    open_page(page, app_url + ("?large=1" if font == "large" else ""), viewport, PAGE_MS)
    page.click(f"#{ids.VIEW_TABS} >> text=Universality")
    page.wait_for_function(f"() => {{ const g = {UNI}; return g && g.data && "
                           "g.data.length > 5; }", timeout=FIRST_MS)
    type_levels(page, "2")
    message_says(page, "levels L = 2 is out of range: enter an integer from 3 to 12 "
                       "(showing L = 3)")
    type_levels(page, "100")
    message_says(page, "levels L = 100 is out of range: enter an integer from 3 to 12 "
                       "(showing L = 12)")
    type_levels(page, "")
    message_says(page, "levels L is empty: enter an integer from 3 to 12 (showing L = 8)")
    type_levels(page, "5")
    message_says(page, "δ_4 = ")                           # the result line only


def test_the_eta_k_axis_labels_say_their_decade(page, app_url):
    """What Chromium draws on the η_k axis (1366×768, large font): each label is
    the value at its tick's position (Plotly's own labels read "…, 1, 5" there,
    the 5 meaning 0.5)."""
    open_page(page, app_url + "?large=1", {"width": 1366, "height": 768}, PAGE_MS)
    page.click(f"#{ids.VIEW_TABS} >> text=Universality")
    page.wait_for_function(f"() => {{ const g = {UNI}; return g && g.data && "
                           "g.data.length > 5 && g._fullLayout.yaxis2._vals; }", timeout=FIRST_MS)
    ticks = page.evaluate(
        f"() => {{ const ax = {UNI}._fullLayout.yaxis2; "
        "const drawn = [...document.querySelectorAll("
        f"'#{ids.UNIVERSALITY_GRAPH} .ytick2 text, #{ids.UNIVERSALITY_GRAPH} .y2tick text')]"
        ".map(e => e.textContent); "
        "return {vals: ax._vals.map(v => [v.x, v.text]), drawn}; }")
    assert len(ticks["vals"]) >= 2
    for log_value, text in ticks["vals"]:
        assert math.isclose(tick_value(text), 10 ** log_value, rel_tol=1e-6), (text, log_value)
    assert sorted(ticks["drawn"]) == sorted(t for _, t in ticks["vals"])
