"""The player's store (app/views/phase_plane/player.py): the selected
trajectory's states as the browser plays them, checked against the map of
spec §2 written out; hostile states get an answer, never an exception."""

import json
import math

import pytest

from app.core import ids, theme
from app.core.state import from_query, to_query
from app.views.phase_plane import player

from ...conftest import request_body

#: The store rounds each state to player.DIGITS significant digits.
REL_TOL = 1e-6
HOSTILE = [None, "", "abc", [], {}, [1, 2], True, 1e308, float("nan"), "traj=abc",
           "eta=-1", "steps=1e99", "x" * 10_000]


def spec_step(df, lam, eta, n_eff, x_norm, y):
    """One GD step in (Δf, λ), spec §2: f = Δf + y."""
    f = df + y
    a = eta * x_norm ** 2 / n_eff
    return df * (1 - eta * lam + eta * a * df * f), lam + a * df * (eta * lam * df - 4 * f)


def test_the_store_holds_the_selected_trajectorys_states_in_order():
    state = "eta=2.26&width=16&preset=ntp&steps=300&traj=1:2,-2:0.5"
    data = player.player_data(state)
    df, lam = data["df"], data["lam"]
    assert len(df) == len(lam) == 301
    assert (df[0], lam[0]) == (-2.0, 0.5)                     # the latest start is selected
    for t in range(300):
        want = spec_step(df[t], lam[t], 2.26, 16, 1.0, 2.0)
        assert math.isclose(df[t + 1], want[0], rel_tol=REL_TOL, abs_tol=1e-9)
        assert math.isclose(lam[t + 1], want[1], rel_tol=REL_TOL, abs_tol=1e-9)
    # the second trajectory's colour and label, the tail's length
    assert data["color"] == theme.TRAJECTORY_COLORS[1] and data["label"] == "trajectory 2"
    assert data["tail"] == player.TAIL
    json.dumps(data)                                          # plain JSON for the browser


def test_the_key_names_the_trajectory_not_the_view():
    base = player.player_data("eta=1.5&traj=-2:0.5")["key"]
    assert player.player_data("eta=1.5&traj=-2:0.5&window=-5,3,0,4")["key"] == base
    assert player.player_data("eta=1.5&traj=-2:0.5&layers=regions")["key"] == base
    assert player.player_data("eta=1.6&traj=-2:0.5")["key"] != base
    assert player.player_data("eta=1.5&traj=-2:0.6")["key"] != base
    assert player.player_data("eta=1.5&traj=-2:0.5&steps=50")["key"] != base


def test_a_diverged_run_is_played_up_to_its_last_finite_state():
    data = player.player_data("eta=4.2&width=16&preset=ntp&traj=-2:0.5")
    # states 0 … 5: step 5 is the first past the divergence bound, still finite
    assert len(data["df"]) == 6
    assert all(math.isfinite(v) for v in data["df"] + data["lam"])


def test_no_trajectory_no_states():
    assert player.player_data("traj=none") is None


@pytest.mark.parametrize("state", HOSTILE)
def test_a_hostile_state_is_read_leniently(state):
    """from_query falls back field by field: the answer is the states of
    whatever state that gives (here the default trajectory), never an error."""
    data = player.player_data(state)
    p = from_query(state).params
    assert data == player.player_data(to_query(p))
    assert data is None or len(data["df"]) == len(data["lam"]) >= 1


def test_http_the_store_answers_every_state(dash_app, client):
    key = next(k for k in dash_app.callback_map if k.startswith(f"{ids.PLAYER_DATA}."))
    for value in HOSTILE + ["eta=2.26&traj=-2:0.5"]:
        prop = f"{ids.TIMESERIES_STATE}.data"
        body = request_body(dash_app, key, {prop: value}, [prop])
        r = client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                        content_type="application/json")
        assert r.status_code in (200, 204), (value, r.status_code)
