"""Every component id of the dashboard, as a stable constant.

These ids are a public interface: people embed the dashboard, drive it from
Playwright/Selenium, and read its state from the URL.  Do not rename them.

Controls (each slider has a typed numeric input with id ``<slider>-input``)
---------------------------------------------------------------------------
Log-scale sliders hold ``log10`` of the value; the typed input beside them
holds the value itself and is what the server reads (the two are kept equal
in the browser).  The URL query string uses the slider ids as keys.

=============  ===========================================  ===============
id             meaning                                      slider scale
=============  ===========================================  ===============
``eta``        learning rate η                              log10, 1e-3…1e4
``width``      width n of the parameter-space model         log10, 1…1e6
``n-eff``      effective width n_eff (α = 1/√n_eff)         log10, 1…1e6
``x-norm``     input norm ‖x‖                               log10, 1e-2…1e2
``y``          target y                                     linear, −10…10
``sigma``      initialization scale σ (σ_u² = σ_v² = σ²     log10, 1e-2…1e1
               for NTP, σ²/n for μP)
``steps``      GD steps per trajectory                      log10, 1…20000
``seed``       RNG seed of "Sample init" and of the         –
               parameter-space overlay (numeric input only)
``preset``     parameterization: ``ntp`` (n_eff = n),       radio items
               ``mup`` (n_eff = 1) or ``custom`` (n_eff
               free; the n_eff controls are disabled
               otherwise)
=============  ===========================================  ===============
"""

# -- controls ----------------------------------------------------------------
ETA = "eta"
WIDTH = "width"
N_EFF = "n-eff"
X_NORM = "x-norm"
Y = "y"
SIGMA = "sigma"
STEPS = "steps"
SEED = "seed"
PRESET = "preset"


def input_id(slider_id: str) -> str:
    """Id of the typed numeric input beside a slider: ``eta`` → ``eta-input``."""
    return f"{slider_id}-input"


ETA_INPUT = input_id(ETA)
WIDTH_INPUT = input_id(WIDTH)
N_EFF_INPUT = input_id(N_EFF)
X_NORM_INPUT = input_id(X_NORM)
Y_INPUT = input_id(Y)
SIGMA_INPUT = input_id(SIGMA)
STEPS_INPUT = input_id(STEPS)

#: Sliders that have a typed input beside them, in display order.
SLIDERS = (ETA, WIDTH, N_EFF, X_NORM, Y, SIGMA, STEPS)

#: Live read-outs beside the η control: η_c = √n_eff/(‖x‖|y|) and 2/η.
ETA_C = "eta-c"
TWO_OVER_ETA = "two-over-eta"

#: Checklist of phase-plane layers (values in :data:`app.core.state.LAYERS`).
LAYERS = "layers"
#: Checklist with the single value ``"large"``: projector-size fonts.
LARGE_FONT = "large-font"
#: Checklist with the single value ``"show"``: the left panel of controls is
#: shown (unticked, the views take the whole width; kept in the browser).
SHOW_CONTROLS = "show-controls"
#: Radio items ``png`` / ``svg``: format of the mode bar's camera button.
EXPORT_FORMAT = "export-format"

# -- trajectories ------------------------------------------------------------
#: Button: remove every trajectory.
CLEAR = "clear-trajectories"
#: Button: add a trajectory started from a sampled parameter-space init
#: (width n, preset, σ, seed; change the seed for another draw).
SAMPLE_INIT = "sample-init"
#: Button + download component: CSV of the selected (latest) trajectory.
DOWNLOAD_CSV = "download-csv"
DOWNLOAD = "download"
#: Dropdown of the state's trajectories (value: 1-based index; choosing one
#: selects it: it becomes the latest) and the button deleting the selected one.
TRAJ_SELECT = "trajectory-select"
TRAJ_DELETE = "trajectory-delete"
#: Checklist with the single value ``"paramspace"``: the time series shows the
#: parameter-space GD run at width n from the seed's sampled init (dashed)
#: over the function-space map from the same start.
OVERLAY = "overlay-paramspace"

# -- views -------------------------------------------------------------------
PHASE_PLANE = "phase-plane"
TIMESERIES = "timeseries"
#: dcc.Tabs holding the phase-plane view and any registered extra views.
VIEW_TABS = "view-tabs"

# -- state and messages ------------------------------------------------------
#: dcc.Location: the URL query string holds the full state.
URL = "url"
#: dcc.Store whose ``data`` is the canonical query string (no leading "?") of
#: the last valid state.  A view takes it as ``Input(state_for(its tab), "data")``
#: and parses it with :func:`app.core.state.from_query`.
STATE = "state"
#: Prefix of the stores of :func:`state_for`.
STATE_FOR = "state-for-"


