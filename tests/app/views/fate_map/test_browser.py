"""The fate map in headless Chromium: the heatmap, what its hover says, a
click's start added by the phase plane (or refused there), the fine map and
the CSV.  The app is served from a thread (tests/app/conftest.py) and each
test reads what the browser actually holds."""

import pytest

from app.core import ids

from ...conftest import TIMEOUT_MS, open_page, wait_past_double_click

pytestmark = pytest.mark.browser

FATE = "document.querySelector('#fate-map .js-plotly-plot')"
#: Rows of the fate map's heatmap (−1 while there is none).
HEATMAP_ROWS = (f"() => {{ const g = {FATE}; return g && g.data && g.data.length && "
                "g.data[0].type === 'heatmap' ? g.data[0].z.length : -1; }")
#: Trajectories drawn on the fate map.
FATE_TRAJECTORIES = (f"() => {FATE}.data.filter(t => t.name && t.name.startsWith('trajectory')"
                     " && !t.name.endsWith('start') && !t.name.endsWith('state')).length")


def open_tab(page, label):
    page.locator(".tab", has_text=label).first.click()


def wait_text(page, element_id, text):
    page.wait_for_function(f"() => {{ const e = document.getElementById({element_id!r}); "
                           f"return e && e.innerText.includes({text!r}); }}", timeout=TIMEOUT_MS)


def hover_says(page, x, y, text):
    """Move the mouse to (x, y) and wait for the fate map's hover label to say ``text``."""
    page.mouse.move(x, y)
    page.wait_for_function(f"() => {{ const h = document.querySelector('#fate-map .hoverlayer');"
                           f" return h && h.textContent.includes({text!r}); }}",
                           timeout=TIMEOUT_MS)


def test_fate_map_heatmap_hover_click_fine_map_and_csv(page, app_url):
    external = open_page(page, app_url)
    open_tab(page, "Fate map")
    page.wait_for_function(f"() => ({HEATMAP_ROWS})() === 80", timeout=TIMEOUT_MS)
    names = page.evaluate(f"() => {FATE}.data.map(t => t.name)")
    assert "converged (line I)" in names and "diverged" in names
    assert "forbidden (no weights)" in names
    assert page.evaluate(FATE_TRAJECTORIES) == 1
    wait_text(page, ids.FATE_STATUS, "80×80 starts")

    # default window Δf ∈ [−4, 3], λ ∈ [0, 3]: bottom right is forbidden, (−3, 2.5) is not
    box = page.locator("#fate-map .nsewdrag").first.bounding_box()
    forbidden = (box["x"] + box["width"] * 0.95, box["y"] + box["height"] * 0.97)
    allowed = (box["x"] + box["width"] * (1 / 7), box["y"] + box["height"] * (1 / 6))
    hover_says(page, *forbidden, "a click here is refused")
    assert "start a trajectory" not in page.text_content("#fate-map .hoverlayer")
    page.mouse.click(*forbidden)
    # the phase plane refuses the start, says why, and adds nothing
    wait_text(page, ids.MESSAGE, "forbidden region")
    assert page.evaluate(FATE_TRAJECTORIES) == 1
    wait_past_double_click(page, FATE)
    hover_says(page, *allowed, "click: start a trajectory here")
    page.mouse.click(*allowed)
    page.wait_for_function(f"() => ({FATE_TRAJECTORIES})() === 2", timeout=TIMEOUT_MS)
    page.wait_for_function("() => (new URLSearchParams(window.location.search).get('traj') "
                           "|| '').split(',').length === 2", timeout=TIMEOUT_MS)

    # the fine map runs in the background, with progress, and replaces the map
    page.click(f"#{ids.FATE_FINE}")
    page.wait_for_function(f"() => ({HEATMAP_ROWS})() === 300", timeout=60_000)
    wait_text(page, ids.FATE_STATUS, "300×300 starts")
    assert page.get_attribute(f"#{ids.FATE_FINE_PROGRESS}", "max") not in (None, "1")
    wait_text(page, f"{ids.FATE_FINE_PROGRESS}-label", "fine map, 300×300 starts: 100 %")
    with page.expect_download(timeout=60_000) as info:
        page.click(f"#{ids.FATE_DOWNLOAD_CSV}")
    download = info.value
    assert download.suggested_filename == "fate-map.csv"
    with open(download.path(), encoding="utf-8") as fh:
        lines = fh.read().strip().splitlines()
    assert lines[0] == "df0,lam0,kind,period,lyapunov"
    assert len(lines) == 1 + 300 * 300 + 1 and lines[-1].startswith("# eta=1.5")
    assert external == []
