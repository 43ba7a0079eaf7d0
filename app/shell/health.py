"""``GET /healthz``: is the lab server serving, and can it store results?"""

from __future__ import annotations

import time

import flask

import uvcore
from uvcore import threading_layer

from . import jobs, memo

__all__ = ["add_healthz", "HEALTH_PROBE_S"]


#: Seconds between two runs of /healthz's disk and broker probes (per process).
HEALTH_PROBE_S = 1.0


def add_healthz(server: flask.Flask, cache_cfg: dict, manager) -> None:
    """``/healthz``: 200 while the app serves; ``status`` is ``"degraded"``, with
    the reasons in ``problems``, when jobs or the memo cache cannot store
    results (full or read-only disk, broker down)."""
    started = time.time()
    probed = {"at": -HEALTH_PROBE_S, "problems": []}

    @server.route("/healthz")
    def healthz():
        # the probes write to disk and ping the broker: at most once a second,
        # however often /healthz is asked
        now = time.monotonic()
        if now - probed["at"] >= HEALTH_PROBE_S:
            probed["problems"] = [p for p in (jobs.problem(manager),
                                              memo.cache_problem(cache_cfg)) if p]
            probed["at"] = now
        problems = probed["problems"]
        return flask.jsonify(status="degraded" if problems else "ok", problems=problems,
                             uptime_s=round(time.time() - started, 1),
                             uvcore_divergence_bound=float(uvcore.DIVERGENCE_BOUND),
                             cache=cache_cfg["CACHE_TYPE"], jobs=jobs.status(manager),
                             threading_layer=threading_layer.active_layer())
