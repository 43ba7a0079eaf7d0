"""app.core.intents: building and reading back what views ask of the phase plane."""

import math

import pytest

from app.core import intents


INTENT = "plane-intent.data"
HOSTILE = [None, "", [], {}, {"kind": "nope"}, {"kind": "set-eta"}, {"kind": "set-eta", "eta": "2"},
           {"kind": "set-eta", "eta": True}, {"kind": "set-eta", "eta": math.nan},
           {"kind": "add-start", "df": 1.0}, {"kind": "add-start", "df": 1, "lam": math.inf},
           {"kind": "load-state", "query": 5}, {"kind": "load-state", "query": "x" * 5000},
           {"kind": "set-window"}, {"kind": "set-window", "window": [0, 1, 0]},
           {"kind": "set-window", "window": [0, 1, 0, math.inf]},
           {"kind": "set-window", "window": "0,1,0,1"},
           {"kind": "set-window", "window": [1, 0, 0, 1]},
           {"kind": "set-window", "window": [0, 1, 0, 2e6]}]


def test_each_intent_reads_back_as_itself_with_a_fresh_token():
    a, b = intents.set_eta(1.5), intents.set_eta(1.5)
    assert a["token"] != b["token"]              # the same intent twice applies twice
    assert intents.parse(a) == (intents.Intent("set-eta", eta=1.5), None)
    assert intents.parse(intents.add_start(-1, 2.5)) == (
        intents.Intent("add-start", df=-1.0, lam=2.5), None)
    assert intents.parse(intents.load_state("?eta=2")) == (
        intents.Intent("load-state", query="eta=2"), None)
    assert intents.parse(intents.set_window(-80, 0.5, 60, 90)) == (
        intents.Intent("set-window", window=(-80.0, 0.5, 60.0, 90.0)), None)


@pytest.mark.parametrize("data", HOSTILE)
def test_anything_else_is_refused_with_a_reason(data):
    intent, why = intents.parse(data)
    assert intent is None and isinstance(why, str) and why
