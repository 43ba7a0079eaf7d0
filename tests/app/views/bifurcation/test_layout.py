"""Components of the Bifurcation view (app.views.bifurcation.layout) and the
clientside functions its callbacks name (app/assets/bifurcation.js)."""

import re
from pathlib import Path

from app.core import ids
from app.shell import jobs
from app.views.bifurcation import layout

ASSET = Path(__file__).resolve().parents[4] / "app" / "assets" / "bifurcation.js"
PUBLIC_IDS = (ids.BIFURCATION_QUANTITY, ids.BIFURCATION_EOS_START, ids.BIFURCATION_GUIDES,
              ids.BIFURCATION_FINE, ids.BIFURCATION_FINE_CANCEL, ids.BIFURCATION_FINE_PROGRESS,
              ids.BIFURCATION_DOWNLOAD_CSV, ids.BIFURCATION_DOWNLOAD, ids.BIFURCATION_GRAPH,
              ids.BIFURCATION_COBWEB, ids.BIFURCATION_MESSAGE, ids.BIFURCATION_WINDOW,
              ids.BIFURCATION_ZOOM, ids.BIFURCATION_CLICK,
              jobs.progress_label_id(ids.BIFURCATION_FINE_PROGRESS))


def component_ids(node, out=None):
    out = [] if out is None else out
    if getattr(node, "id", None) is not None:
        out.append(node.id)
    children = getattr(node, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            component_ids(child, out)
    return out


def test_layout_holds_every_public_id_once():
    found = component_ids(layout.make_layout())
    assert sorted(found) == sorted(PUBLIC_IDS)


def test_clientside_functions_exist_in_the_asset(dash_app):
    names = {c["clientside_function"]["function_name"] for c in dash_app._callback_list
             if (c.get("clientside_function") or {}).get("namespace") == "bifurcation"}
    assert names == {"zoom_filter", "click_filter"}
    text = ASSET.read_text()
    assert "window.dash_clientside.bifurcation" in text
    for name in names:
        assert re.search(rf"\b{name}\s*:\s*(async\s+)?function\b", text), name
