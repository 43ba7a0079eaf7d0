"""Server-side parsing, validation and clamping of every dashboard input.

Nothing a browser (or any client POSTing JSON to ``/_dash-update-component``)
sends reaches :mod:`uvcore` without passing through this module.  The result
is a frozen, normalized :class:`ViewParams`: 5, 5.0 and "5" become the same
value, floats are rounded to :data:`SIG_DIGITS` significant digits and every
number is clamped to the documented range in :data:`FIELDS`.  Bad input never
raises: it comes back as a one-line message in :attr:`Parsed.errors` (the
caller then refuses to compute) or, for clamped values and broken URL fields,
in :attr:`Parsed.notes`.

The same module serializes a :class:`ViewParams` to the URL query string and
back (:func:`to_query` / :func:`from_query`); ``from_query(to_query(p)) == p``
for every valid ``p``, and the query string is canonical (fixed key order,
fixed number format), so a copied link reproduces the view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping
from urllib.parse import parse_qs, quote

from uvcore.params import edge_lambda, eta_critical

__all__ = [
    "SIG_DIGITS", "SLIDER_DIGITS", "NumSpec", "FIELDS", "PRESETS", "LAYERS", "LAYER_LABELS",
    "DEFAULT_LAYERS", "MAX_TRAJECTORIES", "COORD_CAP", "GRID_RANGE", "ARROW_RANGE",
    "DEFAULT_GRID", "DEFAULT_ARROWS", "INPUT_DIM", "ViewParams", "Parsed", "parse_number",
    "allowed", "parse_in_range",
    "slider_value", "slider_position", "parse_controls", "to_query", "from_query",
    "default_window", "fmt", "parse_coord", "parse_window"]

#: Significant digits kept for every float of the state.
SIG_DIGITS = 6
#: Significant digits of a value set by dragging a log slider (its step is
#: 0.01 decade ≈ 2 %, so more digits would be noise).
SLIDER_DIGITS = 3
#: Most trajectories kept at once (the oldest is dropped).
MAX_TRAJECTORIES = 8
#: Largest |coordinate| accepted for trajectory starts and plot windows.
COORD_CAP = 1e6
#: Range of the region-heatmap side (URL key ``grid``) and of the arrow-grid
#: side (URL key ``arrows``).
GRID_RANGE = (20, 300)
ARROW_RANGE = (5, 40)
DEFAULT_GRID = 150
DEFAULT_ARROWS = 20
#: Input dimension d of the parameter-space model (‖x‖ is set separately, so
#: d only changes the number of parameters, not the function-space map).
INPUT_DIM = 8

PRESETS = ("ntp", "mup", "custom")
#: Phase-plane layers, in drawing order (URL key ``layers``).
#: "legend" is the plane's key (off by default: Plotly draws a key even when the
#: page hides it, 15–30 % of each redraw of the plane).
LAYERS = ("regions", "forbidden", "arrows", "nullclines", "eta-line", "fixed", "legend")
LAYER_LABELS = {
    "regions": "Regions",
    "forbidden": "Forbidden region",
    "arrows": "Vector field",
    "nullclines": "Nullclines",
    "eta-line": "ηλ = 2 line",
    "fixed": "Fixed points",
    "legend": "Legend",
}
DEFAULT_LAYERS = LAYERS[:-1]


@dataclass(frozen=True)
class NumSpec:
    """One numeric control: URL key (= slider id), label, documented range."""

    key: str
    label: str
    lo: float
    hi: float
    default: float
    log: bool = False
    integer: bool = False
    slider: bool = True


#: Every numeric field, keyed by its URL key (which is also its slider id).
FIELDS: dict[str, NumSpec] = {s.key: s for s in (
    NumSpec("eta", "η", 1e-3, 1e4, 1.5, log=True),
    NumSpec("width", "width n", 1.0, 1e6, 16.0, log=True, integer=True),
    NumSpec("n-eff", "n_eff", 1.0, 1e6, 16.0, log=True),
    NumSpec("x-norm", "‖x‖", 1e-2, 1e2, 1.0, log=True),
    NumSpec("y", "y", -10.0, 10.0, 2.0),
    NumSpec("sigma", "σ", 1e-2, 10.0, 1.0, log=True),
    NumSpec("steps", "steps", 1.0, 20000.0, 1000.0, log=True, integer=True),
    NumSpec("seed", "seed", 0.0, float(2**31 - 1), 0.0, integer=True, slider=False),
)}


def _sig(v: float, digits: int = SIG_DIGITS) -> float:
    """Round to ``digits`` significant digits (−0.0 becomes 0.0)."""
    return float(f"{v:.{digits}g}") + 0.0


def fmt(v: float) -> str:
    """Canonical text of a number for URLs and inputs: ``1.5``, ``16``, ``1e-05``.

    ``float(fmt(v)) == v`` for every v already rounded to SIG_DIGITS digits.
    """
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{SIG_DIGITS}g}".replace("e+", "e")


def parse_number(label: str, value: Any) -> tuple[float | None, str | None]:
    """``value`` as a finite float, or (None, message).

    Accepts ints, floats and numeric strings; refuses None, empty strings,
    booleans, lists, dicts, NaN and ±inf (finite huge values are accepted and
    clamped by the caller).
    """
    if isinstance(value, bool) or value is None:
        return None, f"{label}: enter a number"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, f"{label}: enter a number"
        if len(text) > 64:
            return None, f"{label}: not a number"
        try:
            v = float(text)
        except ValueError:
            return None, f"{label}: {_short(value)} is not a number"
    elif isinstance(value, (int, float)):
        try:
            v = float(value)
        except (OverflowError, ValueError):
            return None, f"{label}: number out of range"
    else:
        return None, f"{label}: expected a number, got {type(value).__name__}"
    if not math.isfinite(v):
        return None, f"{label}: must be a finite number"
    return v, None


def allowed(lo: float, hi: float, integer: bool = False) -> str:
    """What a typed input takes, in words: ``an integer from 8 to 120``."""
    return f"{'an integer' if integer else 'a number'} from {fmt(lo)} to {fmt(hi)}"


def parse_in_range(label: str, value: Any, lo: float, hi: float,
                   integer: bool = False) -> tuple[float | None, str | None]:
    """``value`` as a number in [lo, hi] (whole when ``integer``): (v, None), or
    (v, one line saying what is wrong and what is allowed).

    v is None when ``value`` is no number at all (empty, text, NaN …); else it is
    the number read, so that a caller may clamp or round it and show the line.
    """
    want = allowed(lo, hi, integer)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, f"{label} is empty: enter {want}"
    if isinstance(value, bool):
        return None, f"{label}: {value} is not a number: enter {want}"
    v, err = parse_number(label, value)
    if err:
        return None, f"{err}: enter {want}"
    if integer and v != round(v):
        return v, f"{label} = {fmt(v)} is not a whole number: enter {want}"
    if not lo <= v <= hi:
        return v, f"{label} = {fmt(v)} is out of range: enter {want}"
    return v, None


def _short(value: Any, n: int = 24) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _clamp(spec: NumSpec, v: float, notes: list[str]) -> float:
    if v < spec.lo or v > spec.hi:
        notes.append(f"{spec.label} clamped to the range [{fmt(spec.lo)}, {fmt(spec.hi)}]")
        v = min(max(v, spec.lo), spec.hi)
    if spec.integer:
        # the sliders send whole numbers (app/assets/live.js): a value that
        # is not whole was typed, or written into a link
        if v != round(v):
            notes.append(f"{spec.label} must be a whole number: {fmt(_sig(v))} rounded to "
                         f"{fmt(round(v))} ({allowed(spec.lo, spec.hi, True)})")
        v = float(round(v))
    return _sig(v)


def slider_value(key: str, position: Any) -> tuple[float | None, str | None]:
    """Value of a slider from its position (``10**position`` on log sliders).

    Rounded to :data:`SLIDER_DIGITS` digits on log sliders, to a whole number
    on the sliders of whole numbers (as the page does); positions outside the
    slider are clamped.
    """
    spec = FIELDS[key]
    v, err = parse_number(spec.label, position)
    if err:
        return None, err
    if spec.log:
        lo, hi = math.log10(spec.lo), math.log10(spec.hi)
        v = _sig(10.0 ** min(max(v, lo), hi), SLIDER_DIGITS)
    if spec.integer:
        v = float(round(v))
    return v, None


def slider_position(key: str, value: float) -> float:
    """Slider position of a value (``log10`` on log sliders), 4 decimals."""
    spec = FIELDS[key]
    return round(math.log10(value), 4) if spec.log else value


def default_window(eta: float, n_eff: float, x_norm: float, y: float):
    """Default plot window ((Δf_lo, Δf_hi), (λ_lo, λ_hi)).

    Δf ∈ [−1.5|y| − 1, |y| + 1] for y ≥ 0 (mirrored, [−|y| − 1, 1.5|y| + 1],
    for y < 0) holds the default start (Δf = −y, i.e. f = 0), the forbidden
    V's vertex with room on both sides, and line I (Δf = 0).
    λ ∈ [0, max(3 λ_min, 3/η)] with λ_min = 2‖x‖|y|/√n_eff shows the bottom of
    line I and the ηλ = 2 line (λ = 2/η) with room above both.
    """
    ay = abs(y)
    lam_min = float(edge_lambda(0.0, n_eff, x_norm, y))
    top = max(3.0 * lam_min, 3.0 / eta)
    if not math.isfinite(top) or top <= 0:
        top = 1.0
    lo, hi = -1.5 * ay - 1.0, ay + 1.0
    if y < 0:
        lo, hi = -hi, -lo
    return (_sig(lo), _sig(hi)), (0.0, _sig(top))


@dataclass(frozen=True)
class ViewParams:
    """The normalized state of the dashboard (hashable; the cache key).

    ``n_eff`` is the effective value: the width for ``ntp``, 1 for ``mup``.
    ``starts`` is None for "the default start" (uvcore.default_start, which
    moves with the parameters) or a tuple of (Δf₀, λ₀) pairs, the latest last.
    ``window`` is None for :func:`default_window` or (Δf_lo, Δf_hi, λ_lo, λ_hi).
    """

    eta: float = FIELDS["eta"].default
    width: float = FIELDS["width"].default
    n_eff: float = FIELDS["n-eff"].default
    x_norm: float = FIELDS["x-norm"].default
    y: float = FIELDS["y"].default
    sigma: float = FIELDS["sigma"].default
    steps: float = FIELDS["steps"].default
    seed: float = FIELDS["seed"].default
    preset: str = "ntp"
    layers: tuple = DEFAULT_LAYERS
    starts: tuple | None = None
    window: tuple | None = None
    large: bool = False
    grid: int = DEFAULT_GRID
    arrows: int = DEFAULT_ARROWS

    # -- derived ------------------------------------------------------------
    @property
    def map_key(self) -> tuple:
        """(η, n_eff, ‖x‖, y): everything the function-space map depends on."""
        return (self.eta, self.n_eff, self.x_norm, self.y)

    @property
    def eta_c(self) -> float:
        """η_c = √n_eff/(‖x‖|y|) (spec §3); inf when y = 0."""
        return eta_critical(self.n_eff, self.x_norm, self.y)

    @property
    def plot_window(self):
        """((Δf_lo, Δf_hi), (λ_lo, λ_hi)) actually shown."""
        if self.window is not None:
            a, b, c, d = self.window
            return (a, b), (c, d)
        return default_window(*self.map_key)

    def value(self, key: str) -> float:
        """Numeric field by URL key (``"n-eff"`` → n_eff)."""
        return getattr(self, key.replace("-", "_"))

    def with_starts(self, starts) -> "ViewParams":
        return replace(self, starts=tuple(starts)[-MAX_TRAJECTORIES:])


@dataclass(frozen=True)
class Parsed:
    """Result of parsing: ``params`` is None exactly when ``errors`` is non-empty."""

    params: ViewParams | None
    errors: tuple = ()
    notes: tuple = ()

    @property
    def ok(self) -> bool:
        return self.params is not None

    def message(self) -> str:
        return "; ".join(self.errors + self.notes)


# The _normalize_* functions return (value, error message or None).

def _normalize_preset(raw: Any) -> tuple[str | None, str | None]:
    if isinstance(raw, str) and raw.strip().lower() in PRESETS:
        return raw.strip().lower(), None
    return None, f"preset must be one of {', '.join(PRESETS)}"


def _normalize_layers(raw: Any) -> tuple[tuple | None, str | None]:
    if isinstance(raw, str):
        raw = [] if raw.strip().lower() in ("", "none") else raw.split(",")
    if not isinstance(raw, (list, tuple)):
        return None, "layers: expected a list of layer names"
    chosen = {x.strip() for x in raw if isinstance(x, str)}
    return tuple(name for name in LAYERS if name in chosen), None


def _normalize_bool(raw: Any) -> tuple[bool | None, str | None]:
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, (list, tuple)):           # a checklist's value
        return "large" in raw, None
    if isinstance(raw, str) and raw.strip().lower() in ("0", "1", "true", "false", ""):
        return raw.strip().lower() in ("1", "true"), None
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw), None
    return None, "large font: expected on/off"


def parse_coord(label: str, raw: Any) -> tuple[float | None, str | None]:
    v, err = parse_number(label, raw)
    if err:
        return None, err
    if abs(v) > COORD_CAP:
        return None, f"{label}: |value| must be at most {fmt(COORD_CAP)}"
    return _sig(v), None


def _normalize_starts(raw: Any) -> tuple[tuple | None, str | None, bool]:
    """(starts, error, is_default).  Accepts "df:lam,df:lam", "none", or pairs."""
    if raw is None:
        return None, None, True
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in ("", "default"):
            return None, None, True
        if text.lower() == "none":
            return (), None, False
        if len(text) > 2000:
            return None, "trajectories: too long", False
        pairs = [p.split(":") for p in text.split(",") if p.strip()]
    elif isinstance(raw, (list, tuple)):
        pairs = list(raw)
    else:
        return None, "trajectories: expected a list of (Δf₀, λ₀) pairs", False
    out = []
    for pair in pairs[-MAX_TRAJECTORIES:]:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return None, "trajectories: each start must be a pair Δf₀:λ₀", False
        df, e1 = parse_coord("trajectory Δf₀", pair[0])
        lam, e2 = parse_coord("trajectory λ₀", pair[1])
        if e1 or e2:
            return None, e1 or e2, False
        out.append((df, lam))
    return tuple(out), None, False


def parse_window(raw: Any) -> tuple[tuple | None, str | None]:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "auto")):
        return None, None
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        return None, "window: expected four numbers Δf_lo,Δf_hi,λ_lo,λ_hi"
    vals = []
    for name, item in zip(("Δf_lo", "Δf_hi", "λ_lo", "λ_hi"), raw):
        v, err = parse_coord(f"window {name}", item)
        if err:
            return None, err
        vals.append(v)
    a, b, c, d = vals
    for lo, hi, name in ((a, b, "Δf"), (c, d, "λ")):
        if not hi > lo:
            return None, f"window: {name} range must have min < max"
        if (hi - lo) < 1e-9 * max(abs(lo), abs(hi), 1.0):
            return None, f"window: {name} range is too narrow"
    return (a, b, c, d), None


def _grid(raw: Any, rng: tuple, default: int, label: str, notes: list) -> int:
    if raw is None:
        return default
    v, err = parse_number(label, raw)
    if err:
        notes.append(f"{err}; using {default}")
        return default
    if not rng[0] <= v <= rng[1]:
        notes.append(f"{label} clamped to [{rng[0]}, {rng[1]}]")
    return int(round(min(max(v, rng[0]), rng[1])))


def parse_controls(raw: Mapping[str, Any], *, strict: bool = True,
                   base: ViewParams | None = None) -> Parsed:
    """Build a :class:`ViewParams` from raw values keyed like the URL.

    Keys: the numeric field keys of :data:`FIELDS`, ``preset``, ``layers``,
    ``large``, ``traj``, ``window``, ``grid``, ``arrows``.  Missing keys keep
    ``base``'s value (default: :class:`ViewParams` defaults).

    ``strict`` (controls): an unusable value is an error and nothing is
    computed.  Not strict (URL): the field falls back to its default with a
    note, so a hand-edited link still opens.
    """
    base = base or ViewParams()
    if not isinstance(raw, Mapping):
        return Parsed(None, ("state: expected a mapping of values",))
    errors: list[str] = []
    notes: list[str] = []
    values: dict[str, Any] = {}

    def bad(msg: str) -> None:
        (errors if strict else notes).append(msg if strict else f"{msg}; using the default")

    for key, spec in FIELDS.items():
        attr = key.replace("-", "_")
        if key not in raw:
            values[attr] = getattr(base, attr)
            continue
        v, err = parse_number(spec.label, raw[key])
        if err:
            bad(err)
            values[attr] = spec.default
            continue
        values[attr] = _clamp(spec, v, notes)

    def take(key: str, attr: str, normalize, fallback) -> None:
        """values[attr] from raw[key] by ``normalize``; base's value when the key
        is absent, ``fallback`` (and the error reported) when it is unusable."""
        if key not in raw:
            values[attr] = getattr(base, attr)
            return
        value, err = normalize(raw[key])
        if err:
            bad(err)
            value = fallback
        values[attr] = value

    take("preset", "preset", _normalize_preset, "ntp")
    if values["preset"] == "ntp":
        values["n_eff"] = values["width"]
    elif values["preset"] == "mup":
        values["n_eff"] = 1.0
    take("layers", "layers", _normalize_layers, DEFAULT_LAYERS)
    take("large", "large", _normalize_bool, False)
    take("traj", "starts", lambda r: _normalize_starts(r)[:2], None)
    take("window", "window", parse_window, None)

    values["grid"] = _grid(raw.get("grid"), GRID_RANGE, base.grid, "grid", notes) \
        if "grid" in raw else base.grid
    values["arrows"] = _grid(raw.get("arrows"), ARROW_RANGE, base.arrows, "arrows", notes) \
        if "arrows" in raw else base.arrows

    if errors:
        return Parsed(None, tuple(errors), tuple(notes))
    return Parsed(ViewParams(**values), (), tuple(notes))


# -- URL query string ---------------------------------------------------------

_SAFE = ",:-."


def to_query(p: ViewParams) -> str:
    """Canonical query string of a state, without the leading ``?``."""
    parts = [(key, fmt(p.value(key))) for key in FIELDS]
    parts.insert(list(FIELDS).index("sigma"), ("preset", p.preset))
    parts.append(("layers", ",".join(p.layers) if p.layers else "none"))
    if p.starts is not None:
        parts.append(("traj", ",".join(f"{fmt(a)}:{fmt(b)}" for a, b in p.starts)
                      if p.starts else "none"))
    if p.window is not None:
        parts.append(("window", ",".join(fmt(v) for v in p.window)))
    if p.large:
        parts.append(("large", "1"))
    if p.grid != DEFAULT_GRID:
        parts.append(("grid", str(p.grid)))
    if p.arrows != DEFAULT_ARROWS:
        parts.append(("arrows", str(p.arrows)))
    return "&".join(f"{k}={quote(v, safe=_SAFE)}" for k, v in parts)


def from_query(search: Any) -> Parsed:
    """Parse a query string (with or without ``?``) leniently; never raises.

    Unknown keys are ignored; broken fields fall back to their defaults with a
    note.  A non-string (e.g. from a hostile request) gives the defaults and
    a note.
    """
    if search is None:
        return Parsed(ViewParams())
    if not isinstance(search, str):
        return Parsed(ViewParams(), (), ("URL: ignored a malformed query string",))
    if len(search) > 8000:
        return Parsed(ViewParams(), (), ("URL: query string too long; using the defaults",))
    try:
        qs = parse_qs(search.lstrip("?"), keep_blank_values=True)
    except ValueError:
        return Parsed(ViewParams(), (), ("URL: ignored a malformed query string",))
    raw = {k: v[-1] for k, v in qs.items()}
    return parse_controls(raw, strict=False)