def state_for(tab: str) -> str:
    """Id of the dcc.Store that holds :data:`STATE` for the view on tab ``tab``:
    it follows STATE only while that tab is shown (``lab.state_for_tabs`` in
    app/assets/lab.js, which knows the prefix :data:`STATE_FOR`), so a hidden
    view's callbacks do not fire on every change of the plane (a slider drag
    changes STATE several times a second)."""
    return STATE_FOR + tab


#: dcc.Store fed in the browser with the phase plane's zoom/pan/reset
#: ``relayoutData`` (other relayout events, e.g. autosize, are filtered out).
ZOOM = "plane-zoom"
#: dcc.Store in the core layout: each slider's scale for the clientside sync
#: ({slider id: {"log", "lo", "hi"}}).
SLIDER_SPECS = "slider-specs"
#: dcc.Store in the core layout: the tab values, the default first.
TAB_VALUES = "tab-values"
#: dcc.Store in the core layout: the latest intent a view sent to the phase plane
#: (:mod:`app.core.intents`).
INTENT = "plane-intent"
#: dcc.Store written in the browser while a slider moves (``app/assets/live.js``):
#: ``{"key": slider id, "value": its value, "n": a counter, "final": bool}``,
#: the latest value under the pointer, sent only when no earlier one is being
#: drawn; ``final`` marks the end of the gesture (the URL is written then).
SLIDER_LIVE = "slider-live"
#: dcc.Store the phase plane writes with every answer (``{"n": the live
#: counter answered or None, "t": server time}``): the browser's signal that
#: the plane request it sent is done.
PLANE_DONE = "plane-done"
#: dcc.Store: what the phase plane's figure shows (the state's query string
#: and the imported trace's digest), so an unchanged figure is not sent again.
PLANE_SHOWN = "plane-shown"
#: dcc.Store: the state the time series draws; the phase plane writes it
#: except while a slider is being dragged, so the time series never delays
#: the plane's repaints.
TIMESERIES_STATE = "timeseries-state"
#: Visible message line (errors refuse to compute; notes are informational).
MESSAGE = "message"
#: Small summary of the selected trajectory (outcome, divergence, final ηλ).
SUMMARY = "trajectory-summary"
#: The steps the time series shows (written by the page after each of its
#: draws: the figure's own range, a zoom, the player's widening).
SERIES_RANGE = "series-range"
#: Root container (its class gets ``large`` in projector mode).
ROOT = "app-root"

# -- η_max map view (app/views/eta_max/; a background job) --------------------
#: Number input: side of the grid of starts; button to start the job, button to
#: cancel it, its progress bar, the map and its summary line.
ETA_MAX_GRID = "eta-max-grid"
ETA_MAX_RUN = "eta-max-run"
ETA_MAX_CANCEL = "eta-max-cancel"
ETA_MAX_PROGRESS = "eta-max-progress"
ETA_MAX_GRAPH = "eta-max-graph"
ETA_MAX_SUMMARY = "eta-max-summary"

# -- Bifurcation and Universality views (app/views/bifurcation/, app/views/universality/)
#: Tab values (``dcc.Tabs``) of the two views.
BIFURCATION_TAB = "bifurcation"
UNIVERSALITY_TAB = "universality"
#: Orbit diagram: 2-D map, EoS map, outcome strip and Lyapunov exponents against η
#: (click a point, a strip cell or a guide: sets ``eta-input``; zoom in η: recomputed).
BIFURCATION_GRAPH = "bifurcation-graph"
#: Cobweb of the EoS map z' = z(1 + c − z)² at the current η.
BIFURCATION_COBWEB = "bifurcation-cobweb"
#: Radio items ``lam`` / ``eta-lam``: the diagram's vertical quantity, λ or ηλ.
BIFURCATION_QUANTITY = "bifurcation-quantity"
#: Radio items ``half-c`` / ``start``: EoS-map start z₀ = c/2, or the selected
#: start's edge projection z₀ = ηλ₀/2 (diagram and cobweb).
BIFURCATION_EOS_START = "bifurcation-eos-start"
#: Checklist with the single value ``"guides"``: route-to-chaos guides on/off.
BIFURCATION_GUIDES = "bifurcation-guides"
#: Stores: the η window ({"eta": [lo, hi], "eta_c": η_c} or None = default) and
#: the diagram's filtered x-axis ``relayoutData``.
BIFURCATION_WINDOW = "bifurcation-window"
BIFURCATION_ZOOM = "bifurcation-zoom"
#: Store: the diagram's clickData, passed on only when no double-click (zoom
#: reset) followed it, so a reset is not undone by its own clicks.
BIFURCATION_CLICK = "bifurcation-click"
#: Message line of the view.
BIFURCATION_MESSAGE = "bifurcation-message"
#: Button + download component: CSV of the diagram shown.
BIFURCATION_DOWNLOAD_CSV = "bifurcation-download-csv"
BIFURCATION_DOWNLOAD = "bifurcation-download"
#: "Fine diagram" background job: start button, cancel button, progress bar.
BIFURCATION_FINE = "bifurcation-fine"
BIFURCATION_FINE_CANCEL = "bifurcation-fine-cancel"
BIFURCATION_FINE_PROGRESS = "bifurcation-fine-progress"
#: Universality panel: δ_k against k (EoS and 2-D map), flip points in η and in c.
UNIVERSALITY_GRAPH = "universality-graph"
#: Number input: cascade levels L (3 … 12).
UNIVERSALITY_LEVELS = "universality-levels"
#: Message line and the table of the located values.
UNIVERSALITY_MESSAGE = "universality-message"
UNIVERSALITY_TABLE = "universality-table"

