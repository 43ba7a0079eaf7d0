"""The dashboard's views, one package each: ``app/views/<name>/``.

Each package defines ``VIEW`` (:class:`app.core.registry.View`) in its
``__init__``, and keeps its own ``layout``, ``callbacks``, ``figures`` and,
where it needs one, ``compute`` module.  A view imports ``app.core``,
``app.shell`` and ``uvcore``, never another view; it steers the phase plane
through intents (:mod:`app.core.intents`).  :func:`load` imports the
packages named in :data:`NAMES` and returns their views, which
``create_app`` is given explicitly.
"""

from __future__ import annotations

import importlib

__all__ = ["NAMES", "load"]

#: The view packages of the dashboard, in no particular order (tabs are
#: ordered by each view's ``order``).
NAMES = ("phase_plane", "bifurcation", "universality", "fate_map", "presets", "import_trace",
         "eta_max", "networks")


def load(names=NAMES) -> tuple:
    """The ``VIEW`` of each package in ``names`` (imports them)."""
    return tuple(importlib.import_module(f"{__name__}.{name}").VIEW for name in names)
