"""The dashboard in headless Chromium (Playwright's ``page`` fixture; the launch
flags are in tests/conftest.py).

The app is served from a thread with werkzeug.  Each test reads the figure the
browser actually holds: ``document.querySelector('#phase-plane .js-plotly-plot').data``.
"""

import math
import os

import pytest

from ...conftest import PLOT, TIMEOUT_MS, VIEWPORT, open_page, serve, wait_past_double_click

pytestmark = pytest.mark.browser


TRAJ_COUNT = (f"() => {{ const g = {PLOT}; return g && g.data ? g.data.filter(t => t.name && "
              "t.name.startsWith('trajectory') && !t.name.endsWith('start') && "
              "!t.name.endsWith('state')).length : -1; }")
ETA_LINE_Y = (f"() => {{ const g = {PLOT}; if (!g || !g.data) return null; "
              "const t = g.data.find(t => t.name && t.name.startsWith('ηλ = 2')); "
              "return t ? t.y[0] : null; }")


def wait_eta_line(page, lam):
    page.wait_for_function(f"() => {{ const y = ({ETA_LINE_Y})(); "
                           f"return y !== null && Math.abs(y - {lam}) < 1e-6; }}",
                           timeout=TIMEOUT_MS)


def wait_title(page, text):
    page.wait_for_function(f"() => {PLOT}.layout.title.text.includes({text!r})",
                           timeout=TIMEOUT_MS)


def wait_settled(page) -> None:
    """Wait until no callback is pending and every graph has been drawn."""
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]') && "
        "Array.from(document.querySelectorAll('.js-plotly-plot')).every("
        "g => g._fullLayout && !g._transitioning)", timeout=TIMEOUT_MS)


def test_typed_eta_changes_the_phase_plane(page, app_url):
    external = open_page(page, app_url)
    wait_eta_line(page, 2 / 1.5)
    page.fill("#eta-input", "2.5")
    page.press("#eta-input", "Enter")
    wait_eta_line(page, 0.8)
    assert page.inner_text("#two-over-eta") == "0.8"
    page.wait_for_function("() => window.location.search.includes('eta=2.5')",
                           timeout=TIMEOUT_MS)
    assert external == []


def test_moving_the_eta_slider_changes_the_phase_plane(page, app_url):
    open_page(page, app_url)
    before = page.evaluate(ETA_LINE_Y)
    # drag the handle to the right end of the η slider's track (η = 10⁴)
    track = page.locator("#eta .dash-slider-track").first.bounding_box()
    handle = page.locator("#eta [role=slider]").first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * 0.86, track["y"] + track["height"] / 2,
                    steps=8)
    page.mouse.up()
    # the plane follows the drag (app/assets/live.js): wait for the released value
    eta = page.evaluate(SLIDER_ETA)
    page.wait_for_function(f"() => {{ const y = ({ETA_LINE_Y})(); "
                           f"return y !== null && Math.abs(y - 2 / {eta}) < 1e-6 * y; }}",
                           timeout=TIMEOUT_MS)
    assert eta > 15 and 2 / eta < before / 10
    page.wait_for_function(f"() => Number(document.querySelector('#eta-input').value) === "
                           f"{eta}", timeout=TIMEOUT_MS)


def test_clicking_the_plane_adds_a_trajectory(page, app_url):
    open_page(page, app_url)
    assert page.evaluate(TRAJ_COUNT) == 1
    box = page.locator("#phase-plane .nsewdrag").first.bounding_box()
    # default window Δf ∈ [−4, 3], λ ∈ [0, 3]: (−3, 2.5) is allowed
    page.mouse.click(box["x"] + box["width"] * (1 / 7), box["y"] + box["height"] * (1 / 6))
    page.wait_for_function(f"() => ({TRAJ_COUNT})() === 2", timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.location.search.includes('traj=')",
                           timeout=TIMEOUT_MS)
    # a click in the forbidden region (bottom right) is refused with a message
    wait_past_double_click(page)
    page.mouse.click(box["x"] + box["width"] * 0.95, box["y"] + box["height"] * 0.97)
    page.wait_for_function("() => document.querySelector('#message').innerText"
                           ".includes('forbidden')", timeout=TIMEOUT_MS)
    assert page.evaluate(TRAJ_COUNT) == 2
    page.click(f"#{'clear-trajectories'}")
    page.wait_for_function(f"() => ({TRAJ_COUNT})() === 0", timeout=TIMEOUT_MS)


