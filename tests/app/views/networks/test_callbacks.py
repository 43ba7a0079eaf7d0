"""The Real networks view's callbacks, called directly: hostile input gives a
message naming the control and computes nothing, too much work is refused,
the second identical run is a cache hit, progress ends at the top, engine
errors become messages, and the job is registered as a background callback."""

import pytest

from app.core import ids
from app.views.networks import callbacks as cb
from app.views.networks import caps, store

from .common import TINY, Counting, forbidden, values

#: The label each numeric control's messages start with (lr in its default mode c).
LABELS = {"width": "width", "depth": "depth", "n_train": "n_train", "lr": "ηλ₀ᴴ", "steps": "steps",
          "every": "sharpness every", "seed": "seed", "sigma_w2": "σ_w²"}
#: What each control takes, as its message says (the caps, written out).
ALLOWED = {"width": "an integer from 2 to 512", "depth": "an integer from 2 to 6",
           "n_train": "an integer from 16 to 5000", "lr": "a number from 0.01 to 10",
           "steps": "an integer from 1 to 2000", "every": "an integer from 1 to 2000",
           "seed": "an integer from 0 to 2147483647", "sigma_w2": "a number from 0.05 to 10"}
#: (hostile value, the reason the message gives; None: "is empty").
HOSTILE_NUMBERS = [(None, None), ("", None), (" ", None),
                   ("abc", "'abc' is not a number"),
                   (float("nan"), "must be a finite number"),
                   (float("inf"), "must be a finite number"),
                   (-float("inf"), "must be a finite number"), ([1], "expected a number, got list"),
                   ({"a": 1}, "expected a number, got dict"), (True, "True is not a number"),
                   ("1e400", "must be a finite number"), ("x" * 10_000, "not a number")]
HOSTILE_CHOICES = [None, 5, "RELU; rm -rf /", ["relu"], {"v": "relu"}, "", True]
#: The message of a hostile choice: the control and what it accepts.
CHOICE_MESSAGES = {
    "experiment": "experiment: choose one of single, fig1, fig5, fig4, fig4s",
    "activation": "activation: choose one of relu, tanh, linear",
    "param": "parameterization: choose one of sp, mup",
    "data": "data: choose one of gaussian, teacher, digits",
    "lr_mode": "learning rate: choose one of c, eta",
    "matching": "UV matching: choose one of auto, calibrated, structural, fitted",
}


def assert_refused(answer, message):
    fig, status, cls, result, options, value = answer
    assert status == f"⚠ {message}" and cls == "message error"
    assert fig["data"] == [] and fig["layout"]["annotations"][0]["text"].replace("<br>", " ") == f"⚠ {message}"
    assert result is None and options == [] and value is None


@pytest.mark.parametrize("name", list(LABELS))
@pytest.mark.parametrize("raw, reason", HOSTILE_NUMBERS)
def test_hostile_numbers_are_refused_by_name_and_nothing_runs(name, raw, reason):
    """The message names the control, what is wrong, and what it takes."""
    what = " is empty" if reason is None else f": {reason}"
    message = f"{LABELS[name]}{what}: enter {ALLOWED[name]}"
    assert_refused(cb.run_job(None, 1, *values(**{**TINY, name: raw}), compute_fn=forbidden),
                   message)
    assert cb.plan(*values(**{**TINY, name: raw})) == (f"⚠ {message} — nothing will run.",
                                                       "message error")


@pytest.mark.parametrize("name", list(CHOICE_MESSAGES))
@pytest.mark.parametrize("raw", HOSTILE_CHOICES)
def test_hostile_choices_are_refused_with_the_choices_and_nothing_runs(name, raw):
    assert_refused(cb.run_job(None, 1, *values(**{**TINY, name: raw}), compute_fn=forbidden),
                   CHOICE_MESSAGES[name])


@pytest.mark.parametrize("name, experiment, label, allowed", [
    ("scale", "fig4", "scale", "a number from 0.02 to 1"),
    ("fig1_c", "fig1", "ηλ₀ᴴ (Fig 1)", "a number from 0.01 to 10"),
    ("c_points", "fig5", "ηλ₀ᴴ points", "an integer from 2 to 48")])
def test_hostile_experiment_controls_are_refused(name, experiment, label, allowed):
    answer = cb.run_job(None, 1, *values(experiment=experiment, **{name: "1; drop"}),
                        compute_fn=forbidden)
    assert_refused(answer, f"{label}: '1; drop' is not a number: enter {allowed}")


