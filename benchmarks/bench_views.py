"""Latency of the Bifurcation and Universality callbacks over HTTP.

Usage:  python benchmarks/bench_views.py [--requests 40] [--url http://host:port]

Without ``--url`` the dashboard (``app.create_app()``) is served by werkzeug
from a thread on a free 127.0.0.1 port; with it, a running server (e.g.
``gunicorn app:server``) is used.  Each request is the POST the browser sends
to ``/_dash-update-component`` (with ``Accept-Encoding: gzip``), timed from
send to the last byte received:

* ``bifurcation, cold`` — a zoom to a new η window each time (1000 η: two
  uvcore sweeps of 1000 × 2256 steps, the cascade guides, the figure, JSON);
* ``bifurcation, warm`` — the same window again (memo cache hit);
* ``cobweb`` and ``universality`` (warm) for comparison.

Prints p50/p95/max in ms and the bytes on the wire per callback, and the
requirement check (bifurcation p95 ≤ 500 ms at 1000 η).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

P95_TARGET_MS = 500.0
CONFIG_RE = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        page = self.get("/")
        cfg = json.loads(CONFIG_RE.search(page.decode()).group(1))
        self.end_id = cfg.get("end_id")
        self.callback_map = {c["output"]: c for c in json.loads(self.get("/_dash-dependencies"))}

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=60) as r:
            return r.read()

    def post(self, body: dict) -> tuple[float, int, dict]:
        """(seconds, bytes on the wire, decoded answer)."""
        q = f"?endId={self.end_id}" if self.end_id else ""
        req = urllib.request.Request(
            self.base + "/_dash-update-component" + q, data=json.dumps(body).encode(),
            method="POST", headers={"Content-Type": "application/json",
                                    "Accept-Encoding": "gzip"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            enc = r.headers.get("Content-Encoding")
        dt = time.perf_counter() - t0
        data = gzip.decompress(raw) if enc == "gzip" else raw
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {data[:200]!r}")
        return dt, len(raw), json.loads(data)

    def body(self, fragment: str, values: dict, changed: list) -> dict:
        key = next(k for k in self.callback_map
                   if fragment in k and "@" not in k.split("...")[0])
        cb = self.callback_map[key]
        outs = key[2:-2].split("...") if key.startswith("..") else [key]
        outputs = [{"id": o.rpartition(".")[0], "property": o.rpartition(".")[2]}
                   for o in outs]

        def deps(items):
            return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in items]

        return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": deps(cb["inputs"]), "state": deps(cb.get("state", [])),
                "changedPropIds": changed}


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--url", default=None, help="a running server (default: start one)")
    args = ap.parse_args()

    from app import ids
    from app.state import ViewParams, to_query
    from app.views import bifurcation as bv

    server = None
    if args.url:
        base = args.url
    else:
        server, base = serve_locally()
    try:
        c = Client(base)
        state = to_query(ViewParams())
        common = {f"{ids.STATE}.data": state, f"{ids.VIEW_TABS}.value": ids.BIFURCATION_TAB,
                  f"{ids.BIFURCATION_QUANTITY}.value": "lam",
                  f"{ids.BIFURCATION_EOS_START}.value": "half-c",
                  f"{ids.BIFURCATION_GUIDES}.value": ["guides"]}
        zoom = f"{ids.BIFURCATION_ZOOM}.data"

        def bif(k: int) -> dict:
            lo, hi = 1.25 + 0.0101 * k, 4.15 - 0.0097 * k          # a new window each time
            return c.body("bifurcation-graph.figure",
                          {**common, zoom: {"xaxis.range[0]": lo, "xaxis.range[1]": hi}},
                          [zoom])

        _, _, first = c.post(bif(-1))                     # warm the guides' cascade
        x = next(t for t in first["response"][ids.BIFURCATION_GRAPH]["figure"]["data"]
                 if (t.get("meta") or {}).get("raster"))["x"]
        assert len(x) == bv.NUM == 1000, len(x)
        rows = {}
        runs = {
            "bifurcation, cold (new window)": lambda k: bif(k),
            "bifurcation, warm (cache hit)": lambda k: bif(0),
            "cobweb": lambda k: c.body("bifurcation-cobweb.figure", common, [f"{ids.STATE}.data"]),
            "universality (L = 8)": lambda k: c.body(
                "universality-graph.figure",
                {**common, f"{ids.VIEW_TABS}.value": ids.UNIVERSALITY_TAB,
                 f"{ids.UNIVERSALITY_LEVELS}.value": 8}, [f"{ids.STATE}.data"]),
        }
        for name, make in runs.items():
            times, sizes = [], []
            for k in range(args.requests):
                dt, size, _ = c.post(make(k))
                times.append(dt)
                sizes.append(size)
            rows[name] = (*stats(times), statistics.median(sizes))
        print(f"{'callback':34s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'bytes (gzip)':>13s}")
        for name, (p50, p95, mx, size) in rows.items():
            print(f"{name:34s} {p50:8.1f} {p95:8.1f} {mx:8.1f} {size:13.0f}")
        p95 = rows["bifurcation, cold (new window)"][1]
        ok = p95 <= P95_TARGET_MS
        print(f"requirement: bifurcation at 1000 η, p95 ≤ {P95_TARGET_MS:.0f} ms: "
              f"{'met' if ok else 'NOT met'} ({p95:.1f} ms)")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
