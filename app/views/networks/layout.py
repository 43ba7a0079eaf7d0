"""Components of the Real networks view: the controls, the job's toolbar, the
figure and its status lines.  Public ids come from :mod:`app.core.ids`."""

from __future__ import annotations

from dash import dcc, html

from ...core import ids, theme
from ...shell import jobs
from ...core.figures import empty_figure
from ...core.layout import help_note
from .caps import ACTIVATIONS, CAPS, DATA, EXPERIMENT_LABELS, EXPERIMENTS, MATCHINGS

__all__ = ["make_layout"]


def _num_input(cid: str, name: str) -> dcc.Input:
    cap = CAPS[name]
    # no min/max/step: the browser would send an out-of-range or fractional value
    # as empty; the server clamps or rounds it with a visible note instead
    return dcc.Input(id=cid, type="number", value=cap.default, step="any", debounce=True,
                     className="control-input", placeholder=f"{cap.lo:g}–{cap.hi:g}")


def _field(label: str, control, title: str = "") -> html.Label:
    return html.Label(className="net-field", title=title, children=[
        html.Span(label, className="control-label"), control])


def _radio(cid: str, options, value) -> dcc.RadioItems:
    return dcc.RadioItems(id=cid, value=value, inline=True, className="net-radio",
                          options=[{"label": lab, "value": v} for v, lab in options])


def _single_controls() -> html.Div:
    return html.Div(id=ids.NETWORKS_SINGLE_CONTROLS, className="net-group", children=[
        _field("depth", _num_input(ids.NETWORKS_DEPTH, "depth"), "weight layers L"),
        _field("width", _num_input(ids.NETWORKS_WIDTH, "width"), "hidden units n"),
        _field("activation", _radio(ids.NETWORKS_ACTIVATION,
                                    [(a, a) for a in ACTIVATIONS], "relu")),
        _field("param.", _radio(ids.NETWORKS_PARAM, [("sp", "SP"), ("mup", "μP")], "sp"),
               "parameterization"),
        _field("σ_w²", _num_input(ids.NETWORKS_SIGMA_W2, "sigma_w2"), "initialization variance"),
        _field("data", _radio(ids.NETWORKS_DATA, [(d, d) for d in DATA], "gaussian"),
               "gaussian / teacher: d = 64, scalar target; digits: scikit-learn's 8×8 "
               "digits, one-hot targets (≤ 1500 training images)"),
        _field("N", _num_input(ids.NETWORKS_N_TRAIN, "n_train"), "training examples"),
        _field("learning rate", html.Div(className="net-lr", children=[
            _radio(ids.NETWORKS_LR_MODE, [("c", "ηλ₀ᴴ"), ("eta", "η")], "c"),
            _num_input(ids.NETWORKS_LR, "c")])),
        _field("steps", _num_input(ids.NETWORKS_STEPS, "steps"), "full-batch GD steps"),
        _field("λᴴ every", _num_input(ids.NETWORKS_EVERY, "every"),
               "measure λᴴ and the NTK eigenvalue every K steps"),
    ])


def _experiment_controls() -> html.Div:
    return html.Div(id=ids.NETWORKS_EXPERIMENT_CONTROLS, className="net-group",
                    style={"display": "none"}, children=[
        _field("scale", _num_input(ids.NETWORKS_SCALE, "scale"),
               "size factor s: training set, width and steps × s"),
        _field("ηλ₀ᴴ (Fig 1)", _num_input(ids.NETWORKS_FIG1_C, "fig1_c"),
               "learning rate ηλ₀ᴴ of Fig 1 (the paper's c)"),
        _field("ηλ₀ᴴ points (Fig 5)", _num_input(ids.NETWORKS_C_POINTS, "c_points"),
               "values of ηλ₀ᴴ in [1, 2.5] of the bifurcation diagram"),
    ])


def _job_toolbar() -> html.Div:
    return html.Div(className="net-toolbar", children=[
        html.Button("Run", id=ids.NETWORKS_RUN, n_clicks=0, className="btn"),
        html.Button("Cancel", id=ids.NETWORKS_CANCEL, n_clicks=0, className="btn",
                    disabled=True),
        jobs.progress_bar(ids.NETWORKS_PROGRESS, max_value="1000"),
        html.Span("export run:", className="control-label"),
        dcc.Dropdown(id=ids.NETWORKS_EXPORT_RUN, options=[], value=None, clearable=False,
                     className="net-export-run", placeholder="(run first)"),
        html.Button("Export trace (CSV)", id=ids.NETWORKS_DOWNLOAD_CSV, n_clicks=0,
                    className="btn", title="step, Δf, λ, λᴴ of the run, in the format the "
                                           "Import view reads"),
        dcc.Download(id=ids.NETWORKS_DOWNLOAD),
    ])


def make_layout() -> html.Div:
    """The view's components (the tab's content)."""
    caps = ", ".join(f"{c.label} ≤ {c.hi:g}" for k, c in CAPS.items()
                     if k in ("width", "depth", "n_train", "steps"))
    # two columns: the many controls in a column that scrolls inside itself,
    # the job's toolbar, the figure and its status lines beside it
    return html.Div(className="networks-view", children=[
        html.Div(className="net-side scroll-region", children=[
            html.Div(className="net-toolbar", children=[
                _field("experiment", _radio(ids.NETWORKS_EXPERIMENT,
                                            [(e, EXPERIMENT_LABELS[e]) for e in EXPERIMENTS],
                                            "single")),
                help_note(
                    "Train real fully connected networks by full-batch GD and track their "
                    "Hessian sharpness λᴴ beside the matched UV model (dashed). Runs are "
                    f"background jobs (progress bar, Cancel) and cached; caps: {caps}, "
                    "scale ≤ 1.", align="right"),
                _field("seed", _num_input(ids.NETWORKS_SEED, "seed"),
                       "data, initialization, Lanczos"),
                _field("UV matching", _radio(ids.NETWORKS_MATCHING,
                                             [(m, m) for m in MATCHINGS], "auto"),
                       "auto: calibrated for single/Fig 1/Fig 4, structural for Fig 5; "
                       "fitted (single/Fig 1): n_eff fitted to each network's own run"),
            ]),
            _single_controls(), _experiment_controls(),
        ]),
        html.Div(className="net-main", children=[
            _job_toolbar(),
            html.Div(id=ids.NETWORKS_PLAN, className="message", role="status"),
            dcc.Graph(id=ids.NETWORKS_GRAPH, className="graph net-graph",
                      config=theme.graph_config("real-networks"), responsive=True,
                      figure=empty_figure("Choose an experiment and press “Run”.")),
            html.Div(id=ids.NETWORKS_STATUS, className="message", role="status",
                     **{"aria-live": "polite"}),
            html.Div(id=ids.NETWORKS_EXPORT_STATUS, className="message", role="status"),
        ]),
        dcc.Store(id=ids.NETWORKS_RESULT),
    ])
