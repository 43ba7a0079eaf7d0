"""The Real networks view's caps and parsing: defaults, clamping with a note,
clamps that depend on other controls, normalization (equal values share a
key), and unusable input refused with a message naming the control."""

import pytest

from app.views.networks import caps
from app.views.networks.store import cache_key

from .common import TINY, values


def test_defaults_parse_without_notes():
    p, notes, err = caps.parse_params(dict(zip([n for n, _ in caps.CONTROLS], values())))
    assert err is None and notes == [] and p == caps.NetParams()


@pytest.mark.parametrize("name,raw,expected,note", [
    ("width", 100_000, 512, "width clamped to [2, 512]"),
    ("width", 0, 2, "width clamped to [2, 512]"),
    ("depth", 99, 6, "depth clamped to [2, 6]"),
    ("steps", 1e9, 2000, "steps clamped to [1, 2000]"),
    ("n_train", 10**7, 5000, "n_train clamped to [16, 5000]"),
    ("sigma_w2", 1e-9, 0.05, "σ_w² clamped to [0.05, 10]"),
    ("seed", -4, 0, "seed clamped to [0, 2147483647]"),
    ("lr", 1e6, 10.0, "ηλ₀ᴴ clamped to [0.01, 10]"),
])
def test_out_of_range_values_are_clamped_with_a_note(name, raw, expected, note):
    p, notes, err = caps.parse_params({**TINY, name: raw})
    assert err is None and getattr(p, name) == expected
    assert notes == [note]


def test_clamping_that_depends_on_other_controls():
    p, notes, _ = caps.parse_params({**TINY, "data": "digits", "n_train": 4000})
    assert p.n_train == caps.DIGITS_MAX_TRAIN == 1500 and "digits" in notes[0]
    p, notes, _ = caps.parse_params({**TINY, "steps": 10, "every": 50})
    assert p.every == 10 and "sharpness every" in notes[0]
    p, _, _ = caps.parse_params({**TINY, "lr_mode": "eta", "lr": 1e-9})
    assert p.lr == caps.CAPS["eta"].lo == 1e-6
    p, notes, _ = caps.parse_params({"experiment": "fig5", "scale": 7, "c_points": 1000})
    assert (p.scale, p.c_points) == (1.0, 48) and len(notes) == 2


def test_numbers_are_normalized_so_equal_values_share_a_key():
    a, _, _ = caps.parse_params({**TINY, "width": "8", "lr": "1.5", "sigma_w2": 2})
    b, _, _ = caps.parse_params({**TINY, "width": 8.2, "lr": 1.5000000001, "sigma_w2": 2.0})
    assert a == b and cache_key(a) == cache_key(b)
    c, _, _ = caps.parse_params({**TINY, "width": 9})
    assert cache_key(c) != cache_key(a)


def test_the_key_ignores_controls_the_experiment_does_not_use():
    a, _, _ = caps.parse_params({"experiment": "fig4", "scale": 0.05, "width": 8})
    b, _, _ = caps.parse_params({"experiment": "fig4", "scale": 0.05, "width": "not read"})
    assert a is not None and b is not None and cache_key(a) == cache_key(b)
    # "auto" matching is the experiment's default: the same key as naming it
    c, _, _ = caps.parse_params({"experiment": "fig4", "scale": 0.05, "matching": "calibrated"})
    assert cache_key(c) == cache_key(a)


@pytest.mark.parametrize("raw", [None, 5, "single", []])
def test_parameters_that_are_not_a_dict_are_refused(raw):
    assert caps.parse_params(raw) == (None, [], "parameters: expected the control values")


def test_an_experiment_that_is_not_a_name_is_refused():
    p, _notes, err = caps.parse_params({"experiment": ["single"]})
    assert p is None and err == "experiment: choose one of single, fig1, fig5, fig4, fig4s"


@pytest.mark.parametrize("experiment", ["fig5", "fig4", "fig4s"])
def test_fitted_matching_is_refused_where_rows_share_a_model(experiment):
    p, _notes, err = caps.parse_params({"experiment": experiment, "matching": "fitted"})
    assert p is None and "single run and Fig 1 only" in err


def test_the_choices_are_the_engines():
    """The view offers what uvcore.nets accepts, plus "auto" for the matching."""
    from uvcore import nets
    assert set(caps.ACTIVATIONS) == set(nets.ACTIVATIONS) == {"relu", "tanh", "linear"}
    assert set(caps.DATA) == {"gaussian", "teacher", "digits"}
    assert caps.MATCHINGS == ("auto", "calibrated", "structural", "fitted")


@pytest.mark.parametrize("scale, want", [
    # max(floor, round(paper size · s)) with Fig 1's sizes 1500/512/2000 and floors 32/8/10
    (0.02, {"n_train": 32, "width": 10, "steps": 40}),
    (0.1, {"n_train": 150, "width": 51, "steps": 200}),
    (1.0, {"n_train": 1500, "width": 512, "steps": 2000}),
])
def test_fig1_sizes_scale_the_papers_by_its_own_rule(scale, want):
    z = caps.sizes(caps.parse_params({"experiment": "fig1", "scale": scale})[0])
    assert {k: z[k] for k in want} == want and z["depth"] == 4


def test_the_command_line_names_every_parameter_of_a_single_run():
    p, _, _ = caps.parse_params({**TINY, "lr_mode": "eta", "lr": 0.05, "seed": 2})
    assert caps.cli_command(p) == (
        "python -m uvcore network --depth 2 --width 8 --activation relu --param sp "
        "--sigma-w2 2 --data gaussian --n-train 32 --eta 0.05 --steps 12 "
        "--sharpness-every 3 --dtype float32 --seed 2")
