"""PNG or SVG from every graph's camera button, chosen once in the header.

The radio ``export-format`` sets ``toImageButtonOptions.format`` of every
``dcc.Graph`` of every view, at once.  It is one clientside callback
(``export.apply`` in app/assets/export.js) whose outputs are the ``config``
of every graph the views' layouts hold: a view adds nothing to take part.
Why clientside, and why it also touches the drawn plot: a ``dcc.Graph``
replots when its figure changes, not when only its ``config`` does, so a
server callback writing ``config`` made the choice count only after the next
recomputation.  The defaults of a graph's config are
:func:`app.core.theme.graph_config`.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from dash import ClientsideFunction, Input, Output, State, dcc

from . import ids
from .registry import View

__all__ = ["FORMATS", "graph_ids", "register_callbacks"]

#: Formats of the radio ``export-format`` (the first is the default).
FORMATS = ("png", "svg")


def _walk(component) -> Iterator:
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def graph_ids(components: Iterable) -> list[str]:
    """Ids of every ``dcc.Graph`` in the component trees, in order, each once."""
    out: list[str] = []
    for top in components:
        for c in _walk(top):
            gid = getattr(c, "id", None)
            if isinstance(c, dcc.Graph) and isinstance(gid, str) and gid not in out:
                out.append(gid)
    return out


def register_callbacks(app, views: Iterable[View]) -> None:
    """The export format follows the radio on every graph of ``views``' layouts."""
    graphs = graph_ids(v.layout() for v in views)
    if not graphs:
        return
    app.clientside_callback(ClientsideFunction("export", "apply"),
                            [Output(g, "config") for g in graphs],
                            Input(ids.EXPORT_FORMAT, "value"),
                            # on load too: the radio keeps its value across
                            # reloads (persistence), SVG included
                            [State(g, "config") for g in graphs])
