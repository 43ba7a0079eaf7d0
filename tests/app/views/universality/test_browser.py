"""The Universality view in headless Chromium: the panel the browser holds
(``document.querySelector('#universality-graph .js-plotly-plot').data``) and a
click on a flip point, which the phase plane applies to its η input.
Server and page helpers come from tests/app/conftest.py.
"""

import math

import pytest

from app.core import ids
from tests.app.conftest import TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser

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
