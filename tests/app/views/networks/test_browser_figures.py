"""The paper's figures of the Real networks view fit a projector's screen
(headless Chromium): Fig 1, Fig 4 and Fig 5 at a small scale, at 1280×720,
1366×768 and 1440×900, with and without large font.

For each figure: the title, axis titles, panel titles and legend lie in the
graph and apart (:func:`assert_texts_fit`), no colour bar covers a panel,
every panel is at least :data:`MIN_PANEL` of the viewport tall, and the
lab's left panel (the UV model's controls, which no network reads) gives
the view its width.
"""

import re

import pytest

from app.core import ids

from ...conftest import TIMEOUT_MS, assert_texts_fit, open_page

pytestmark = pytest.mark.browser

GRAPH = f"#{ids.NETWORKS_GRAPH} .js-plotly-plot"
#: Experiment → (its radio's label, its panels, the controls it is run with).
FIGURES = {
    "fig1": ("Fig 1", 2, {ids.NETWORKS_SCALE: "0.02"}),
    "fig4": ("Fig 4", 3, {ids.NETWORKS_SCALE: "0.02"}),
    "fig5": ("Fig 5", 3, {ids.NETWORKS_SCALE: "0.02", ids.NETWORKS_C_POINTS: "3"}),
}
#: Least height of a panel, as a share of the viewport's (as in test_projector).
MIN_PANEL = 0.12
SIZES = [(1440, 900), (1366, 768), (1280, 720)]
#: A run of a figure at scale 0.02 takes seconds; the first waits for the job
#: machinery too.
RUN_MS = 120_000

GEOMETRY = """(sel) => {
    const g = document.querySelector(sel);
    const box = e => { const r = e.getBoundingClientRect();
                       return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
    const areas = [...g.querySelectorAll('.nsewdrag')].map(box);
    const bars = [...g.querySelectorAll('.colorbar')].map(box);
    const controls = document.querySelector('.main > .controls');
    return {areas, bars, controls: controls ? controls.getBoundingClientRect().width : 0,
            status: document.getElementById('networks-status').innerText};
}"""


def _run(page, experiment: str) -> None:
    label, _, controls = FIGURES[experiment]
    page.locator(f"#{ids.NETWORKS_EXPERIMENT} label").filter(
        has_text=re.compile(f"^{re.escape(label)}$")).click()
    for cid, value in controls.items():
        page.fill(f"#{cid}", value)
        page.press(f"#{cid}", "Enter")
    page.wait_for_function(f"() => document.getElementById('{ids.NETWORKS_PLAN}').innerText"
                           f".startsWith('{label} at scale 0.02')", timeout=TIMEOUT_MS)
    page.click(f"#{ids.NETWORKS_RUN}")
    # the figure of this experiment, drawn after the run (its title names it)
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{GRAPH}'); return g && g.layout && "
        f"(g.layout.annotations || []).some(a => a.name === 'title' && "
        f"a.text.startsWith('{label} (')) && /^(Done|Cached)/.test(document.getElementById("
        f"'{ids.NETWORKS_STATUS}').innerText); }}", timeout=RUN_MS)


def _overlaps(a, b) -> bool:
    return a["l"] < b["r"] - 1 and b["l"] < a["r"] - 1 and a["t"] < b["b"] - 1 \
        and b["t"] < a["b"] - 1


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_papers_figures_fit_the_screen(page, networks_url, size, large):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_page(page, networks_url + ("?large=1" if large else ""), timeout=45_000)
    page.locator(".tab", has_text="Real networks").first.click()
    page.wait_for_selector(f"#{ids.NETWORKS_RUN}", timeout=TIMEOUT_MS)
    for experiment, (label, panels, _) in FIGURES.items():
        _run(page, experiment)
        what = f"{label} at {size[0]}×{size[1]}{' large' if large else ''}"
        assert_texts_fit(page, GRAPH, what)
        got = page.evaluate(GEOMETRY, GRAPH)
        assert got["controls"] == 0, f"{what}: the UV model's panel takes the view's width"
        assert len(got["areas"]) == panels, what
        for a in got["areas"]:
            assert a["b"] - a["t"] >= MIN_PANEL * size[1], f"{what}: a panel {a} is too short"
        for bar in got["bars"]:
            assert not any(_overlaps(bar, a) for a in got["areas"]), \
                f"{what}: a colour bar {bar} covers a panel"
