"""The "Real networks" view: train real networks and compare them with the UV model.

The paper's learning rate of a network, c = ηλ₀ᴴ (spec §6), is written ηλ₀ᴴ
here, never c: in every other view c = η/η_c is the UV map's parameter (spec
§3), which the matched UV model's c_UV is.  Ids, URL keys and CSV keys keep
``c``.

What it runs (:mod:`uvcore.nets`, spec §6), as a background job (:mod:`app.shell.jobs`:
the request returns at once, a bar shows progress, Cancel stops it):

* ``single`` — one fully connected network (depth, width, activation, SP/μP,
  σ_w², data, N, learning rate ηλ₀ᴴ or η, steps, sharpness every K steps, seed) trained
  by full-batch GD (:func:`uvcore.nets.run_network`, float32), with the UV model
  matched to it (:func:`uvcore.nets.uv_for_run`: ``calibrated``, one extra
  run at c_cal = 0.5 and n_eff fitted to it; ``structural``, the depth-2
  linear analogue; or ``fitted``, n_eff fitted to this run itself, single runs
  and Fig 1 only) drawn dashed;
* ``fig1`` / ``fig5`` / ``fig4`` / ``fig4s`` — the paper's experiments
  (:func:`uvcore.nets.fig1`, ``fig5``, ``fig4``) at a reduced size: training
  set, width and steps are multiplied by the size factor s with the
  experiments' own rule (``max(floor, round(value · s))``, the floors of their
  ``scale``); the ηλ₀ᴴ grid of Fig 5 has "ηλ₀ᴴ points" values in [1, 2.5] and Fig 4
  runs the paper's (σ_w², c) grid, 5 × 7; ``fig4s`` its second panel, the
  (s, c) grid of the SP → μP interpolation at σ_w² = 2, 5 × 7.

The package, along its seams:

* :mod:`.caps` — the caps of the controls and their parsing (clamped with a
  note; unusable values refused with a message, nothing runs);
* :mod:`.estimate` — work estimates: a job above ``MAX_WORK`` is refused;
* :mod:`.store` — the diskcache of finished runs, shared by every process;
* :mod:`.compute` — the job body, :func:`.compute.run_experiment`;
* :mod:`.export` — a run as the CSV the Import view reads;
* :mod:`.figures` (with :mod:`.figparts`, :mod:`.heatmaps`) and
  :mod:`.summary` — the figure and the paragraph under it;
* :mod:`.layout` and :mod:`.callbacks`.
"""

from __future__ import annotations

from ...core import ids
from ...core.registry import View
from .callbacks import register_callbacks
from .layout import make_layout

__all__ = ["VIEW"]

VIEW = View("Real networks", ids.NETWORKS_TAB, make_layout, register_callbacks, order=70)