# -- Fate map, teaching presets, imported traces (app/views/fate_map/,
#    app/views/presets/, app/views/import_trace/) ---------------------------
#: Tab values (``dcc.Tabs``) of the three views.
FATE_TAB = "fate-map-tab"
PRESETS_TAB = "presets-tab"
IMPORT_TAB = "import-tab"
#: Fate map: outcome of every start of the phase plane's window at the current η
#: (categorical heatmap, trajectories on top; click: start a trajectory there).
FATE_MAP = "fate-map"
#: Radio items: GD steps run from each start (1000, 5000, 20000).
FATE_STEPS = "fate-steps"
#: Summary / message line of the fate map.
FATE_STATUS = "fate-status"
#: Store: which map is shown ({"state": query, "grid": side, "steps": steps}).
FATE_SHOWN = "fate-shown"
#: Button + download component: CSV of the fate map shown.
FATE_DOWNLOAD_CSV = "fate-download-csv"
FATE_DOWNLOAD = "fate-download"
#: "Fine fate map" background job: start button, cancel button, progress bar.
FATE_FINE = "fate-fine"
FATE_FINE_CANCEL = "fate-fine-cancel"
FATE_FINE_PROGRESS = "fate-fine-progress"
#: Teaching presets: one button per preset, id ``teaching-<key>`` (keys in
#: :data:`app.teaching.PRESETS`, e.g. ``teaching-eos-period-2``), and a status line.
TEACHING_STATUS = "teaching-status"


def teaching_button(key: str) -> str:
    """Id of a teaching preset's button: ``eos-period-2`` → ``teaching-eos-period-2``."""
    return f"teaching-{key}"


#: Import of measured traces: dcc.Upload (CSV or JSON of step, df, lam[, lam_h]),
#: its status line and the button removing the trace.
IMPORT_UPLOAD = "import-upload"
IMPORT_STATUS = "import-status"
IMPORT_CLEAR = "import-clear"
#: Store: an upload that passed the browser's size check ({"contents", "filename"}),
#: on its way to the server.
IMPORT_PENDING = "import-pending"
#: Store: the largest file (bytes) the browser may send, for the size check.
IMPORT_LIMIT = "import-limit"
#: Traces directory (``TRACES_DIR``): dropdown of its files, Refresh, Follow and
#: Stop buttons, the "following: N rows, updated Xs ago" line, the poll interval
#: and its stores (the followed file's signature, the browser's poll request, the
#: time of its last change).
IMPORT_TRACES = "import-traces"
IMPORT_REFRESH = "import-refresh"
IMPORT_FOLLOW = "import-follow"
IMPORT_STOP = "import-stop"
IMPORT_FOLLOW_STATUS = "import-follow-status"
IMPORT_INTERVAL = "import-interval"
IMPORT_FOLLOWED = "import-followed"
IMPORT_POLL = "import-poll"
IMPORT_CLOCK = "import-clock"
#: "Fit window to trace" button, the note saying when the trace lies (partly)
#: outside the plane's window, "show the matched UV model" button, and the store
#: of what the trace's file says about itself (model, η, matched UV model).
IMPORT_FIT = "import-fit"
IMPORT_WINDOW_NOTE = "import-window-note"
IMPORT_UV = "import-uv"
IMPORT_HEADER = "import-header"
#: dcc.Store in the core layout: the imported trace as drawn (app.core.traces.to_store),
#: read by the phase plane and the time series; None when there is none.
IMPORTED = "imported-trace"

