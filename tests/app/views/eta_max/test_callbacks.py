"""The η_max job: bad grids and hostile stores give a message (never a failure),
the work cap and an unforeseen error are reported."""

import pytest

from app.core.state import ViewParams, to_query
from app.views.eta_max import callbacks as job
from app.views.eta_max import compute as em

DEFAULT = to_query(ViewParams())
INTERNAL = "Internal error while computing the η_max map (logged on the server)."


def note(fig) -> str:
    return fig["layout"]["annotations"][0]["text"]


@pytest.mark.parametrize("raw, why", [
    (None, "grid: enter a number"), ("", "grid: enter a number"),
    ("abc", "grid: 'abc' is not a number"), (float("nan"), "grid: must be a finite number"),
    (float("inf"), "grid: must be a finite number"), ([1], "grid: expected a number"),
    ({"a": 1}, "grid: expected a number"), (True, "grid: enter a number"),
    (1e308, "grid must be between 8 and 120"), (-5, "grid must be between 8 and 120"),
    (3, "grid must be between 8 and 120"), (10_000, "grid must be between 8 and 120")])
def test_bad_grid_is_refused_with_a_message(raw, why):
    progress = []
    fig, text = job.run_job(progress.append, 1, DEFAULT, raw)
    assert text.startswith("⚠ " + why) and fig["data"] == [] and note(fig) == text
    assert progress == []                                     # nothing was computed


@pytest.mark.parametrize("state", [None, 5, "eta=abc", "x" * 10_000, {"a": 1}])
def test_hostile_state_falls_back_to_the_default_state(state):
    fig, text = job.run_job(None, 1, state, 8)
    expected = job.run_job(None, 1, DEFAULT, 8)
    assert text == expected[1] and "current η = 1.5" in text
    assert fig["data"][0]["z"] == expected[0]["data"][0]["z"]


def test_work_cap_is_a_message(monkeypatch):
    monkeypatch.setattr(em, "MAX_WORK", 1e3)
    fig, text = job.run_job(None, 1, DEFAULT, 8)
    assert text.startswith("⚠ too much work") and note(fig) == text


def test_an_unforeseen_error_is_reported(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(em, "eta_max_map", broken)
    fig, text = job.run_job(None, 1, DEFAULT, 8)
    assert text == INTERNAL and note(fig) == INTERNAL


def test_progress_goes_to_the_bar_as_strings():
    seen = []
    job.run_job(seen.append, 1, DEFAULT, 8)
    assert seen and all(isinstance(d, str) and isinstance(t, str) for d, t in seen)
    assert [int(d) for d, _ in seen] == list(range(1, len(seen) + 1))
    assert all(int(d) <= int(t) for d, t in seen)