def test_url_state_is_restored_and_back_forward_work(page, app_url):
    query = ("?eta=0.9&width=64&preset=ntp&steps=500&layers=regions,forbidden,fixed"
             "&traj=-1:2,-3:1.5,-5:4&window=-6,2,0,5")
    open_page(page, app_url + query)
    page.wait_for_function(f"() => ({TRAJ_COUNT})() === 3", timeout=TIMEOUT_MS)
    assert page.input_value("#eta-input") == "0.9"
    assert page.input_value("#width-input") == "64"
    assert page.input_value("#n-eff-input") == "64"
    xr = page.evaluate(f"() => {PLOT}.layout.xaxis.range")
    assert xr == [-6, 2]
    names = page.evaluate(f"() => {PLOT}.data.map(t => t.name)")
    assert not any(n.startswith("ηλ = 2") for n in names)
    assert page.evaluate(f"() => {PLOT}.layout.images") == []     # no vector field
    assert page.is_checked("#layers input[value=fixed]")
    assert not page.is_checked("#layers input[value=arrows]")
    # a user change pushes history; back restores the linked state
    page.fill("#eta-input", "1.2")
    page.press("#eta-input", "Enter")
    page.wait_for_function("() => window.location.search.includes('eta=1.2')",
                           timeout=TIMEOUT_MS)
    page.go_back()
    page.wait_for_function("() => document.querySelector('#eta-input').value === '0.9'",
                           timeout=TIMEOUT_MS)
    wait_title(page, "η = 0.9,")
    page.go_forward()
    wait_title(page, "η = 1.2,")
    page.wait_for_function("() => document.querySelector('#eta-input').value === '1.2'",
                           timeout=TIMEOUT_MS)


def test_large_font_toggle(page, app_url):
    open_page(page, app_url)
    page.click("#large-font input")
    page.wait_for_function("() => document.querySelector('#app-root').classList.contains('large')"
                           " && " + PLOT + ".layout.font.size === 20", timeout=TIMEOUT_MS)


def test_screenshot_of_the_dashboard(page, app_url, tmp_path):
    """The README's picture: η above η_c = 2, so the default start sharpens
    progressively and then oscillates at the edge of stability (period 2)."""
    query = "?eta=2.2&width=16&preset=ntp&steps=300&traj=-1.5:1.2,1:2,-2:0.5"
    open_page(page, app_url + query)
    page.wait_for_function(f"() => ({TRAJ_COUNT})() === 3", timeout=TIMEOUT_MS)
    page.wait_for_function("() => { const g = document.querySelector('#timeseries "
                           ".js-plotly-plot'); return g && g.data && g.data.length >= 4; }",
                           timeout=TIMEOUT_MS)
    wait_settled(page)
    shot = os.path.join(tmp_path, "screenshot.png")   # docs/make_figures.py makes the README's
    page.screenshot(path=shot, full_page=False)
    assert os.path.getsize(shot) > 50_000
    # the main view fits the laptop viewport without scrolling
    assert page.evaluate("() => document.documentElement.scrollHeight") <= VIEWPORT["height"]


def test_csv_download(page, app_url):
    open_page(page, app_url + "?eta=1.5&steps=50")
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename == "trajectory.csv"
    with open(download.path(), encoding="utf-8") as fh:
        lines = fh.read().strip().splitlines()
    assert lines[0] == "step,df,lam,lam_hessian,loss,eta_lam" and len(lines) == 52


