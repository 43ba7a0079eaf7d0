"""The η_max job: bad grids and hostile stores give a message (never a failure),
the work cap and an unforeseen error are reported."""

import pytest

from app.core.state import ViewParams, to_query
from app.views.eta_max import callbacks as job
from app.views.eta_max import compute as em

DEFAULT = to_query(ViewParams())
INTERNAL = "Internal error while computing the η_max map (logged on the server)."


def note(fig) -> str:
    return fig["layout"]["annotations"][0]["text"].replace("<br>", " ")   # wrapped lines


#: What the grid takes, as every refusal says.
TAKES = "enter an integer from 8 to 120"


@pytest.mark.parametrize("raw, why", [
    (None, f"grid is empty: {TAKES}"), ("", f"grid is empty: {TAKES}"),
    ("abc", f"grid: 'abc' is not a number: {TAKES}"),
    (float("nan"), f"grid: must be a finite number: {TAKES}"),
    (float("inf"), f"grid: must be a finite number: {TAKES}"),
    ([1], f"grid: expected a number, got list: {TAKES}"),
    ({"a": 1}, f"grid: expected a number, got dict: {TAKES}"),
    (True, f"grid: True is not a number: {TAKES}"),
    (1e308, f"grid = 1e308 is out of range: {TAKES}"),
    (-5, f"grid = -5 is out of range: {TAKES}"), (5, f"grid = 5 is out of range: {TAKES}"),
    (1000, f"grid = 1000 is out of range: {TAKES}"),
    (40.5, f"grid = 40.5 is not a whole number: {TAKES}")])
def test_bad_grid_is_refused_with_a_message(raw, why):
    progress = []
    fig, text = job.run_job(progress.append, 1, DEFAULT, raw)
    assert text == "⚠ " + why and fig["data"] == [] and note(fig) == text
    assert progress == []                                     # nothing was computed
    # the same line at once while the grid is typed, before any Compute
    assert job.check_grid(raw, "an earlier job's summary") == "⚠ " + why


def test_a_fixed_grid_clears_only_a_grid_message():
    from dash import no_update
    assert job.check_grid(40, f"⚠ grid = 5 is out of range: {TAKES}") == ""
    assert job.check_grid(40, "1600 starts; η_max from 0.5 to 9") is no_update
    assert job.check_grid(8, None) is no_update


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
    assert seen and all(isinstance(d, str) and isinstance(t, str) for d, t, _ in seen)
    assert [int(d) for d, _, _ in seen] == list(range(1, len(seen) + 1))
    assert all(int(d) <= int(t) for d, t, _ in seen)
    # the label: what runs, and the whole percent of the bar
    assert [text for _, _, text in seen] == [
        f"η_max of 8×8 starts: {100 * int(d) // int(t)} %" for d, t, _ in seen]
