"""Parsing, clamping and the URL round trip of app.core.state."""

import math

import pytest
from hypothesis import given, strategies as st

from app.core import state
from app.core.state import FIELDS, ViewParams, from_query, parse_controls, to_query

#: JSON-ish values a client can send (plus NaN/inf, which Python's json accepts).
scalars = (st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
           | st.sampled_from(["5", " 5.0 ", "1e308", "-1e308", "nan", "inf", "0x10", "1e999"]))
jsonish = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
keys = st.sampled_from(list(FIELDS) + ["preset", "layers", "large", "traj", "window", "grid",
                                       "arrows", "junk"])


@given(st.dictionaries(keys, jsonish, max_size=8), st.booleans())
def test_parse_controls_never_raises(raw, strict):
    parsed = parse_controls(raw, strict=strict)
    assert (parsed.params is None) == bool(parsed.errors)
    assert all(isinstance(m, str) and m for m in parsed.errors + parsed.notes)
    if parsed.ok:
        check_valid(parsed.params)


@given(jsonish)
def test_parse_controls_non_mapping(raw):
    if isinstance(raw, dict):
        return
    assert not parse_controls(raw).ok


@given(st.text(max_size=200) | jsonish)
def test_from_query_never_raises_and_always_gives_params(search):
    parsed = from_query(search)
    assert parsed.ok
    check_valid(parsed.params)


def check_valid(p: ViewParams):
    for key, spec in FIELDS.items():
        v = p.value(key)
        assert isinstance(v, float) and math.isfinite(v)
        assert spec.lo <= v <= spec.hi
        if spec.integer:
            assert v == int(v)
    assert p.preset in state.PRESETS
    assert set(p.layers) <= set(state.LAYERS)
    if p.preset == "ntp":
        assert p.n_eff == p.width
    if p.preset == "mup":
        assert p.n_eff == 1.0
    if p.starts is not None:
        assert len(p.starts) <= state.MAX_TRAJECTORIES
        assert all(math.isfinite(a) and math.isfinite(b) for a, b in p.starts)
    if p.window is not None:
        a, b, c, d = p.window
        assert a < b and c < d
    hash(p)  # the cache key


@pytest.mark.parametrize("key", [k for k in FIELDS if k != "seed"])
def test_five_forms_normalize_equal(key):
    spec = FIELDS[key]
    value = min(max(5, spec.lo), spec.hi)
    forms = [value, float(value), str(value), f" {float(value)} ", f"{value:e}"]
    params = [parse_controls({key: f, "preset": "custom"}).params for f in forms]
    assert all(p == params[0] for p in params)
    assert params[0].value(key) == float(value)


def test_seed_forms_normalize_equal():
    ps = [parse_controls({"seed": f}).params for f in (5, 5.0, "5", "5.4")]
    assert all(p.seed == 5.0 for p in ps)


def test_a_fractional_seed_is_rounded_with_a_note_saying_so():
    parsed = parse_controls({"seed": 1.5})
    assert parsed.ok and parsed.params.seed == 2.0
    assert parsed.notes == ("seed must be a whole number: 1.5 rounded to 2 "
                            "(an integer from 0 to 2147483647)",)
    assert parse_controls({"seed": 7}).notes == ()


@pytest.mark.parametrize("key, typed, want", [("steps", 1.5, 2), ("width", 15.8, 16)])
def test_a_fractional_steps_or_width_is_rounded_with_a_note(key, typed, want):
    """The sliders of whole numbers send whole numbers (their log positions
    are rounded, as :func:`state.slider_value` does), so a value that is not
    whole was typed: it is rounded, and the note says so."""
    parsed = parse_controls({key: typed, "preset": "custom"})
    assert parsed.ok and getattr(parsed.params, key) == want
    assert any(n.startswith(f"{FIELDS[key].label} must be a whole number: {typed:g} rounded "
                            f"to {want}") for n in parsed.notes), parsed.notes
    assert not any("whole" in n for n in parse_controls({key: want}).notes)


@pytest.mark.parametrize("value, integer, want", [
    (None, True, (None, "grid is empty: enter an integer from 8 to 120")),
    ("  ", True, (None, "grid is empty: enter an integer from 8 to 120")),
    ("abc", True, (None, "grid: 'abc' is not a number: enter an integer from 8 to 120")),
    (False, True, (None, "grid: False is not a number: enter an integer from 8 to 120")),
    (float("nan"), False, (None, "grid: must be a finite number: enter a number from 8 to 120")),
    (5, True, (5.0, "grid = 5 is out of range: enter an integer from 8 to 120")),
    ("1000", True, (1000.0, "grid = 1000 is out of range: enter an integer from 8 to 120")),
    (8.5, True, (8.5, "grid = 8.5 is not a whole number: enter an integer from 8 to 120")),
    (8.5, False, (8.5, None)), (8, True, (8.0, None)), ("120", True, (120.0, None)),
    (7.9999, False, (7.9999, "grid = 7.9999 is out of range: enter a number from 8 to 120")),
])
def test_parse_in_range_says_what_is_wrong_and_what_is_allowed(value, integer, want):
    assert state.parse_in_range("grid", value, 8, 120, integer) == want


def test_allowed_in_words():
    assert state.allowed(0.01, 10) == "a number from 0.01 to 10"
    assert state.allowed(3, 12, True) == "an integer from 3 to 12"


@pytest.mark.parametrize("key,value,expected", [
    ("eta", 1e308, 1e4), ("eta", -3, 1e-3), ("width", 1e12, 1e6), ("width", 0, 1),
    ("steps", 1e9, 20000), ("steps", 0, 1), ("y", -1e308, -10.0), ("x-norm", 1e-300, 0.01),
])
def test_clamped_to_documented_caps_with_note(key, value, expected):
    parsed = parse_controls({key: value, "preset": "custom"})
    assert parsed.ok
    assert parsed.params.value(key) == expected
    assert any("clamped" in n for n in parsed.notes)


