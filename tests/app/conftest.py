"""Shared helpers of the browser tests: the app served from a thread, a page
opened on it (Playwright's ``page`` fixture; the launch flags are in
tests/conftest.py) and the requests that left the machine.

Every browser context of these tests starts as a returning visitor: the
``context`` fixture below stores the first-visit introduction as dismissed
(:data:`INTRO_SEEN_SCRIPT`, run before any page script), so the dialog never
covers what a test clicks.  A test of the introduction itself opens its own
context with ``browser.new_context()`` (a fresh profile)."""

import contextlib
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

#: Milliseconds to wait for a callback round trip to show up in the page.
TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1440, "height": 900}
#: The phase plane's Plotly element (its ``data`` is the figure the browser holds).
PLOT = "document.querySelector('#phase-plane .js-plotly-plot')"
#: Marks the introduction as dismissed, as its dcc.Store ``intro-seen``
#: (``storage_type="local"``) keeps it: JSON under the store's id.
INTRO_SEEN_SCRIPT = "window.localStorage.setItem('intro-seen', 'true');"


@pytest.fixture
def context(context):
    """Playwright's context, with the introduction already dismissed."""
    context.add_init_script(INTRO_SEEN_SCRIPT)
    return context


@contextlib.contextmanager
def serve(dash_app):
    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def dash_app():
    """The dashboard in this process (kernels already warm from earlier tests)."""
    from app import create_app
    return create_app({"warmup": False})


@pytest.fixture(scope="module")
def client(dash_app):
    """Flask test client of :func:`dash_app`: Dash's HTTP endpoint without a socket."""
    return dash_app.server.test_client()


def request_body(dash_app, fragment: str, values: dict, changed: list) -> dict:
    """The renderer's body for the callback whose output contains ``fragment``."""
    from tests.deploy.dashclient import callback_body, callback_key
    return callback_body(dash_app.callback_map, callback_key(dash_app.callback_map, fragment),
                         values, changed)


@pytest.fixture(scope="module")
def app_url():
    from app import create_app
    with serve(create_app()) as url:
        yield url


def open_page(page, url, viewport=None, timeout=TIMEOUT_MS):
    """Open the dashboard in a ``viewport`` (default :data:`VIEWPORT`), as a
    returning visitor (no introduction), and wait up to ``timeout`` ms for the
    phase plane; returns the list of requests to hosts other than this machine
    (it should stay empty)."""
    page.add_init_script(INTRO_SEEN_SCRIPT)   # pages made outside the fixture too
    page.set_viewport_size(viewport or VIEWPORT)
    external = []
    page.on("request", lambda r: external.append(r.url)
            if urlsplit(r.url).hostname not in ("127.0.0.1", None) and
            not r.url.startswith(("data:", "blob:")) else None)
    page.goto(url)
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && g.data.length > 5; }}",
                           timeout=timeout)
    return external


def wait_past_double_click(page, plot: str = PLOT) -> None:
    """Wait until a new click on ``plot`` cannot join the previous one into a
    double-click (Plotly's ``doubleClickDelay`` since the last pointer event)."""
    page.evaluate("() => { window.__lastPointer = performance.now(); }")
    page.wait_for_function(
        f"() => performance.now() - window.__lastPointer > "
        f"({plot}._context.doubleClickDelay || 300) + 50", timeout=TIMEOUT_MS)


def plane_applies(intent, state: str):
    """The phase plane's answer to ``intent`` (app.core.intents), called as the
    browser would with the controls of ``state``."""
    from app.core import intents
    from app.core.state import from_query
    from app.views.phase_plane import callbacks as plane
    p = from_query(state).params
    values = {"inputs": {k: p.value(k) for k in plane.SLIDER_KEYS}, "seed": p.seed,
              "preset": p.preset, "layers": list(p.layers), "large": [], "state": state,
              "intent": intent}
    return plane.update_plane([f"{intents.TARGET[0]}.{intents.TARGET[1]}"], values)



#: JS: is the element at the centre of ``el`` (inside the viewport) ``el`` or one of
#: its descendants?  Returns a short reason when not, '' when it is.
_REACHABLE = """(el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return 'has no box';
    const W = window.innerWidth, H = window.innerHeight;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
        return `lies outside the ${W}×${H} viewport: ${JSON.stringify(r)}`;
    const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
    const hit = document.elementFromPoint(x, y);
    if (!hit) return 'nothing at its centre';
    if (hit === el || el.contains(hit)) return '';
    return 'is covered at its centre by ' + hit.tagName.toLowerCase() +
           (hit.id ? '#' + hit.id : '') + (hit.className && hit.className.baseVal === undefined
                                             ? '.' + String(hit.className).split(' ').join('.') : '');
}"""