def test_too_much_work_is_refused_before_computing():
    big = {**TINY, "width": 512, "n_train": 5000, "steps": 2000, "every": 1, "depth": 6}
    _, status, *_ = cb.run_job(None, 1, *values(**big), compute_fn=forbidden)
    assert status.startswith("⚠ too much work for this server")
    text, cls = cb.plan(*values(**big))
    assert text.startswith("⚠ too much work for this server") and cls == "message error"


@pytest.mark.parametrize("experiment", ["fig5", "fig4", "fig4s"])
def test_fitted_matching_is_refused_before_computing(experiment):
    _, status, cls, *_ = cb.run_job(None, 1, *values(experiment=experiment, matching="fitted"),
                                    compute_fn=forbidden)
    assert "single run and Fig 1 only" in status and "error" in cls


def test_the_plan_estimates_and_names_the_command_line():
    text, cls = cb.plan(*values(**TINY))
    p = caps.parse_params(TINY)[0]
    assert cls == "message note" and text.startswith(p.describe() + "; UV matching: calibrated")
    assert text.endswith(f"The same runs from the command line: {caps.cli_command(p)}")
    assert "Already computed" not in text
    clamped, _ = cb.plan(*values(**{**TINY, "width": 9999}))
    assert clamped.endswith("(width clamped to [2, 512])")


def test_second_identical_run_is_a_cache_hit():
    counting = Counting()
    first = cb.run_job(None, 1, *values(**TINY), compute_fn=counting)
    assert counting.calls == 1 and first[1].startswith("Done")
    assert first[3]["key"] == store.cache_key(caps.parse_params(TINY)[0])
    # the same parameters typed differently: no computation, the same figure
    again = cb.run_job(None, 2, *values(**{**TINY, "width": "8", "steps": 12.0}),
                       compute_fn=counting)
    assert counting.calls == 1 and again[1].startswith("Cached result")
    assert again[0] == first[0] and again[3] == first[3]
    assert "Already computed" in cb.plan(*values(**TINY))[0]
    # other parameters compute again
    cb.run_job(None, 3, *values(**{**TINY, "seed": 2}), compute_fn=counting)
    assert counting.calls == 2


def test_progress_is_reported_in_per_mille_and_ends_at_the_top():
    seen = []
    cb.run_job(seen.append, 1, *values(**TINY))
    assert seen and all(m == "1000" for _, m, _ in seen)
    done = [int(v) for v, _, _ in seen]
    assert done == sorted(done) and done[-1] == 1000
    # the label beside the bar: what runs and the whole percent (per mille // 10)
    assert [text for _, _, text in seen] == [f"training the networks: {d // 10} %"
                                             for d in done]


def test_engine_errors_become_messages():
    import uvcore

    def failing(p, progress=None):
        raise uvcore.UVInputError("initial sharpness is 0")

    def crashing(p, progress=None):
        raise RuntimeError("boom")

    def exhausted(p, progress=None):
        raise MemoryError

    assert_refused(cb.run_job(None, 1, *values(**TINY), compute_fn=failing),
                   "initial sharpness is 0")
    assert_refused(cb.run_job(None, 1, *values(**TINY), compute_fn=exhausted),
                   "out of memory: lower the size")
    assert_refused(cb.run_job(None, 1, *values(**TINY), compute_fn=crashing),
                   "internal error while running the networks (logged on the server)")
    # nothing was stored: the next run computes
    assert store.cache_get(store.cache_key(caps.parse_params(TINY)[0])) is None


def test_the_view_is_registered_with_a_background_job():
    from app import create_app
    dash_app = create_app({"warmup": False})
    layout = str(dash_app.layout())
    for cid in (ids.NETWORKS_RUN, ids.NETWORKS_CANCEL, ids.NETWORKS_PROGRESS,
                ids.NETWORKS_GRAPH, ids.NETWORKS_DOWNLOAD, ids.NETWORKS_EXPORT_RUN):
        assert cid in layout
    jobs = [v for k, v in dash_app.callback_map.items() if f"{ids.NETWORKS_GRAPH}.figure" in k]
    assert len(jobs) == 1 and jobs[0].get("background")


def test_a_failure_nobody_foresaw_gives_the_plan_line_a_message(monkeypatch):
    def broken(p):
        raise RuntimeError("boom")
    monkeypatch.setattr(cb, "check_work", broken)
    assert cb.plan(*values(**TINY)) == ("⚠ could not read the parameters", "message error")
