"""A hidden view sends no request while the plane changes; shown, it gets the
newest state (``ids.state_for``, ``lab.state_for_tab`` in app/assets/lab.js),
in headless Chromium."""

import json

import pytest

from app.core import ids

from ..conftest import TIMEOUT_MS, open_page
from ..views.phase_plane.test_browser import wait_title

pytestmark = pytest.mark.browser

#: Outputs of the callbacks of views on other tabs that read the state.
HIDDEN = (f"{ids.BIFURCATION_GRAPH}.figure", f"{ids.BIFURCATION_COBWEB}.figure",
          f"{ids.UNIVERSALITY_GRAPH}.figure", f"{ids.FATE_MAP}.figure",
          f"{ids.IMPORT_WINDOW_NOTE}.children")


def _record(page) -> list:
    """The output names of every callback request the page sends from now on
    that something triggered: each view's initial call at page load (no
    changed prop) may go out after the plane is drawn, and is not counted."""
    sent = []

    def on(r):
        if "_dash-update-component" in r.url and r.method == "POST":
            body = json.loads(r.post_data or "{}")
            if body.get("changedPropIds"):
                sent.append(body.get("output", ""))
    page.on("request", on)
    return sent


def test_hidden_views_wait_for_their_tab_and_then_get_the_newest_state(page, app_url):
    open_page(page, app_url)
    sent = _record(page)
    for eta in ("1.7", "1.9", "2.1"):
        page.fill("#eta-input", eta)
        page.press("#eta-input", "Enter")
        wait_title(page, f"η = {eta},")
    page.wait_for_function("() => location.search.includes('eta=2.1')", timeout=TIMEOUT_MS)
    hidden = [o for o in sent if any(h in o for h in HIDDEN)]
    assert not hidden, f"hidden views sent requests while the plane changed: {hidden}"
    assert any(f"{ids.PHASE_PLANE}.figure" in o for o in sent)

    with page.expect_request(lambda r: "_dash-update-component" in r.url
                             and f"{ids.BIFURCATION_GRAPH}.figure"
                             in (r.post_data or ""), timeout=TIMEOUT_MS) as req:
        page.click("#view-tabs .tab:has-text('Bifurcation')")
    body = json.loads(req.value.post_data)
    state = next(d["value"] for d in body["inputs"]
                 if d["id"] == ids.state_for(ids.BIFURCATION_TAB))
    assert "eta=2.1" in state, state
    graph = f"document.querySelector('#{ids.BIFURCATION_GRAPH} .js-plotly-plot')"
    page.wait_for_function(f"() => {{ const g = {graph}; return g && g.data && g.data.length; }}",
                           timeout=TIMEOUT_MS)
    # back on the plane and again: the bifurcation view, hidden, stays quiet
    page.click("#view-tabs .tab:has-text('Phase plane')")
    page.wait_for_function("() => location.hash === ''", timeout=TIMEOUT_MS)
    del sent[:]
    page.fill("#eta-input", "2.3")
    page.press("#eta-input", "Enter")
    wait_title(page, "η = 2.3,")
    page.wait_for_function("() => location.search.includes('eta=2.3')", timeout=TIMEOUT_MS)
    assert not [o for o in sent if any(h in o for h in HIDDEN)]
