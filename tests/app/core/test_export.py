"""app.core.export: the header's PNG/SVG choice reaches every graph at once.

The browser test clicks the camera of every graph of every view after
choosing SVG, without anything being recomputed, and reads the file Chromium
downloads.
"""

import pytest
from dash import dcc, html

from app.core import export, ids
from app.core.registry import View
from tests.app.conftest import PLOT, TIMEOUT_MS, open_page

#: Wait for the first phase plane at the large font (a loaded 2-core machine).
PAGE_MS = 45_000

#: The graphs of the dashboard's views, by tab (written out: a view that adds a
#: graph must show up here).
GRAPHS = {
    "phase-plane-tab": ["phase-plane", "timeseries"],
    "bifurcation": ["bifurcation-graph", "bifurcation-cobweb"],
    "universality": ["universality-graph"],
    "fate-map-tab": ["fate-map"],
    "eta-max-tab": ["eta-max-graph"],
    "networks": ["networks-graph"],
}
#: Tab labels, to click.
LABELS = {"phase-plane-tab": "Phase plane", "bifurcation": "Bifurcation",
          "universality": "Universality", "fate-map-tab": "Fate map",
          "eta-max-tab": "η_max map", "networks": "Real networks"}


def test_graph_ids_finds_every_graph_once_in_order():
    tree = html.Div([dcc.Graph(id="a"), html.Div(html.Section([dcc.Graph(id="b"),
                                                                html.Span("text")])),
                     dcc.Store(id="not-a-graph"), dcc.Graph(id="a")])
    assert export.graph_ids([tree, html.Div(dcc.Graph(id="c"))]) == ["a", "b", "c"]
    assert export.graph_ids([html.Div("no graph")]) == []


def test_the_views_graphs_are_the_outputs_of_one_callback(dash_app):
    from app.views import load
    found = {v.value: export.graph_ids([v.layout()]) for v in load()}
    assert {k: v for k, v in found.items() if v} == GRAPHS
    keys = [k for k in dash_app.callback_map if ".config" in k]
    assert len(keys) == 1, keys
    outputs = {part.rsplit(".", 1)[0] for part in keys[0].strip(".").split("...")}
    assert outputs == {g for gs in GRAPHS.values() for g in gs}


def test_no_graph_no_callback():
    class App:
        calls = 0

        def clientside_callback(self, *args, **kwargs):
            App.calls += 1
    export.register_callbacks(App(), [View("x", "x-tab", lambda: html.Div("nothing"))])
    assert App.calls == 0


def _camera_download(page, graph: str):
    """Click the camera of ``graph``'s modebar; the Download Chromium saves."""
    host = page.locator(f"#{graph}")
    host.hover()
    button = host.locator(".modebar-btn[data-title^='Download plot']")
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    return info.value


@pytest.mark.browser
def test_svg_applies_at_once_to_every_graph_of_every_view(page, app_url):
    """SVG chosen once: every camera saves an .svg file whose content is SVG,
    in every view, at 1366×768 with the large font, with nothing recomputed."""
    open_page(page, app_url + "?large=1", {"width": 1366, "height": 768}, PAGE_MS)
    page.click(f"#{ids.EXPORT_FORMAT} >> text=SVG")
    for tab, graphs in GRAPHS.items():
        page.click(f"#{ids.VIEW_TABS} >> text={LABELS[tab]}")
        for graph in graphs:
            page.wait_for_function(
                f"() => {{ const g = document.querySelector('#{graph} .js-plotly-plot');"
                " return g && g._fullLayout && g.querySelector('.modebar'); }",
                timeout=30_000)
            dl = _camera_download(page, graph)
            assert dl.suggested_filename.endswith(".svg"), (graph, dl.suggested_filename)
            with open(dl.path(), encoding="utf-8") as fh:
                head = fh.read(400)
            assert head.lstrip().startswith("<svg") and "http://www.w3.org/2000/svg" in head, \
                (graph, head[:80])
    # and back to PNG, on a graph drawn long ago
    page.click(f"#{ids.EXPORT_FORMAT} >> text=PNG")
    page.click(f"#{ids.VIEW_TABS} >> text={LABELS['bifurcation']}")
    dl = _camera_download(page, "bifurcation-graph")
    assert dl.suggested_filename.endswith(".png")
    with open(dl.path(), "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
def test_the_chosen_format_is_kept_across_a_reload(page, app_url):
    open_page(page, app_url, timeout=PAGE_MS)
    page.click(f"#{ids.EXPORT_FORMAT} >> text=SVG")
    page.reload()
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g._fullLayout && "
                           "g.querySelector('.modebar'); }", timeout=PAGE_MS)
    assert page.is_checked(f"#{ids.EXPORT_FORMAT} input[value=svg]")
    dl = _camera_download(page, "phase-plane")
    assert dl.suggested_filename.endswith(".svg")
    page.click(f"#{ids.EXPORT_FORMAT} >> text=PNG")   # leave the browser as found
