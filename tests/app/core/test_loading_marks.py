"""What a change of η marks as loading, in headless Chromium.

While a callback's answer is pending, Dash marks each of its outputs as
loading (``data-dash-is-loading``) and React renders that component, and
all it holds, again: once when the request leaves and once when the answer
is in.  An output that holds the page (the root's class, written by the
plane's callback until the large-font box drove it in the browser) made
every typed η render the whole page twice.
"""

import pytest

from app.core import ids

from ..conftest import open_page
from ..views.phase_plane.test_browser import wait_settled, wait_title

pytestmark = pytest.mark.browser

#: Elements with more descendants than this are containers, not controls or
#: read-outs (the largest marked, the player's buttons, has about 15).
MOST_DESCENDANTS = 40

RECORD = """() => {
    window.__marked = {};
    new MutationObserver(ms => ms.forEach(m => {
        const el = m.target;
        if (m.attributeName === 'data-dash-is-loading' && el.getAttribute(m.attributeName) === 'true') {
            // a graph's own nodes are Plotly's, which a render leaves alone
            const key = el.id || el.className || el.tagName;
            const own = el.classList.contains('dash-graph') ? 0 : el.querySelectorAll('*').length;
            window.__marked[key] = Math.max(window.__marked[key] || 0, own);
        }
    })).observe(document.body, {subtree: true, attributes: true,
                                attributeFilter: ['data-dash-is-loading']});
}"""


def test_a_typed_eta_marks_only_leaves_as_loading(page, app_url):
    open_page(page, app_url)
    wait_settled(page)
    page.evaluate(RECORD)
    for eta in ("1.7", "1.9"):
        page.fill("#eta-input", eta)
        page.press("#eta-input", "Enter")
        wait_title(page, f"η = {eta},")
        wait_settled(page)
    marked = page.evaluate("() => window.__marked")
    assert ids.input_id(ids.ETA) in marked and ids.PHASE_PLANE in marked, marked  # it records
    big = {k: n for k, n in marked.items() if n > MOST_DESCENDANTS}
    assert not big, f"containers marked loading on every change: {big}"