@pytest.mark.parametrize("value", [None, "", "abc", [], {}, [1.5], {"a": 1}, True,
                                   float("nan"), float("inf"), "-inf", "1e999", 10**400])
def test_unusable_values_are_errors_not_exceptions(value):
    parsed = parse_controls({"eta": value}, strict=True)
    assert not parsed.ok
    assert parsed.errors and "η" in parsed.errors[0]


def test_lenient_parse_falls_back_to_default_with_note():
    parsed = parse_controls({"eta": "abc"}, strict=False)
    assert parsed.ok and parsed.params.eta == FIELDS["eta"].default
    assert any("default" in n for n in parsed.notes)


def test_presets_fix_n_eff():
    assert parse_controls({"preset": "ntp", "width": 64, "n-eff": 3}).params.n_eff == 64
    assert parse_controls({"preset": "mup", "width": 64, "n-eff": 3}).params.n_eff == 1
    assert parse_controls({"preset": "custom", "width": 64, "n-eff": 3}).params.n_eff == 3
    assert not parse_controls({"preset": "SP"}).ok


def test_slider_value_is_log_scale_and_clamped():
    assert state.slider_value("eta", 0) == (1.0, None)
    assert state.slider_value("eta", 1) == (10.0, None)
    assert state.slider_value("eta", "0.17609")[0] == 1.5          # log10(1.5), 3 digits
    assert state.slider_value("eta", 99)[0] == FIELDS["eta"].hi
    assert state.slider_value("y", 2.5) == (2.5, None)
    assert state.slider_value("eta", None)[1]
    assert state.slider_position("width", 1000) == 3.0
    # the sliders of whole numbers: a whole number at every position
    for key in ("steps", "width"):
        for pos in (0.1, 0.5, 1.37, 2.81):
            v, err = state.slider_value(key, pos)
            assert err is None and v == round(v) and abs(v - 10 ** pos) <= 0.5 + 0.005 * v


# -- URL round trip -----------------------------------------------------------------------

def _finite_in(spec):
    return st.floats(min_value=spec.lo, max_value=spec.hi, allow_nan=False)


coords = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False)


@st.composite
def view_params(draw):
    raw = {key: draw(_finite_in(spec)) for key, spec in FIELDS.items()}
    raw["preset"] = draw(st.sampled_from(state.PRESETS))
    raw["layers"] = draw(st.lists(st.sampled_from(state.LAYERS), unique=True))
    raw["large"] = draw(st.booleans())
    raw["traj"] = draw(st.none() | st.lists(st.tuples(coords, coords), max_size=10))
    a, c = draw(coords), draw(coords)
    # spans well above the 6-digit resolution of the corners
    span = st.floats(1e-4 * max(abs(a), abs(c), 1.0) + 1e-3, 1e4)
    raw["window"] = draw(st.none() | st.just((a, a + draw(span), c, c + draw(span))))
    raw["grid"] = draw(st.integers(*state.GRID_RANGE))
    raw["arrows"] = draw(st.integers(*state.ARROW_RANGE))
    parsed = parse_controls(raw)
    assert parsed.ok, parsed.errors
    return parsed.params


@given(view_params())
def test_url_round_trip(p):
    q = to_query(p)
    back = from_query("?" + q)
    assert back.ok and not back.notes
    assert back.params == p
    assert to_query(back.params) == q          # canonical: no drift through history
    assert "+" not in q and " " not in q


def test_query_keys_are_the_control_ids():
    from app.core import ids
    q = to_query(ViewParams())
    keys = [kv.split("=")[0] for kv in q.split("&")]
    for k in (ids.ETA, ids.WIDTH, ids.N_EFF, ids.X_NORM, ids.Y, ids.PRESET, ids.SIGMA,
              ids.STEPS, ids.SEED, ids.LAYERS):
        assert k in keys


def test_trajectory_and_window_serialization():
    p = parse_controls({"traj": [(-2, 0.5), ("1.25", 3)], "window": [-4, 3, 0, 3]}).params
    q = to_query(p)
    assert "traj=-2:0.5,1.25:3" in q and "window=-4,3,0,3" in q
    assert from_query(q.replace("traj=-2:0.5,1.25:3", "traj=none")).params.starts == ()
    assert from_query("").params.starts is None            # the default start
    # too many starts: the latest MAX_TRAJECTORIES are kept
    many = parse_controls({"traj": [(i, 10) for i in range(20)]}).params.starts
    assert len(many) == state.MAX_TRAJECTORIES and many[-1] == (19.0, 10.0)


@pytest.mark.parametrize("bad", ["1,2,3", "3,1,0,1", "0,1,2,2", "a,b,c,d", "0,1e9,0,1"])
def test_bad_windows_are_refused(bad):
    assert parse_controls({"window": bad}, strict=True).errors


# -- plot events -----------------------------------------------------------------------------

def test_default_window_contains_start_line_i_and_eta_line():
    import uvcore
    for eta, n_eff, xn, y in [(1.5, 16, 1, 2), (0.3, 1, 2, -3), (5, 1e4, 0.5, 0.0)]:
        (a, b), (c, d) = state.default_window(eta, n_eff, xn, y)
        params = uvcore.MapParams(eta, n_eff, xn, y)
        d0, l0 = uvcore.default_start(params)
        assert a < d0 < b and a < 0 < b and c <= l0 < d
        assert d > 2 / eta and d > params.lam_min
