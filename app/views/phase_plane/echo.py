"""What the phase plane's answer writes: every output showing the state,
without those the browser already holds.

Each output written fires the callbacks that read it (a slider's sync, the
views' copies of the state) and costs the Dash renderer work, so an answer
leaves out (``no_update``) what the browser shows already: the controls, the
store, the message line and the trajectory list, whose values come with the
call, and the read-outs, which show the stored state (every answer writes
them with it).
"""

from __future__ import annotations

from typing import Any, Mapping

from dash import no_update

from ...core.layout import fmt_readout
from ...core.state import ViewParams, from_query
from .live import SLIDER_KEYS

__all__ = ["number_out", "controls_out", "only_changes"]


def number_out(v: float):
    """A number for a dcc.Input: int when integral (so 16 shows as 16, not 16.0)."""
    return int(v) if float(v).is_integer() and abs(v) < 1e15 else v


def controls_out(p: ViewParams) -> dict:
    """The outputs that show the parameters of ``p``: controls and read-outs."""
    return {
        "inputs": {k: number_out(p.value(k)) for k in SLIDER_KEYS},
        "seed": int(p.seed),
        "preset": p.preset,
        "layers": list(p.layers),
        "large": ["large"] if p.large else [],
        "eta_c": fmt_readout(p.eta_c),
        "two_over_eta": fmt_readout(2.0 / p.eta),
    }


#: Outputs of :func:`controls_out` that are inputs of the plane callback too
#: (the browser's values come with every call), and those derived from the state.
_ECHOED = ("seed", "preset", "layers", "large")
_DERIVED = ("eta_c", "two_over_eta")


def _same(new: Any, old: Any) -> bool:
    """Is the output ``new`` what the browser holds (``old``)?  Never for a bool
    against a number (True == 1 in Python)."""
    if isinstance(new, bool) or isinstance(old, bool):
        return type(new) is type(old) and new == old
    numbers = isinstance(new, (int, float)) and isinstance(old, (int, float))
    return (numbers or type(new) is type(old)) and new == old


def only_changes(out: dict, browser: Mapping[str, Any]) -> dict:
    """``out`` with ``no_update`` for each output the browser already holds:
    the controls, the store, the message line and the trajectory list (their
    values came with the call) and the read-outs (those of the stored state,
    which the browser shows: every answer writes them with the state).  Each output
    written fires the callbacks that read it (a slider's sync, the views'
    copies of the state), and the renderer's work grows with their number."""
    out = dict(out)
    shown = browser.get("inputs") if isinstance(browser.get("inputs"), Mapping) else {}
    if isinstance(out["inputs"], Mapping):
        out["inputs"] = {k: no_update if v is not no_update and _same(v, shown.get(k)) else v
                         for k, v in out["inputs"].items()}
    for k in _ECHOED:
        if out[k] is not no_update and _same(out[k], browser.get(k)):
            out[k] = no_update
    for k, held in (("state", "state"), ("traj_value", "select"), ("message", "message_shown"),
                    ("message_class", "message_class_shown"), ("traj_options", "options_shown")):
        if out[k] is not no_update and _same(out[k], browser.get(held)):
            out[k] = no_update
    base = from_query(browser.get("state"))
    if base.ok and not base.notes and isinstance(browser.get("state"), str):
        was = controls_out(base.params)
        for k in _DERIVED:
            if out[k] is not no_update and out[k] == was[k]:
                out[k] = no_update
    return out
