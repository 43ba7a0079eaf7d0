"""Helpers the Real networks view's tests share: tiny parameters, the control
values in the order the callbacks pass them, compute functions that count or
refuse their calls, payloads of real runs, and the figure check."""

import json

import plotly.graph_objects as go

from app.views.networks import caps
from app.views.networks.compute import run_experiment

#: Payload numbers keep 7 significant digits.
ROUND_REL = 1e-6
#: A network small enough to train in well under a second.
TINY = {"experiment": "single", "width": 8, "n_train": 32, "steps": 12, "every": 3,
        "depth": 2, "seed": 1}


def values(**raw):
    """Control values in CONTROLS order (defaults for the rest), as the callback passes them."""
    merged = {**caps.DEFAULTS, **raw}
    return [merged[name] for name, _ in caps.CONTROLS]


class Counting:
    """compute_fn that counts its calls (and runs the real computation)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, p, progress=None):
        self.calls += 1
        return run_experiment(p, progress)


def forbidden(p, progress=None):
    raise AssertionError("must not compute")


def payload_of(**raw):
    """The payload of a real run of the parameters ``raw`` (which must parse)."""
    p, _notes, err = caps.parse_params(raw)
    assert err is None, err
    return run_experiment(p)


def valid(fig):
    """``fig``, after checking it is strict JSON and valid to plotly's schema."""
    json.dumps(fig, allow_nan=False)
    go.Figure(fig)           # raises on any property plotly does not know
    return fig
