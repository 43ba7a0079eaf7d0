"""One place for the dashboard's look: colours, fonts and figure defaults.

Colours are the Okabe–Ito palette (distinguishable with the common forms of
colour blindness).  Region tints are pale versions so trajectories and curves
drawn on top stay readable.  Nothing here imports Dash.
"""

from __future__ import annotations

import math

#: Okabe–Ito palette.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GRAY = "#999999"

#: Region fills of spec §2.5 (heatmap colours; forbidden cells are transparent
#: in the heatmap and shaded by the separate forbidden polygon).
REGION_COLORS = {
    0: "rgba(0,0,0,0)",              # forbidden (drawn by the forbidden layer)
    1: "rgba(86,180,233,0.38)",      # loss increases (catapult): blue
    2: "rgba(0,158,115,0.30)",       # sharpness reduction: green
    3: "rgba(240,228,66,0.45)",      # progressive sharpening: yellow
}
FORBIDDEN_FILL = "rgba(120,120,120,0.55)"
FORBIDDEN_EDGE = "#555555"

#: Curves of the phase plane.
PARABOLA = BLUE          # Δf' = Δf nullcline
HYPERBOLA = ORANGE       # λ' = λ nullcline
LINE_I = BLACK           # zero-loss line
ETA_LINE = PURPLE        # λ = 2/η
ARROWS = "#444444"

#: Trajectory colours, cycled: vermillion, then Paul Tol's colour-blind-safe
#: indigo, wine, dark green, teal, olive (none is a region tint or a curve colour).
TRAJECTORY_COLORS = (VERMILLION, "#332288", "#882255", "#117733", "#44AA99", "#999933")
PARAMSPACE = ORANGE

#: Fixed-point marker symbol per stability label.
STABILITY_SYMBOLS = {
    "stable": "circle",
    "unstable": "circle-open",
    "saddle": "x-thin-open",
    "marginal": "diamond-open",
}
STABILITY_SIZES = {"stable": 13, "unstable": 13, "saddle": 14, "marginal": 14}

FONT_FAMILY = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', "
               "'Liberation Sans', Arial, sans-serif")
#: Base font size of figures: normal and large (projector) mode.
FONT_SIZE = {False: 13, True: 20}
LINE_WIDTH = {False: 2.0, True: 3.0}


def font(large: bool = False) -> dict:
    return {"family": FONT_FAMILY, "size": FONT_SIZE[bool(large)], "color": "#222222"}


def base_layout(large: bool = False) -> dict:
    """Layout defaults shared by every figure (a plain dict, merged by callers)."""
    return {
        "font": font(large),
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "margin": {"l": 70 if large else 60, "r": 20, "t": 40 if large else 30,
                   "b": 60 if large else 50},
        "legend": {"bgcolor": "rgba(255,255,255,0.8)", "bordercolor": "#cccccc",
                   "borderwidth": 1, "font": {"size": FONT_SIZE[bool(large)] - 2}},
        "hoverlabel": {"font": {"size": FONT_SIZE[bool(large)]}},
    }


def axis(title: str, large: bool = False, **extra) -> dict:
    """Axis defaults: light grid, black zero line, title."""
    out = {
        "title": {"text": title},
        "showgrid": True, "gridcolor": "#e5e5e5",
        "zeroline": True, "zerolinecolor": "#bbbbbb",
        "showline": True, "linecolor": "#444444", "mirror": True,
        "ticks": "outside",
        "automargin": True,
        # labels sit outside the plot and automargin makes room for them, so
        # none can overflow; Plotly's overflow check measures every label on
        # every redraw (about a fifth of the phase plane's Plotly.react)
        "ticklabeloverflow": "allow",
    }
    out.update(extra)
    return out


#: Plotly config for every graph: no external links, PNG/SVG export buttons.
def graph_config(filename: str, fmt: str = "png") -> dict:
    return {
        "displaylogo": False,
        "showLink": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "plotlyServerURL": "",
        "scrollZoom": False,
        "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    }


GUIDE_COLOR = "#444444"


# -- log axes ------------------------------------------------------------------------------

#: Mantissas labelled per decade, densest first: the first that gives between 2
#: and ``max_ticks`` ticks in the range is used.
LOG_MANTISSAS = ((1, 2, 5), (1, 3), (1,))
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade(v: float) -> tuple[float, int]:
    """(mantissa in [1, 10), exponent) of v > 0, robust to 3e-1 = 0.30000000000000004."""
    e = math.floor(math.log10(v) + 1e-9)
    m = float(f"{v / 10.0 ** e:.6g}")
    return (m / 10, e + 1) if m >= 10 else (m, e)


def log_tick_text(values) -> list[str]:
    """Labels of log-axis ticks, each carrying its decade.

    Plain numbers (``0.5``, ``2``, ``5000``) when every value lies in
    [1e-3, 1e4); else powers for all of them (``10⁻⁵``, ``2×10⁻⁵``, ``10⁰``), so
    one axis never mixes the two.
    """
    values = [float(v) for v in values]
    if all(1e-3 <= v < 1e4 for v in values):
        return [f"{float(f'{v:.6g}'):g}" for v in values]
    out = []
    for v in values:
        m, e = _decade(v)
        power = "10" + str(e).translate(_SUPERSCRIPT)
        out.append(power if m == 1 else f"{m:g}×{power}")
    return out


def log_ticks(lo: float, hi: float, max_ticks: int = 8) -> dict:
    """Ticks of a log axis showing [lo, hi] (data units) whose every label says
    its value with its decade.

    Plotly's own labels on log axes name the minor ticks by their mantissa only
    ("2, 10, 5, 2, 1, 5", the last 5 meaning 0.5).  These are 1, 2, 5 per decade
    (or 1, 3, or 1, whichever first gives 2 … ``max_ticks`` ticks; every k-th
    decade on long ranges; 1 … 9 inside a single decade), labelled by
    :func:`log_tick_text`.  Merge the result into the axis dict; ``{}`` (Plotly's
    defaults) when the range is not usable or too narrow for two such ticks.
    """
    if not (lo > 0 and hi > lo and math.isfinite(lo) and math.isfinite(hi)):
        return {}
    d0, d1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    a, b = lo * (1 - 1e-9), hi * (1 + 1e-9)

    def within(mantissas, decades) -> list[float]:
        vals = (float(f"{m * 10.0 ** d:.12g}") for d in decades for m in mantissas)
        return [v for v in vals if a <= v <= b]

    for mantissas in LOG_MANTISSAS:
        vals = within(mantissas, range(d0, d1 + 1))
        if 2 <= len(vals) <= max_ticks:
            break
    else:
        step = max(1, math.ceil((d1 - d0 + 1) / max_ticks))
        vals = within((1,), [d for d in range(d0, d1 + 1) if d % step == 0])
        if len(vals) < 2:
            vals = within(range(1, 10), range(d0, d1 + 1))
        if not 2 <= len(vals) <= max(max_ticks, 9):
            return {}
    return {"tickmode": "array", "tickvals": vals, "ticktext": log_tick_text(vals)}