def test_no_callback_errors_in_dash_dev_tools(page, monkeypatch):
    """With DASH_DEBUG=1 the renderer validates props and the callback graph
    (e.g. duplicate outputs) and lists problems in its dev-tools panel."""
    from app import create_app
    monkeypatch.setenv("DASH_DEBUG", "1")
    dash_app = create_app({"warmup": False})
    monkeypatch.delenv("DASH_DEBUG")
    with serve(dash_app) as url:
        open_page(page, url)
        page.fill("#y-input", "-1.5")
        page.press("#y-input", "Enter")
        wait_title(page, "y = -1.5")
        page.click("#preset input[value=custom]")
        page.wait_for_function("() => !document.querySelector('#n-eff-input').disabled",
                               timeout=TIMEOUT_MS)
        wait_settled(page)
        # the dev tools are there to list errors (so an empty list means none)
        assert page.locator(".dash-debug-menu, .dash-debug-menu__outer").count() >= 1
        errors = page.evaluate("() => Array.from(document.querySelectorAll("
                               "'.dash-fe-error__title')).map(e => e.innerText)")
        assert errors == []


def test_zoom_recomputes_the_grid_layers_and_double_click_resets(page, app_url):
    open_page(page, app_url)
    box = page.locator("#phase-plane .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7, steps=6)
    page.mouse.up()
    page.wait_for_function("() => window.location.search.includes('window=')",
                           timeout=TIMEOUT_MS)
    # the heatmap spans exactly the new window, at full resolution
    page.wait_for_function(
        f"() => {{ const g = {PLOT}; const h = g.data[0]; const r = g.layout.xaxis.range; "
        "return h.type === 'heatmap' && h.x.length === 150 && "
        "Math.abs(h.x[0] - r[0]) < 1e-4 * (r[1] - r[0]) && r[1] - r[0] < 4; }",
        timeout=TIMEOUT_MS)
    wait_past_double_click(page)
    page.mouse.dblclick(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_function(f"() => {{ const r = {PLOT}.layout.xaxis.range; "
                           "return r[0] === -4 && r[1] === 3; }", timeout=TIMEOUT_MS)
    page.wait_for_function("() => !window.location.search.includes('window=')",
                           timeout=TIMEOUT_MS)
    assert page.evaluate(TRAJ_COUNT) == 1      # the double-click added no trajectory


#: Exports the plane as PNG twice, as it is and without its layout images, and
#: counts the pixels the images darken (the arrows are darker than anything
#: under them but the forbidden grey, where there are none).
ARROW_PIXELS = f"""async () => {{
    const g = {PLOT};
    const pixels = async (layout) => {{
        const url = await Plotly.toImage({{data: g.data, layout}},
                                         {{format: 'png', width: 900, height: 600}});
        const img = new Image();
        await new Promise((ok, bad) => {{ img.onload = ok; img.onerror = bad; img.src = url; }});
        const c = document.createElement('canvas');
        c.width = img.width; c.height = img.height;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height).data;
    }};
    const a = await pixels(g.layout), b = await pixels({{...g.layout, images: []}});
    let darker = 0, lighter = 0;
    for (let i = 0; i < a.length; i += 4) {{
        const d = (a[i] + a[i + 1] + a[i + 2]) - (b[i] + b[i + 1] + b[i + 2]);
        if (d < -30) darker++; else if (d > 30) lighter++;
    }}
    return [darker, lighter];
}}"""


def test_the_vector_field_is_one_picture_over_the_plot_that_exports(page, app_url):
    open_page(page, app_url)
    wait_settled(page)
    # one <image> of the vector field, exactly over the plot area
    sel = "#phase-plane image[*|href^='data:image/svg+xml']"
    assert page.locator(sel).count() == 1
    pic = page.locator(sel).bounding_box()
    plot = page.locator("#phase-plane .nsewdrag").first.bounding_box()
    for k in ("x", "y", "width", "height"):
        assert abs(pic[k] - plot[k]) <= 1.0, (k, pic, plot)
    # the PNG export draws the arrows: ~400 arrows of a few pixels each
    darker, lighter = page.evaluate(ARROW_PIXELS)
    assert darker > 2000 and lighter == 0, (darker, lighter)
    # and the SVG export carries the picture
    svg = page.evaluate(f"() => Plotly.toImage({PLOT}, {{format: 'svg'}})")
    assert "data:image/svg+xml;base64" in svg or "data%3Aimage%2Fsvg%2Bxml%3Bbase64" in svg


def test_active_view_lives_in_the_url_fragment(page, app_url):
    """A link with #bifurcation opens that tab; switching tabs rewrites the
    fragment, and Back returns to the previous tab."""
    page.set_viewport_size(VIEWPORT)
    page.goto(app_url + "?eta=1.7#bifurcation")   # the phase plane is not rendered: no open_page
    selected = ("() => { const t = document.querySelector('#view-tabs .tab--selected'); "
                "return t ? t.innerText : ''; }")
    page.wait_for_function(f"() => ({selected})().includes('Bifurcation')", timeout=TIMEOUT_MS)
    page.click("#view-tabs .tab:has-text('Fate map')")
    page.wait_for_function("() => location.hash === '#fate-map-tab'", timeout=TIMEOUT_MS)
    assert "eta=1.7" in page.url
    page.go_back()
    page.wait_for_function(f"() => ({selected})().includes('Bifurcation')", timeout=TIMEOUT_MS)
    page.click("#view-tabs .tab:has-text('Phase plane')")
    page.wait_for_function("() => location.hash === ''", timeout=TIMEOUT_MS)


# -- live sliders (app/assets/live.js) -------------------------------------------------

#: Installed once per page: the η of every repaint of the plane (from its
#: title) and every value the η slider held (its handle's aria-valuenow is
#: log10 η; the gate sends 10**position to 3 significant digits).
RECORD = f"""() => {{
    const g = {PLOT};
    window.__painted = [];
    window.__slider = [];
    g.on('plotly_afterplot', () => {{
        const m = /η = ([0-9.e+-]+),/.exec(g.layout.title.text);
        window.__painted.push(m ? Number(m[1]) : null);
    }});
    const handle = document.querySelector('#eta [role=slider]');
    const note = () => window.__slider.push(
        Number(Math.pow(10, Number(handle.getAttribute('aria-valuenow'))).toPrecision(3)));
    note();
    new MutationObserver(note).observe(handle, {{attributes: true,
                                                 attributeFilter: ['aria-valuenow']}});
}}"""
SLIDER_ETA = ("() => Number(Math.pow(10, Number(document.querySelector('#eta [role=slider]')"
              ".getAttribute('aria-valuenow'))).toPrecision(3))")
TITLE_ETA = f"() => Number(/η = ([0-9.e+-]+),/.exec({PLOT}.layout.title.text)[1])"


def _eta_handle(page):
    track = page.locator("#eta .dash-slider-track").first.bounding_box()
    handle = page.locator("#eta [role=slider]").first.bounding_box()
    return track, handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2


def held_drag(page, track, x, y, moves: int, start, timeout: float) -> None:
    """With the pointer held on the η handle at (x, y): ``moves`` steps of 6 %
    of the track, each waiting until the plane (``RECORD``'s ``__painted``)
    has repainted with an η other than ``start``: the plane follows the drag."""
    for k in range(1, moves + 1):
        before = page.evaluate("() => window.__painted.length")
        page.mouse.move(x + track["width"] * 0.06 * k, y, steps=4)
        page.wait_for_function(f"() => window.__painted.length > {before} && "
                               f"window.__painted[window.__painted.length - 1] !== {start}",
                               timeout=timeout)


def test_dragging_eta_repaints_the_plane_live_and_ends_on_the_released_value(page, app_url):
    open_page(page, app_url + "?eta=0.75")
    wait_title(page, "η = 0.75,")
    page.evaluate(RECORD)
    history = page.evaluate("() => history.length")
    track, x, y = _eta_handle(page)
    page.mouse.move(x, y)
    page.mouse.down()
    held_drag(page, track, x, y, 3, 0.75, TIMEOUT_MS)
    during = page.evaluate("() => window.__painted.slice()")
    page.mouse.move(x + track["width"] * 0.25, y, steps=6)
    page.mouse.up()
    # the plane, the typed input and (once the gesture is over) the URL show
    # the value under the pointer, with one history entry for the gesture
    page.wait_for_function(f"() => {{ const s = ({SLIDER_ETA})(); "
                           f"return Math.abs(({TITLE_ETA})() - s) < 1e-9 * s; }}",
                           timeout=TIMEOUT_MS)
    released = page.evaluate(SLIDER_ETA)
    page.wait_for_function(f"() => Number(document.querySelector('#eta-input').value) === "
                           f"{released}", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('eta') === "
                           f"'{released:g}'", timeout=TIMEOUT_MS)
    assert page.evaluate("() => history.length") == history + 1
    assert len(set(during)) >= 3
    seen = set(page.evaluate("() => window.__slider"))
    painted = [v for v in page.evaluate("() => window.__painted") if v is not None]
    assert all(any(math.isclose(v, s, rel_tol=1e-9) for s in seen) for v in painted), \
        (painted, sorted(seen))
    # the time series follows at the end of the gesture
    page.wait_for_function(
        "() => { const g = document.querySelector('#timeseries .js-plotly-plot'); "
        "const t = g && g.data.find(t => t.name === '2/η'); "
        f"return t && Math.abs(t.y[0] - 2 / {released}) < 1e-6; }}", timeout=TIMEOUT_MS)


def test_a_burst_of_arrow_keys_ends_on_the_final_value(page, app_url):
    open_page(page, app_url + "?eta=0.75")
    wait_title(page, "η = 0.75,")
    page.focus("#eta [role=slider]")
    for _ in range(25):
        page.keyboard.press("ArrowRight")
    # the slider may take the last key after press() returns: compare with its value then
    page.wait_for_function(f"() => {{ const s = ({SLIDER_ETA})(); "
                           f"return s > 0.75 && Math.abs(({TITLE_ETA})() - s) < 1e-9 * s; }}",
                           timeout=TIMEOUT_MS)
    final = page.evaluate(SLIDER_ETA)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('eta') === "
                           f"'{final:g}'", timeout=TIMEOUT_MS)
    assert float(page.input_value("#eta-input")) == final


def test_long_trajectory_is_a_line_without_a_marker_per_state(page, app_url):
    open_page(page, app_url + "?eta=0.75&steps=1000")
    traj = page.evaluate(f"() => {PLOT}.data.find(t => t.name && "
                         "t.name.startsWith('trajectory 1') && !t.name.endsWith('start'))")
    assert traj["mode"] == "lines" and len(traj["x"]) == 1001
    # the SVG points drawn in the whole plane: a few arrows and symbols, not 1,001
    points = page.evaluate("() => document.querySelectorAll("
                           "'#phase-plane .scatterlayer .trace .points path').length")
    assert points < 100


#: Whether the n_eff slider and its typed input are locked: [slider, input].
N_EFF_LOCKED = ("() => [document.querySelector('#n-eff [role=slider]').hasAttribute('data-disabled'),"
                " document.querySelector('#n-eff-input').disabled]")


def test_n_eff_is_locked_by_the_preset_unless_custom(page, app_url):
    open_page(page, app_url + "?preset=custom&n-eff=9")
    wait_title(page, "n_eff = 9,")
    page.wait_for_function(f"() => {N_EFF_LOCKED}().every(x => !x)", timeout=TIMEOUT_MS)
    page.click("#preset input[value=mup]")
    page.wait_for_function(f"() => {N_EFF_LOCKED}().every(x => x)", timeout=TIMEOUT_MS)
    wait_title(page, "n_eff = 1,")
    page.click("#preset input[value=custom]")
    page.wait_for_function(f"() => {N_EFF_LOCKED}().every(x => !x)", timeout=TIMEOUT_MS)
    page.fill("#n-eff-input", "4")
    page.press("#n-eff-input", "Enter")
    wait_title(page, "n_eff = 4,")
    page.click("#preset input[value=ntp]")
    page.wait_for_function(f"() => {N_EFF_LOCKED}().every(x => x)", timeout=TIMEOUT_MS)
