"""The Real networks view's callbacks, called directly: validation and clamping,
hostile input (a message, nothing computed), the result cache, progress, the
export read back by the Import view's own parser (app/imported.py), and the
command line the view shows recomputing its runs in another process."""

import json
import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.views.import_trace import parse as imported

from app.core import ids
from app.views import networks as nv
from app.core import traces

#: Exported numbers keep 7 significant digits.
EXPORT_REL = 1e-6
#: The view's payload keeps 7 significant digits; the command line prints all.
SAME_RUN_RTOL = 1e-6
ROOT = Path(__file__).resolve().parents[2]

TINY = {"experiment": "single", "width": 8, "n_train": 32, "steps": 12, "every": 3,
        "depth": 2, "seed": 1}


def values(**raw):
    """Control values in CONTROLS order (defaults for the rest), as the callback passes them."""
    merged = {**nv.DEFAULTS, **raw}
    return [merged[name] for name, _ in nv.CONTROLS]


class Counting:
    """compute_fn that counts its calls (and runs the real computation)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, p, progress=None):
        self.calls += 1
        return nv.compute(p, progress)


def forbidden(p, progress=None):
    raise AssertionError("must not compute")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NETWORKS_CACHE_DIR", str(tmp_path / "networks"))


# -- validation and clamping ---------------------------------------------------------------

def test_defaults_parse_without_notes():
    p, notes, err = nv.parse_params(dict(zip([n for n, _ in nv.CONTROLS], values())))
    assert err is None and notes == [] and p == nv.NetParams()


@pytest.mark.parametrize("name,raw,expected", [
    ("width", 100_000, 512), ("width", 0, 2), ("depth", 99, 6), ("steps", 1e9, 2000),
    ("n_train", 10**7, 5000), ("sigma_w2", 1e-9, 0.05), ("seed", -4, 0),
    ("lr", 1e6, 10.0),
])
def test_out_of_range_values_are_clamped_with_a_note(name, raw, expected):
    p, notes, err = nv.parse_params({**TINY, name: raw})
    assert err is None and getattr(p, name) == expected
    assert len(notes) == 1 and "clamped" in notes[0]


def test_clamping_that_depends_on_other_controls():
    p, notes, _ = nv.parse_params({**TINY, "data": "digits", "n_train": 4000})
    assert p.n_train == nv.DIGITS_MAX_TRAIN and "digits" in notes[0]
    p, notes, _ = nv.parse_params({**TINY, "steps": 10, "every": 50})
    assert p.every == 10 and "sharpness every" in notes[0]
    p, _, _ = nv.parse_params({**TINY, "lr_mode": "eta", "lr": 1e-9})
    assert p.lr == nv.CAPS["eta"].lo
    p, notes, _ = nv.parse_params({"experiment": "fig5", "scale": 7, "c_points": 1000})
    assert (p.scale, p.c_points) == (1.0, 48) and len(notes) == 2


def test_numbers_are_normalized_so_equal_values_share_a_key():
    a, _, _ = nv.parse_params({**TINY, "width": "8", "lr": "1.5", "sigma_w2": 2})
    b, _, _ = nv.parse_params({**TINY, "width": 8.2, "lr": 1.5000000001, "sigma_w2": 2.0})
    assert nv.cache_key(a) == nv.cache_key(b)
    c, _, _ = nv.parse_params({**TINY, "width": 9})
    assert nv.cache_key(c) != nv.cache_key(a)


def test_the_key_ignores_controls_the_experiment_does_not_use():
    a, _, _ = nv.parse_params({"experiment": "fig4", "scale": 0.05, "width": 8})
    b, _, _ = nv.parse_params({"experiment": "fig4", "scale": 0.05, "width": "not read"})
    assert a is not None and b is not None and nv.cache_key(a) == nv.cache_key(b)
    # "auto" matching is the experiment's default: the same key as naming it
    c, _, _ = nv.parse_params({"experiment": "fig4", "scale": 0.05, "matching": "calibrated"})
    assert nv.cache_key(c) == nv.cache_key(a)


HOSTILE_NUMBERS = [None, "", "abc", float("nan"), float("inf"), -float("inf"), [1], {"a": 1},
                   True, "1e400", "x" * 10_000]
HOSTILE_CHOICES = [None, 5, "RELU; rm -rf /", ["relu"], {"v": "relu"}, "", True]


@pytest.mark.parametrize("name", ["width", "depth", "n_train", "lr", "steps", "every", "seed",
                                  "sigma_w2"])
@pytest.mark.parametrize("raw", HOSTILE_NUMBERS)
def test_hostile_numbers_are_refused_and_nothing_runs(name, raw):
    fig, status, cls, store, options, value = nv.run_job(
        None, 1, *values(**{**TINY, name: raw}), compute_fn=forbidden)
    assert status.startswith("⚠") and cls == "message error"
    assert fig["data"] == [] and store is None and options == [] and value is None
    text, cls = nv.plan(*values(**{**TINY, name: raw}))
    assert "nothing will run" in text and cls == "message error"


@pytest.mark.parametrize("name", ["experiment", "activation", "param", "data", "lr_mode",
                                  "matching"])
@pytest.mark.parametrize("raw", HOSTILE_CHOICES)
def test_hostile_choices_are_refused_and_nothing_runs(name, raw):
    fig, status, *_ = nv.run_job(None, 1, *values(**{**TINY, name: raw}), compute_fn=forbidden)
    assert status.startswith("⚠ ") and "choose one of" in status and fig["data"] == []


@pytest.mark.parametrize("name", ["scale", "fig1_c", "c_points"])
def test_hostile_experiment_controls_are_refused(name):
    exp = {"scale": "fig4", "fig1_c": "fig1", "c_points": "fig5"}[name]
    _, status, *_ = nv.run_job(None, 1, *values(experiment=exp, **{name: "1; drop"}),
                               compute_fn=forbidden)
    assert status.startswith("⚠")


def test_too_much_work_is_refused_before_computing():
    big = {**TINY, "width": 512, "n_train": 5000, "steps": 2000, "every": 1, "depth": 6}
    _, status, *_ = nv.run_job(None, 1, *values(**big), compute_fn=forbidden)
    assert "too much work" in status
    assert "too much work" in nv.plan(*values(**big))[0]
    assert nv.estimate_work(nv.parse_params({"experiment": "fig1", "scale": 1.0})[0]) \
        > nv.MAX_WORK


def test_parse_params_never_raises_on_odd_containers():
    for raw in (None, 5, "single", [], {"experiment": ["single"]}):
        p, _notes, err = nv.parse_params(raw)
        assert p is None and err


# -- the job, its cache and its progress ---------------------------------------------------------

def test_second_identical_run_is_a_cache_hit():
    counting = Counting()
    first = nv.run_job(None, 1, *values(**TINY), compute_fn=counting)
    assert counting.calls == 1 and first[1].startswith("Done")
    assert first[3]["key"] == nv.cache_key(nv.parse_params(TINY)[0])
    # the same parameters typed differently: no computation, the same figure
    again = nv.run_job(None, 2, *values(**{**TINY, "width": "8", "steps": 12.0}),
                       compute_fn=counting)
    assert counting.calls == 1 and again[1].startswith("Cached result")
    assert again[0] == first[0] and again[3] == first[3]
    assert "Already computed" in nv.plan(*values(**TINY))[0]
    # other parameters compute again
    nv.run_job(None, 3, *values(**{**TINY, "seed": 2}), compute_fn=counting)
    assert counting.calls == 2


def test_progress_is_reported_in_per_mille_and_ends_at_the_top():
    seen = []
    nv.run_job(seen.append, 1, *values(**TINY))
    assert seen and all(m == "1000" for _, m in seen)
    done = [int(v) for v, _ in seen]
    assert done == sorted(done) and done[-1] == 1000


def test_unreadable_cache_entries_are_misses(tmp_path):
    p, _, _ = nv.parse_params(TINY)
    key = nv.cache_key(p)
    with nv._open_cache() as c:
        c.set(key, "{not json")
    assert nv.cache_get(key) is None
    for bad in (None, 5, "../../etc/passwd", "A" * 64, key[:-1]):
        assert nv.cache_get(bad) is None


def test_engine_errors_become_messages():
    import uvcore

    def failing(p, progress=None):
        raise uvcore.UVInputError("initial sharpness is 0")

    def crashing(p, progress=None):
        raise RuntimeError("boom")

    assert nv.run_job(None, 1, *values(**TINY), compute_fn=failing)[1] == \
        "⚠ initial sharpness is 0"
    status = nv.run_job(None, 1, *values(**TINY), compute_fn=crashing)[1]
    assert status.startswith("⚠ internal error") and "boom" not in status


# -- export ------------------------------------------------------------------------------------------

def test_export_is_read_back_by_the_import_parser():
    _fig, _status, cls, store, options, value = nv.run_job(None, 1, *values(**TINY))
    assert options == [{"label": "network", "value": 0}] and value == 0
    data, _message, cls = nv.download(store, value)
    assert cls == "message note" and data["filename"].endswith(".csv")
    trace, msg = imported.parse_bytes(data["content"].encode(), data["filename"])
    assert trace is not None, msg
    run = nv.cache_get(store["key"])["runs"][0]
    # one row per measured step; Δf = −√(2 loss), λ = NTK, λᴴ = Hessian sharpness
    assert trace.step.tolist() == run["step"]
    for k in range(trace.rows):
        assert trace.df[k] == pytest.approx(-math.sqrt(2 * run["train_loss"][k]), rel=EXPORT_REL)
        assert 0.5 * trace.df[k] ** 2 == pytest.approx(run["train_loss"][k], rel=3 * EXPORT_REL)
        assert trace.lam[k] == pytest.approx(run["ntk"][k], rel=EXPORT_REL)
        assert trace.lam_h[k] == pytest.approx(run["sharpness"][k], rel=EXPORT_REL)
    # the browser copy the Import view keeps is valid too
    assert traces.from_store(traces.to_store(trace)) is not None


def test_fig1_exports_each_network():
    _, _, _, store, options, _ = nv.run_job(None, 1, *values(experiment="fig1", scale=0.02))
    assert [o["value"] for o in options] == [0, 1, 2]
    names = set()
    for o in options:
        data, _, _cls = nv.download(store, o["value"])
        trace, msg = imported.parse_bytes(data["content"].encode(), data["filename"])
        assert trace is not None, msg
        names.add(data["filename"])
    assert len(names) == 3


def test_fig5_and_fig4_have_nothing_to_export():
    _, _, _, store, options, value = nv.run_job(None, 1, *values(experiment="fig5", scale=0.02,
                                                                 c_points=2))
    assert options == [] and value is None
    data, message, _cls = nv.download(store, 0)
    assert data is None and "nothing to export" in message


@pytest.mark.parametrize("store", [None, 5, "x", {}, {"key": "../../etc/passwd"},
                                   {"key": 123}, {"key": "0" * 64}])
@pytest.mark.parametrize("which", [None, -1, 99, "0", True, [0]])
def test_export_with_hostile_store_or_choice_answers_with_a_message(store, which):
    data, message, _cls = nv.download(store, which)
    assert data is None and message.startswith("⚠")


# -- registration ---------------------------------------------------------------------------------------

def test_the_view_is_registered_with_a_background_job():
    from app import create_app
    dash_app = create_app({"warmup": False})
    layout = str(dash_app.layout())
    for cid in (ids.NETWORKS_RUN, ids.NETWORKS_CANCEL, ids.NETWORKS_PROGRESS,
                ids.NETWORKS_GRAPH, ids.NETWORKS_DOWNLOAD, ids.NETWORKS_EXPORT_RUN):
        assert cid in layout
    jobs = [v for k, v in dash_app.callback_map.items() if ids.NETWORKS_GRAPH in k]
    assert len(jobs) == 1 and jobs[0].get("background")


# -- the command line shown under the controls --------------------------------------------

def _arr(v):
    """JSON numbers (None for NaN) as a float array."""
    return np.array(v, dtype=float)


#: (view parameters, [(command-line JSON path, payload path), ...]); paths are key tuples.
SAME_RUNS = [
    ({**TINY, "seed": 2, "lr_mode": "eta", "lr": 0.05},
     [(("sharpness",), ("runs", 0, "sharpness")), (("loss_all",), ("runs", 0, "loss")),
      (("ntk",), ("runs", 0, "ntk")), (("eta",), ("runs", 0, "eta"))]),
    ({"experiment": "fig1", "scale": 0.02, "fig1_c": 1.2, "seed": 1},
     [(("runs", i, k), ("runs", i, k)) for i in range(3) for k in ("sharpness", "ntk", "eta")]
     + [(("uv", i, "n_eff"), ("runs", i, "uv", "n_eff")) for i in range(3)]),
    ({"experiment": "fig1", "scale": 0.02, "matching": "fitted"},
     [(("uv", i, k), ("runs", i, "uv", k)) for i in range(3) for k in ("n_eff", "coupling")]),
    ({"experiment": "fig5", "scale": 0.02, "c_points": 3},
     [(("c",), ("c",)), (("bif",), ("bif",)), (("uv_bif",), ("uv_bif",)),
      (("traj",), ("traj",)), (("power",), ("power",))]),
    ({"experiment": "fig4", "scale": 0.02},
     [(("c",), ("c",)), (("sigma_w2",), ("rows",)), (("half_sharp_a",), ("half_sharp",)),
      (("test_acc_a",), ("test_acc",)), (("uv_half_sharp_a",), ("uv_half_sharp",)),
      (("uv_n_eff_a",), ("uv_n_eff",))]),
    ({"experiment": "fig4s", "scale": 0.02, "matching": "structural"},
     [(("s",), ("rows",)), (("half_sharp_b",), ("half_sharp",)),
      (("uv_half_sharp_b",), ("uv_half_sharp",)), (("uv_n_eff_b",), ("uv_n_eff",))]),
]


def _at(obj, path):
    for k in path:
        obj = obj[k]
    return obj


@pytest.mark.slow
@pytest.mark.parametrize("raw, pairs", SAME_RUNS,
                         ids=[f"{r['experiment']}-{r.get('matching', 'auto')}" for r, _ in SAME_RUNS])
def test_the_command_line_shown_computes_the_same_runs(raw, pairs):
    p, notes, err = nv.parse_params(raw)
    assert err is None and not notes
    command = nv.cli_command(p)
    assert command in nv.plan(*values(**raw))[0]
    payload = nv.compute(p)
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "uvcore"]
    r = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for cli_path, view_path in pairs:
        got, want = _arr(_at(out, cli_path)), _arr(_at(payload, view_path))
        assert got.shape == want.shape, cli_path
        assert np.isfinite(want).any(), view_path      # something was compared
        np.testing.assert_allclose(got, want, rtol=SAME_RUN_RTOL, equal_nan=True,
                                   err_msg=str(cli_path))


@pytest.mark.parametrize("experiment", ["fig5", "fig4", "fig4s"])
def test_fitted_matching_is_refused_where_rows_share_a_model(experiment):
    p, _notes, err = nv.parse_params({"experiment": experiment, "matching": "fitted"})
    assert p is None and "single run and Fig 1 only" in err
    fig, status, cls, *_ = nv.run_job(None, 1, *values(experiment=experiment, matching="fitted"),
                                      compute_fn=forbidden)
    assert "single run and Fig 1 only" in status and "error" in cls


def test_fitted_single_run_draws_its_own_model():
    p, _notes, err = nv.parse_params({**TINY, "matching": "fitted"})
    payload = nv.compute(p)
    uv = payload["runs"][0]["uv"]
    assert uv["method"] == "fitted" and uv["eta"] == pytest.approx(payload["runs"][0]["eta"])