def assert_in_view(page, selector: str, what: str = "") -> None:
    """Assert the element ``selector`` lies in the viewport, uncovered, as the
    page is now: no scrolling (a message the user has to scroll to is not
    seen)."""
    why = page.locator(selector).first.evaluate(_REACHABLE)
    assert why == "", f"{what or selector} {why}"


def assert_reachable(page, selector: str, what: str = "") -> None:
    """Scroll the control ``selector`` into view inside its own panel (as a user
    would scroll a panel), then assert it lies in the viewport and nothing
    covers it: ``document.elementFromPoint`` at its centre is the control or
    one of its descendants."""
    loc = page.locator(selector).first
    loc.wait_for(state="visible", timeout=TIMEOUT_MS)
    loc.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
    why = loc.evaluate(_REACHABLE)
    assert why == "", f"{what or selector} {why}"


#: JS: the text boxes of a graph (title, axis titles, annotations, legend
#: entries) that stick out of the graph's own box, and the pairs that overlap.
_TEXTS = """([sel, slack]) => {
    const g = document.querySelector(sel);
    if (!g) return {missing: sel};
    const frame = g.getBoundingClientRect();
    const items = [];
    const add = (e, what) => { const r = e.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) items.push({what: what + ': ' + (e.textContent || '').slice(0, 40),
                                                     l: r.left, t: r.top, r: r.right, b: r.bottom}); };
    g.querySelectorAll('.g-gtitle text, .gtitle').forEach(e => add(e, 'title'));
    g.querySelectorAll('[class^="g-x"][class$="title"] text, [class^="g-y"][class$="title"] text')
        .forEach(e => add(e, 'axis title'));
    g.querySelectorAll('.annotation-text-g').forEach(e => add(e, 'annotation'));
    g.querySelectorAll('.legend .traces').forEach(e => add(e, 'legend entry'));
    const out = items.filter(i => i.l < frame.left - slack || i.r > frame.right + slack
                                  || i.t < frame.top - slack || i.b > frame.bottom + slack)
        .map(i => i.what);
    // no axis title or tick label inside a plot area (another panel's)
    const areas = Array.from(g.querySelectorAll('.nsewdrag')).map(e => e.getBoundingClientRect());
    const marks = items.filter(i => i.what.startsWith('axis title'));
    g.querySelectorAll('.xtick text, .ytick text, [class^="y"][class$="tick"] text').forEach(e => {
        const r = e.getBoundingClientRect();
        if (r.width > 0) marks.push({what: 'tick label: ' + e.textContent, l: r.left, t: r.top,
                                     r: r.right, b: r.bottom}); });
    for (const m of marks) for (const a of areas)
        if (m.l < a.right - slack && a.left < m.r - slack && m.t < a.bottom - slack
            && a.top < m.b - slack) { out.push(m.what + ' inside a plot area'); break; }
    // a legend clips its entries to its own box: a label running past it is cut
    g.querySelectorAll('.legend').forEach(leg => {
        const bg = leg.querySelector('rect.bg');
        if (!bg) return;
        const box = bg.getBoundingClientRect();
        leg.querySelectorAll('.legendtext').forEach(t => { const r = t.getBoundingClientRect();
            if (r.width > 0 && (r.right > box.right + slack || r.left < box.left - slack))
                out.push('legend label cut by its box: ' + (t.textContent || '').slice(0, 40)); });
    });
    const over = [];
    for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++) {
        const p = items[a], q = items[b];
        if (p.l < q.r - slack && q.l < p.r - slack && p.t < q.b - slack && q.t < p.b - slack)
            over.push(p.what + ' × ' + q.what);
    }
    return {out, over, n: items.length};
}"""


def assert_texts_fit(page, graph_selector: str, what: str = "", slack: float = 1.0) -> None:
    """Every title, axis title, annotation and legend entry of the graph lies in
    the graph's box, none overlaps another, no legend label is cut by the
    legend's box, and no axis title or tick label lies in a plot area (a
    projector's small screen)."""
    got = page.evaluate(_TEXTS, [graph_selector, slack])
    assert "missing" not in got, f"{what or graph_selector}: no such graph"
    assert got["n"] > 0, f"{what or graph_selector}: no text found"
    assert not got["out"], f"{what or graph_selector}: cut off or misplaced: {got['out']}"
    assert not got["over"], f"{what or graph_selector}: overlapping: {got['over']}"
