"""Latency of the dashboard's callbacks over HTTP.

Usage:  python benchmarks/bench_views.py [--requests 40] [--url http://host:port]

Without ``--url`` the dashboard (``app.create_app()``) is served by werkzeug
from a thread on a free 127.0.0.1 port; with it, a running server (e.g.
``gunicorn app:server``) is used.  Each request is the POST the browser sends
to ``/_dash-update-component`` (with ``Accept-Encoding: gzip``), timed from
send to the last byte received:

* ``phase plane, slider`` — a slider move to a new η each time (default grid
  150×150, 20×20 arrows, one trajectory of 1000 steps; nothing cached);
* ``phase plane, click`` — a click adding a trajectory at a new point;
* ``bifurcation, cold`` — a zoom to a new η window each time (1000 η: two
  uvcore sweeps of 1000 × 2256 steps, the cascade guides, the figure, JSON);
* ``bifurcation, warm`` — the same window again (memo cache hit);
* ``fate map`` — 80×80 starts × 1000 steps at a new η each time;
* ``cobweb`` and ``universality`` (warm) for comparison.

Prints p50/p95/max in ms and the bytes on the wire per callback (and
uncompressed), and the requirement checks: phase plane p95 ≤ 100 ms with an
answer under 500 KB, bifurcation p95 ≤ 500 ms at 1000 η.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.deploy.dashclient import HttpDash, callback_body, plane_key, plane_values  # noqa: E402

#: (callback, p95 target in ms, largest uncompressed answer in bytes or None)
TARGETS = {"phase plane, slider (new η)": (100.0, 500_000),
           "bifurcation, cold (new window)": (500.0, None)}


def serve_locally():
    from werkzeug.serving import make_server

    from app import create_app
    server = make_server("127.0.0.1", 0, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def stats(times: list[float]) -> tuple[float, float, float]:
    ms = sorted(1000 * t for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return statistics.median(ms), p95, ms[-1]


class Timed(HttpDash):
    """HttpDash that times each callback and asks for gzip like a browser."""

    def post(self, body: dict) -> tuple[float, int, int, dict]:
        """(seconds, bytes on the wire, bytes uncompressed, decoded answer)."""
        t0 = time.perf_counter()
        status, headers, raw = self.callback_gzip(body)
        dt = time.perf_counter() - t0
        data = gzip.decompress(raw) if headers.get("Content-Encoding") == "gzip" else raw
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data[:200]!r}")
        return dt, len(raw), len(data), json.loads(data)

    def callback_gzip(self, body: dict):
        q = f"?endId={self.end_id}" if self.end_id else ""
        return self.post_json("/_dash-update-component" + q, body, {"Accept-Encoding": "gzip"})


def requests(cmap: dict) -> dict:
    """{name: make(k)}: the k-th request body of each measured callback."""
    from app.core import ids
    from app.core.state import ViewParams, to_query

    def body(fragment: str, values: dict, changed: list) -> dict:
        key = next(k for k in cmap if fragment in k and "@" not in k.split("...")[0])
        return callback_body(cmap, key, values, changed)

    state = to_query(ViewParams())
    bif_state = f"{ids.state_for(ids.BIFURCATION_TAB)}.data"
    common = {bif_state: state, f"{ids.VIEW_TABS}.value": ids.BIFURCATION_TAB,
              f"{ids.BIFURCATION_QUANTITY}.value": "lam",
              f"{ids.BIFURCATION_EOS_START}.value": "half-c",
              f"{ids.BIFURCATION_GUIDES}.value": ["guides"]}
    uni_state = f"{ids.state_for(ids.UNIVERSALITY_TAB)}.data"
    zoom = f"{ids.BIFURCATION_ZOOM}.data"
    plane = plane_key(cmap)

    def bif(k: int) -> dict:
        lo, hi = 1.25 + 0.0101 * k, 4.15 - 0.0097 * k          # a new window each time
        return body("bifurcation-graph.figure",
                    {**common, zoom: {"xaxis.range[0]": lo, "xaxis.range[1]": hi}}, [zoom])

    def slider(k: int) -> dict:
        eta = round(0.5 + 0.0371 * k, 4)                        # a new η each time
        return callback_body(cmap, plane, plane_values(eta, state),
                             [f"{ids.input_id('eta')}.value"])

    def click(k: int) -> dict:
        df = -3.5 + 0.13 * k
        pt = {"points": [{"x": round(df, 4), "y": round(abs(df + 2) + 0.3, 4)}]}
        return callback_body(cmap, plane, plane_values(1.5, state, pt),
                             [f"{ids.PHASE_PLANE}.clickData"])

    def fate(k: int) -> dict:
        st = to_query(ViewParams(eta=round(0.5 + 0.061 * k, 4)))
        fate_state = f"{ids.state_for(ids.FATE_TAB)}.data"
        return body(f"{ids.FATE_MAP}.figure",
                    {fate_state: st, f"{ids.FATE_STEPS}.value": 1000,
                     f"{ids.VIEW_TABS}.value": ids.FATE_TAB}, [fate_state])

    return {
        "phase plane, slider (new η)": slider,
        "phase plane, click (new start)": click,
        "bifurcation, cold (new window)": bif,
        "bifurcation, warm (cache hit)": lambda k: bif(0),
        "fate map 80×80 (new η)": fate,
        "cobweb": lambda k: body("bifurcation-cobweb.figure", common, [bif_state]),
        "universality (L = 8)": lambda k: body(
            "universality-graph.figure",
            {uni_state: state, f"{ids.VIEW_TABS}.value": ids.UNIVERSALITY_TAB,
             f"{ids.UNIVERSALITY_LEVELS}.value": 8}, [uni_state]),
    }


def warm(c: Timed, runs: dict) -> None:
    """Warm the guides' cascade and the kernels; check the diagram's size."""
    from app.core import ids
    from app.views.bifurcation import compute as bv
    _, _, _, first = c.post(runs["bifurcation, cold (new window)"](-1))
    x = next(t for t in first["response"][ids.BIFURCATION_GRAPH]["figure"]["data"]
             if (t.get("meta") or {}).get("raster"))["x"]
    assert len(x) == bv.NUM == 1000, len(x)
    c.post(runs["phase plane, slider (new η)"](-1))


def report(rows: dict) -> bool:
    """Print the table and the requirement checks; True when all are met."""
    print(f"{'callback':34s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} "
          f"{'gzip bytes':>11s} {'max raw bytes':>14s}")
    for name, (p50, p95, mx, size, full) in rows.items():
        print(f"{name:34s} {p50:8.1f} {p95:8.1f} {mx:8.1f} {size:11.0f} {full:14d}")
    ok = True
    for name, (target, max_raw) in TARGETS.items():
        p95, full = rows[name][1], rows[name][4]
        met = p95 <= target and (max_raw is None or full <= max_raw)
        ok &= met
        size_note = f", answer ≤ {max_raw // 1000} KB ({full // 1000} KB)" if max_raw else ""
        print(f"requirement: {name}: p95 ≤ {target:.0f} ms{size_note}: "
              f"{'met' if met else 'NOT met'} ({p95:.1f} ms)")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--url", default=None, help="a running server (default: start one)")
    args = ap.parse_args()
    server = None
    if args.url:
        base = args.url
    else:
        server, base = serve_locally()
    try:
        c = Timed(base, timeout=60)
        c.load_page()
        status, _, deps = c.get("/_dash-dependencies")
        runs = requests({cb["output"]: cb for cb in json.loads(deps)})
        warm(c, runs)
        rows = {}
        for name, make in runs.items():
            times, sizes, raw = [], [], []
            for k in range(args.requests):
                dt, size, full, _ = c.post(make(k))
                times.append(dt)
                sizes.append(size)
                raw.append(full)
            rows[name] = (*stats(times), statistics.median(sizes), max(raw))
        return 0 if report(rows) else 1
    finally:
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
