"""Pieces every figure of the Real networks view shares: colours, panel
domains and axis names, line styles, the common layout, and the reading of
payload numbers (``None`` is a missing value)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ...core import theme
from ...core.figures import wrap_words

__all__ = ["RUN_COLORS", "ETA_HALF_COLORSCALE", "ETA_HALF_RANGE", "ACCURACY_COLORSCALE", "GAP",
           "GAP_TITLED", "num", "finite", "scaled", "domains", "axis_names", "line_style",
           "uv_factor", "panel_layout", "legend_below", "wrap_title", "positive",
           "style_legend", "log_axis"]

#: One colour per network of a figure (Okabe–Ito: vermillion, blue, green).
RUN_COLORS = (theme.VERMILLION, theme.BLUE, theme.GREEN)
#: ηλᴴ/2 (diverging at the edge of stability, ηλᴴ/2 = 1, drawn white) on [0, 2].
ETA_HALF_COLORSCALE = [[0.0, theme.BLUE], [0.5, "#ffffff"], [1.0, theme.VERMILLION]]
ETA_HALF_RANGE = (0.0, 2.0)
ACCURACY_COLORSCALE = [[0.0, "#ffffff"], [1.0, theme.GREEN]]
#: Gap between side-by-side panels (fraction of the width): room for the
#: right panel's tick labels and axis title, more in large font.
GAP = 0.08
GAP_TITLED = {False: 0.13, True: 0.19}


def num(v: Any) -> float:
    """A payload number as a float (None → NaN)."""
    return math.nan if v is None else float(v)


def finite(v: Any) -> bool:
    """``v`` is a number and finite (None is not)."""
    return v is not None and math.isfinite(float(v))


def scaled(values: Sequence, factor: float) -> list:
    """``values`` times ``factor`` (None stays None)."""
    return [None if v is None else float(v) * factor for v in values]


def domains(n: int, gap: float = GAP, right: float = 1.0) -> list[list[float]]:
    """Paper x-domains of ``n`` side-by-side panels ``gap`` apart within [0, right]."""
    width = (right - gap * (n - 1)) / n
    return [[i * (width + gap), i * (width + gap) + width] for i in range(n)]


def axis_names(i: int) -> tuple[str, str, str, str]:
    """("x", "y", "xaxis", "yaxis") of the i-th panel (0 → x/y, 1 → x2/y2 …)."""
    s = "" if i == 0 else str(i + 1)
    return f"x{s}", f"y{s}", f"xaxis{s}", f"yaxis{s}"


def line_style(color: str, large: bool, dash: str = "solid", width: float | None = None) -> dict:
    """A Plotly line dict (theme width unless ``width``)."""
    return {"color": color, "width": theme.LINE_WIDTH[large] if width is None else width,
            "dash": dash}


def uv_factor(run: dict) -> float:
    """η_UV/η of a run: the factor putting the UV model's λᴴ on the network's scale."""
    uv = run.get("uv") or {}
    if not finite(uv.get("eta")) or not finite(run.get("eta")) or not run["eta"] > 0:
        return 1.0
    return float(uv["eta"]) / float(run["eta"])


#: Characters a title line holds: the graph is about 880 px wide on a
#: projector's 1280×720 (the lab's left panel gives this view its width),
#: the title at the theme's font size.
TITLE_LINE = {False: 96, True: 68}
#: Pixels under the panels for the axes' tick labels and titles, and per row
#: of the legend below them (:data:`LEGEND_COLUMNS` entries a row).
BELOW_AXES = {False: 58, True: 80}
LEGEND_ROW = {False: 19, True: 27}
#: Legend entries a row: the view takes the width of the screen less its
#: column of controls (≥ 880 px from 1280 up), room for three of the longest
#: ("UV model (dashed)") in large font.
LEGEND_COLUMNS = 3


def wrap_title(title: str, large: bool) -> str:
    """``title`` broken into lines (``<br>``) after its commas and colons, each
    at most :data:`TITLE_LINE` characters where the words allow."""
    clauses = title.replace(": ", ":\0").replace(", ", ",\0").split("\0")
    return "<br>".join(wrap_words(title, TITLE_LINE[large], clauses))


#: Height of a line of text, in font sizes (Plotly's annotations: measured
#: 17 px at 13 px, 26 px at 20 px).
LINE_EM = 1.3
#: Pixels between the plot area's top and the title's last line.
TITLE_GAP = 8


def panel_layout(large: bool, title: str, height: int | None = None,
                 row_above: int = 0) -> dict:
    """The theme layout with a title (wrapped, :func:`wrap_title`) and the
    legend below the panels (:func:`legend_below` sets its room).

    The title is an annotation standing on the plot area's top edge,
    ``row_above`` pixels higher (a row of panel titles goes between): Plotly's
    own title is centred in the top margin, or with ``yanchor`` "top" lifted
    by a line once it has two, so its lines reached the panels or left the
    graph.  The top margin holds its lines exactly.
    """
    lay = theme.base_layout(large)
    text = wrap_title(title, large)
    size = theme.FONT_SIZE[large]
    lay.update({"showlegend": True,
                "legend": {**lay["legend"], "orientation": "h", "x": 0.0, "y": 0.0,
                           "xanchor": "left", "yanchor": "bottom", "yref": "container",
                           # a third of the plot area less the legend's padding
                           "entrywidth": 0.95 / LEGEND_COLUMNS, "entrywidthmode": "fraction"},
                "annotations": [{"name": "title", "text": text, "xref": "paper", "x": 0.5,
                                 "xanchor": "center", "yref": "paper", "y": 1.0,
                                 "yanchor": "bottom", "yshift": TITLE_GAP + row_above,
                                 "showarrow": False, "font": {"size": size}}]})
    lines = text.count("<br>") + 1
    lay["margin"] = {**lay["margin"], "b": BELOW_AXES[large] + 2 * LEGEND_ROW[large],
                     "t": math.ceil(TITLE_GAP + row_above + lines * LINE_EM * size) + 6}
    if height is not None:
        lay["height"] = height
    return lay


def legend_below(lay: dict, data: Sequence[dict], large: bool) -> dict:
    """Room under the panels for the tick labels, the axis titles and the
    legend's rows (:data:`LEGEND_COLUMNS` a row) at the bottom of the graph, so none
    overlaps another however short the graph.  Returns ``lay``."""
    entries = sum(1 for t in data if t.get("showlegend", t.get("type") != "heatmap"))
    rows = max(1, math.ceil(entries / LEGEND_COLUMNS))
    lay["margin"]["b"] = BELOW_AXES[large] + rows * LEGEND_ROW[large]
    return lay


def positive(values) -> list[float]:
    """The finite positive values (what a log axis can draw)."""
    return [float(v) for v in values or [] if finite(v) and float(v) > 0]


def style_legend(large: bool) -> list[dict]:
    """Legend entries explaining the line styles (one per style, not per run)."""
    out = []
    for name, dash in (("network (solid)", "solid"), ("UV model (dashed)", "dash"),
                       ("2/η (dash-dot)", "dashdot")):
        out.append({"type": "scatter", "mode": "lines", "name": name, "x": [None],
                    "y": [None], "xaxis": "x", "yaxis": "y", "hoverinfo": "skip",
                    "legendgroup": "styles", "line": line_style(theme.GRAY, large, dash)})
    return out


def log_axis(log_range: Sequence[float] | None) -> dict:
    """A log axis over ``log_range`` (log10 units; None: Plotly's autorange) whose
    tick labels carry their decade (:func:`app.core.theme.log_ticks`)."""
    if not log_range:
        return {"type": "log", "exponentformat": "power"}
    a, b = float(log_range[0]), float(log_range[1])
    return {"type": "log", "range": [a, b], **theme.log_ticks(10.0 ** a, 10.0 ** b)}
