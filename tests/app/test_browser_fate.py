"""Fate map, teaching presets and imported traces in headless Chromium.

Same pattern as test_browser.py (helpers in conftest.py): the app is served
from a thread and each test reads what the browser actually holds.
"""

import pytest

from app.core import ids

from .conftest import PLOT, TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser

FATE = "document.querySelector('#fate-map .js-plotly-plot')"
SERIES = "document.querySelector('#timeseries .js-plotly-plot')"
#: Rows of the fate map's heatmap (−1 while there is none).
HEATMAP_ROWS = (f"() => {{ const g = {FATE}; return g && g.data && g.data.length && "
                "g.data[0].type === 'heatmap' ? g.data[0].z.length : -1; }")
TRAJ_NAMES = (f"() => {{ const g = {PLOT}; return g && g.data ? g.data.map(t => t.name)"
              ".filter(n => n && n.startsWith('trajectory') && !n.endsWith('start') && "
              "!n.endsWith('state')) : []; }")


def open_tab(page, label):
    page.locator(".tab", has_text=label).first.click()


def wait_message(page, element_id, text):
    page.wait_for_function(f"() => {{ const e = document.getElementById({element_id!r}); "
                           f"return e && e.innerText.includes({text!r}); }}", timeout=TIMEOUT_MS)


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
    # another preset: its window and start
    open_tab(page, "Presets")
    page.click(f"#{ids.teaching_button('no-eos')}")
    page.wait_for_function("() => document.querySelector('#eta-input') && "
                           "document.querySelector('#eta-input').value === '0.9'",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {PLOT}.layout.xaxis.range[0] === -8", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => ({TRAJ_NAMES})()[0].includes('converged')",
                           timeout=TIMEOUT_MS)
    assert external == []


def test_fate_map_heatmap_click_fine_map_and_csv(page, app_url):
    external = open_page(page, app_url)
    open_tab(page, "Fate map")
    page.wait_for_function(f"() => ({HEATMAP_ROWS})() === 80", timeout=TIMEOUT_MS)
    names = page.evaluate(f"() => {FATE}.data.map(t => t.name)")
    assert "converged (line I)" in names and "diverged" in names
    assert "forbidden (no weights)" in names
    assert any(n.startswith("trajectory 1") for n in names)
    wait_message(page, ids.FATE_STATUS, "80×80 starts")

    # default window Δf ∈ [−4, 3], λ ∈ [0, 3]: bottom right is forbidden, (−3, 2.5) is not
    box = page.locator("#fate-map .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.95, box["y"] + box["height"] * 0.97)
    wait_message(page, ids.FATE_STATUS, "forbidden region")
    page.wait_for_timeout(600)  # not a double-click
    page.mouse.click(box["x"] + box["width"] * (1 / 7), box["y"] + box["height"] * (1 / 6))
    page.wait_for_function(f"() => {FATE}.data.some(t => t.name && "
                           "t.name.startsWith('trajectory 2'))", timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.location.search.includes('traj=')",
                           timeout=TIMEOUT_MS)

    # the fine map runs in the background, with progress, and replaces the map
    page.click(f"#{ids.FATE_FINE}")
    page.wait_for_function(f"() => ({HEATMAP_ROWS})() === 300", timeout=60_000)
    wait_message(page, ids.FATE_STATUS, "300×300 starts")
    assert page.get_attribute(f"#{ids.FATE_FINE_PROGRESS}", "max") not in (None, "1")
    with page.expect_download(timeout=60_000) as info:
        page.click(f"#{ids.FATE_DOWNLOAD_CSV}")
    download = info.value
    assert download.suggested_filename == "fate-map.csv"
    with open(download.path(), encoding="utf-8") as fh:
        lines = fh.read().strip().splitlines()
    assert lines[0] == "df0,lam0,kind,period,lyapunov"
    assert len(lines) == 1 + 300 * 300 + 1 and lines[-1].startswith("# eta=1.5")
    assert external == []


CSV = ("step,df,lam,lam_h\n" + "\n".join(f"{t},{-2 + 0.01 * t},{0.5 + 0.004 * t},"
                                         f"{0.6 + 0.004 * t}" for t in range(200)) + "\n")


def test_upload_draws_the_imported_trace_and_clear_removes_it(page, app_url):
    open_page(page, app_url)
    open_tab(page, "Import")
    upload = f"#{ids.IMPORT_UPLOAD} input[type=file]"
    page.set_input_files(upload, files=[{"name": "bad.csv", "mimeType": "text/csv",
                                         "buffer": b"a,b,c\n1,2,3\n"}])
    wait_message(page, ids.IMPORT_STATUS, "missing step, df, lam")
    # a file larger than the server accepts is refused in the browser, with a message
    big = b"step,df,lam\n" + b"0,0,0\n" * 250_000
    page.set_input_files(upload, files=[{"name": "big.csv", "mimeType": "text/csv",
                                         "buffer": big}])
    wait_message(page, ids.IMPORT_STATUS, "larger than this server's limit")
    page.set_input_files(upload, files=[{"name": "run.csv", "mimeType": "text/csv",
                                         "buffer": CSV.encode()}])
    # the view switches to the phase plane, which shows the trace; so does the time series
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data.some(t => "
                           "t.name === 'imported: run.csv'); }", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {{ const g = {SERIES}; return g && g.data.some(t => "
                           "t.name === 'imported: run.csv (λ)'); }", timeout=TIMEOUT_MS)
    n = page.evaluate(f"() => {PLOT}.data.find(t => t.name === 'imported: run.csv').x.length")
    assert n == 200
    # the trace stays when the parameters change
    page.fill("#eta-input", "0.8")
    page.press("#eta-input", "Enter")
    page.wait_for_function(f"() => {PLOT}.layout.title.text.includes('η = 0.8,')",
                           timeout=TIMEOUT_MS)
    assert page.evaluate(f"() => {PLOT}.data.some(t => t.name === 'imported: run.csv')")
    open_tab(page, "Import")
    page.click(f"#{ids.IMPORT_CLEAR}")
    wait_message(page, ids.IMPORT_STATUS, "removed")
    open_tab(page, "Phase plane")
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && "
                           "!g.data.some(t => t.name && t.name.startsWith('imported')); }",
                           timeout=TIMEOUT_MS)
