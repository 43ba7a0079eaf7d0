"""Load test: N simulated users against the image's gunicorn command on loopback.

Usage:  python benchmarks/load.py [--users 20] [--duration 60] [--workers 2]
                                  [--max-requests 20000] [--seed 0]

Starts the server exactly as the Docker image does (``CMD`` and ``ENV`` read
from the Dockerfile, see tests/deploy/image.py) on a free 127.0.0.1 port,
then runs ``--users`` threads for ``--duration`` seconds (and at most
``--max-requests`` requests in all).  Each user loads the page, then repeats:
think 0.3–1.5 s, then either moves the η slider (the phase-plane callback
with a new η, 70 %) or clicks the plane (a new trajectory, 30 %), as the
browser sends them.  Reports p50/p95/max latency, errors and the server's
memory (RSS of the gunicorn master and workers, sampled every 0.5 s), then
stops the server.  Targets: zero errors, p95 ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from tests.deploy.dashclient import HttpDash, callback_body, plane_key, plane_values  # noqa: E402
from tests.deploy.image import run_image_command  # noqa: E402

P95_TARGET_MS = 500.0
STATE_RE = re.compile(rb'"state":\s*\{"data":\s*("(?:[^"\\]|\\.)*")')


def user(base, key, callback_map, deadline, budget, rng, latencies, errors, lock):
    from app.core import ids
    c = HttpDash(base, timeout=30)
    try:
        c.load_page()
    except Exception as exc:  # noqa: BLE001
        with lock:
            errors.append(f"page: {exc}")
        return
    state, eta = "eta=1.5", 1.5
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.3, 1.5))
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        if rng.random() < 0.7:            # slider move: η to 3 significant digits
            eta = float(f"{10 ** rng.uniform(-1, 1):.3g}")
            body = callback_body(callback_map, key, plane_values(eta, state),
                                 changed=[f"{ids.input_id('eta')}.value"])
        else:                             # click: a new trajectory above the forbidden V
            df = rng.uniform(-3.5, 2.5)
            lam = abs(df + 2) / 2 + rng.uniform(0.05, 2.0)
            click = {"points": [{"x": round(df, 4), "y": round(lam, 4)}]}
            body = callback_body(callback_map, key, plane_values(eta, state, click),
                                 changed=[f"{ids.PHASE_PLANE}.clickData"])
        t0 = time.perf_counter()
        try:
            status, _, data = c.callback(body)
            ok = status == 200
            if ok:
                m = STATE_RE.search(data)       # the new state, without parsing 100 kB
                state = json.loads(m.group(1)) if m else state
        except Exception as exc:  # noqa: BLE001
            ok, status = False, repr(exc)
        dt = 1000 * (time.perf_counter() - t0)
        with lock:
            latencies.append(dt)
            if not ok:
                errors.append(str(status))


def rss_mb(pid: int) -> float:
    try:
        p = psutil.Process(pid)
        return sum(x.memory_info().rss for x in [p, *p.children(recursive=True)]) / 2**20
    except psutil.Error:
        return float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache-dir", default=None,
                    help="CACHE_DIR of the server (default: a temporary folder)")
    args = ap.parse_args(argv)
    if not (1 <= args.users <= 200 and 0 < args.duration <= 600):
        ap.error("users in [1, 200], duration in (0, 600] s")

    import os
    import subprocess
    cache = ROOT / ".cache" / "numba-generic"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "NUMBA_CPU_NAME": "generic"}
    subprocess.run([sys.executable, "-c", "import uvcore; uvcore.warmup()"], cwd=ROOT,
                   env=env, check=True)
    os.environ["NUMBA_CACHE_DIR"] = str(cache)

    from app import create_app
    callback_map = create_app({"warmup": False}).callback_map
    key = plane_key(callback_map)

    with tempfile.TemporaryDirectory() as tmp, run_image_command(
            Path(tmp), {"WEB_CONCURRENCY": str(args.workers), "THREADS": str(args.threads),
                        **({"CACHE_DIR": args.cache_dir} if args.cache_dir else {})}) \
            as (base, proc):
        idle = rss_mb(proc.pid)
        latencies, errors, lock = [], [], threading.Lock()
        budget = [args.max_requests]
        deadline = time.monotonic() + args.duration
        rng = random.Random(args.seed)
        threads = [threading.Thread(target=user, args=(base, key, callback_map, deadline,
                                                        budget, random.Random(rng.random()),
                                                        latencies, errors, lock), daemon=True)
                   for _ in range(args.users)]
        peak = [idle]
        stop = threading.Event()

        def sample():
            while not stop.wait(0.5):
                peak[0] = max(peak[0], rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        t0 = time.monotonic()
        sampler.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.duration + 60)
        stop.set()
        elapsed = time.monotonic() - t0
        healthy = HttpDash(base).get("/healthz")[0] == 200

    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
    print(f"users {args.users}, workers {args.workers} x threads {args.threads}, "
          f"{elapsed:.0f} s, {len(lat)} callback requests ({len(lat) / elapsed:.1f}/s)")
    print(f"latency ms: p50 {q[49]:.0f}  p95 {q[94]:.0f}  max {lat[-1] if lat else 0:.0f}")
    print(f"errors: {len(errors)} {sorted(set(errors))[:5]}")
    print(f"server RSS (master + workers): idle {idle:.0f} MB, peak {peak[0]:.0f} MB; "
          f"healthy after: {healthy}")
    ok = not errors and q[94] <= P95_TARGET_MS and healthy
    print("targets (0 errors, p95 <= 500 ms):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
