"""The views of the dashboard as data: what ``create_app`` is given.

A view is a :class:`View`: a tab label, its ``dcc.Tabs`` value, a layout
factory and a function attaching its callbacks.  Each view package defines
one as ``VIEW`` (:mod:`app.views`); nothing is registered anywhere by
importing it, and ``create_app`` is handed the list explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

__all__ = ["View", "ordered"]


@dataclass(frozen=True)
class View:
    """One tab of the dashboard.

    Attributes
    ----------
    label : the tab's text.
    value : its ``dcc.Tabs`` value (a public id: the URL's hash names it).
    layout : a function returning the tab's components.
    register : ``register(app)`` attaches the view's callbacks to a Dash app
        (None: it has none).
    order : tabs are shown by increasing order (the phase plane is 0).
    """

    label: str
    value: str
    layout: Callable[[], object]
    register: Callable[[object], None] | None = None
    order: int = 100


def ordered(views: Iterable[View]) -> tuple[View, ...]:
    """``views`` by order then label; a value given twice is refused."""
    out = tuple(sorted(views, key=lambda v: (v.order, v.label)))
    values = [v.value for v in out]
    dup = sorted({v for v in values if values.count(v) > 1})
    if dup:
        raise ValueError(f"two views share the tab value {dup[0]!r}")
    return out