# -- Real networks view (app/views/networks/; a background job) -----------------
#: Tab value (``dcc.Tabs``) of the view.
NETWORKS_TAB = "networks"
#: Radio items: what to run, ``single`` (one network), ``fig1``, ``fig5`` or ``fig4``
#: (the paper's real-network experiments at a reduced size).
NETWORKS_EXPERIMENT = "networks-experiment"
#: Single-run controls (number inputs, radio items): depth, width, activation,
#: parameterization (``sp``/``mup``), σ_w², data (``gaussian``/``teacher``/``digits``),
#: training examples, learning-rate mode (``c`` = η λ₀^H or ``eta``) and value,
#: GD steps, sharpness-every K, seed (also the experiments' seed).
NETWORKS_DEPTH = "networks-depth"
NETWORKS_WIDTH = "networks-width"
NETWORKS_ACTIVATION = "networks-activation"
NETWORKS_PARAM = "networks-param"
NETWORKS_SIGMA_W2 = "networks-sigma-w2"
NETWORKS_DATA = "networks-data"
NETWORKS_N_TRAIN = "networks-n-train"
NETWORKS_LR_MODE = "networks-lr-mode"
NETWORKS_LR = "networks-lr"
NETWORKS_STEPS = "networks-steps"
NETWORKS_EVERY = "networks-every"
NETWORKS_SEED = "networks-seed"
#: Experiment controls: size factor s, c of Fig 1, number of c values of Fig 5's
#: bifurcation grid; UV matching (``auto``/``calibrated``/``structural``, all runs).
NETWORKS_SCALE = "networks-scale"
NETWORKS_FIG1_C = "networks-fig1-c"
NETWORKS_C_POINTS = "networks-c-points"
NETWORKS_MATCHING = "networks-matching"
#: Containers of the single-run and the experiment controls (shown per experiment).
NETWORKS_SINGLE_CONTROLS = "networks-single-controls"
NETWORKS_EXPERIMENT_CONTROLS = "networks-experiment-controls"
#: Line under the controls: the validated parameters, clamping notes, work estimate
#: (or why nothing would run).
NETWORKS_PLAN = "networks-plan"
#: The job: start button, cancel button, progress bar (value/max in per mille).
NETWORKS_RUN = "networks-run"
NETWORKS_CANCEL = "networks-cancel"
NETWORKS_PROGRESS = "networks-progress"
#: The figure and the job's summary / message line.
NETWORKS_GRAPH = "networks-graph"
NETWORKS_STATUS = "networks-status"
#: Store: {"key": cache key, "experiment": ..., "runs": [labels]} of the result shown.
NETWORKS_RESULT = "networks-result"
#: Export of a run as a trace the Import view accepts: which run (dropdown), the
#: button, the dcc.Download and its message line.
NETWORKS_EXPORT_RUN = "networks-export-run"
NETWORKS_DOWNLOAD_CSV = "networks-download-csv"
NETWORKS_DOWNLOAD = "networks-download"
NETWORKS_EXPORT_STATUS = "networks-export-status"

# -- For the lecture: trajectory player, first-visit introduction, preset lesson
#    (app/views/phase_plane/player.py and lesson.py, app/core/intro.py;
#    clientside in app/assets/player.js and intro.js) -------------------------
#: Player of the selected trajectory on the phase plane (one row above the time
#: series): buttons Play, Pause, Step (exactly one state further) and Reset (back
#: to the start), the speed (dcc.Dropdown, states per second) and the read-out
#: "step k / N".  Space toggles play/pause while the phase plane has focus.
PLAYER_CONTROLS = "player-controls"
PLAYER_PLAY = "player-play"
PLAYER_PAUSE = "player-pause"
PLAYER_STEP = "player-step"
PLAYER_RESET = "player-reset"
PLAYER_SPEED = "player-speed"
PLAYER_READOUT = "player-readout"
#: dcc.Store: the selected trajectory's states as the player plays them
#: ({"key", "df", "lam", "color", "label", "tail"}; None when there is none),
#: written when the time series' state changes.  The player draws in an SVG
#: overlay of each graph: ``circle.player-marker`` (the current state) and
#: ``.player-tail`` (the fading tail) on the plane, ``line.player-cursor`` (a
#: vertical line at the step) on the time series, each with ``data-step``.
PLAYER_DATA = "player-data"
#: First-visit introduction (a dialog over the page): the container, its
#: "Got it" button, the header's "?" button reopening it, and the dcc.Store
#: (``storage_type="local"``, value ``true`` once dismissed) remembering it.
#: ``?intro=0`` in the URL keeps it closed for that page load.
INTRO = "intro"
INTRO_CLOSE = "intro-close"
INTRO_OPEN = "intro-open"
INTRO_SEEN = "intro-seen"
#: dcc.Store in the core layout: the lesson of the last applied teaching preset
#: ({"key", "title", "text", "equation", "nonce"} or None), written by the
#: Presets view and shown by the phase plane as a card beside the plane.
LESSON = "lesson"
#: The lesson card beside the plane: container, title, body (the explanation and
#: the equation, dcc.Markdown typeset by MathJax, made when there is a lesson),
#: the equation's Markdown, and the card's close button.
LESSON_CARD = "lesson-card"
LESSON_TITLE = "lesson-title"
LESSON_TEXT = "lesson-text"
LESSON_EQUATION = "lesson-equation"
LESSON_CLOSE = "lesson-close"
