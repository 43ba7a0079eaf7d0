"""Paper-size Fig 4 as cells: wall time in one process and on 1 and 2 local
Celery workers (uvcore.nets.experiments.cells, uvcore.nets.distributed).

Usage:  python benchmarks/bench_cells.py [--panel ab|a|b] [--rows 0.5,2.0] [--workers 1,2]
                                         [--skip-inline]

The networks are the paper's (digits N = 1,000, depth 4 ReLU, width 256,
1,000 steps, float32, calibrated matching: one calibration run per row plus
one run per c of FIG4_CS).  By default both panels are run: the full 80-cell
grid.  ``--panel a`` (or ``b``) runs one panel, and ``--rows`` picks the σ_w²
rows of panel A (or the s rows of panel B), so a fraction of the grid can be timed
and the full grid extrapolated from it (clearly labelled as such).  For each
worker count it starts a private redis-server and that many workers
(``celery -A uvcore.nets.distributed worker --concurrency=1``) on loopback,
runs the cells through :class:`uvcore.nets.distributed.CeleryRunner` with an
empty cache, checks that the result equals the one-process run exactly
(with ``--skip-inline``: that every worker count gives the same result), and
stops everything.  Prints the wall times, the speed-up, the cells per worker
and the extrapolation to the full 80-cell grid.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from uvcore.nets.experiments import FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS, fig4, fig4_plan  # noqa: E402
from uvcore.nets.experiments import result_dict  # noqa: E402

#: Cells of the paper-size Fig 4: 10 rows × (7 c + 1 calibration).
FULL_CELLS = (len(FIG4_SIGMA_W2S) + len(FIG4_SS)) * (len(FIG4_CS) + 1)
#: The one-process paper-size Fig 4 of docs/benchmarks.md (seconds).
FULL_SINGLE_S = 1239.0
START_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start_redis(d: Path):
    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(d)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    import redis
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + START_S
    while True:
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                stop(proc)
                raise
            time.sleep(0.1)


def start_worker(url: str, name: str, d: Path):
    log = d / f"{name}.log"
    env = {**os.environ, "CELERY_BROKER_URL": url, "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "uvcore.nets.distributed",
                                 "worker", "--concurrency=1", "--without-gossip",
                                 "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h",
                                 "--loglevel=WARNING"],
                                cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return proc, log


def wait_ready(url: str, names: list) -> None:
    from uvcore.nets.distributed import make_celery
    app = make_celery(url)
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        seen = app.control.ping(timeout=1.0) or []
        if {k.split("@")[0] for d in seen for k in d} >= set(names):
            return
    raise RuntimeError("the workers did not start")


def on_workers(n: int, kw: dict, d: Path):
    from uvcore.nets.distributed import celery_runner
    redis_proc, url = start_redis(d)
    workers = []
    try:
        names = [f"bench{i + 1}" for i in range(n)]
        workers = [start_worker(url, name, d)[0] for name in names]
        wait_ready(url, names)
        runner = celery_runner(url, time_limit=3600)
        hosts: dict = {}
        t0 = time.perf_counter()
        res = fig4(runner=runner, cache=runner.cache, **kw,
                   on_cell=lambda i, m: hosts.__setitem__(m["host"].split("@")[0],
                                                          hosts.get(m["host"].split("@")[0], 0)
                                                          + 1))
        return time.perf_counter() - t0, result_dict(res), hosts
    finally:
        for w in workers:
            stop(w)
        stop(redis_proc)


def same(a: dict, b: dict) -> bool:
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k]),
                              equal_nan=np.asarray(a[k]).dtype.kind == "f") for k in a)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=None,
                    help="comma-separated rows of the panel (default: all five); "
                         "with --panel a or b only")
    ap.add_argument("--panel", default="ab", choices=("ab", "a", "b"),
                    help="ab: both panels, the full grid (default)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="network sizes × this (1: the paper's; smaller only to try the script)")
    ap.add_argument("--skip-inline", action="store_true",
                    help="do not time the one-process run (no equality check either)")
    a = ap.parse_args()
    if a.rows and a.panel == "ab":
        ap.error("--rows needs --panel a or --panel b")
    pick = (lambda default: tuple(float(v) for v in a.rows.split(",")) if a.rows else default)
    sigma_w2s = pick(FIG4_SIGMA_W2S) if "a" in a.panel else ()
    ss = pick(FIG4_SS) if "b" in a.panel else ()
    rows = sigma_w2s + ss
    kw = {"cs": FIG4_CS, "sigma_w2s": sigma_w2s, "ss": ss, "scale": a.scale}
    n_cells = len(fig4_plan(**kw).cells)
    print(f"{'paper-size' if a.scale == 1 else f'scale {a.scale:g}'} Fig 4, panel {a.panel}, rows {rows}: {n_cells} of the {FULL_CELLS} "
          f"cells ({n_cells / FULL_CELLS:.0%})")
    print(f"machine: {os.cpu_count()} cores, load average before: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    ref = None
    first = None    # with --skip-inline: the first worker count's result
    times = {}
    if not a.skip_inline:
        t0 = time.perf_counter()
        ref = result_dict(fig4(**kw))
        times[0] = time.perf_counter() - t0
        print(f"one process (no Celery): {times[0]:.1f} s")
    for n in (int(v) for v in a.workers.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-cells-") as d:
            wall, res, hosts = on_workers(n, kw, Path(d))
        times[n] = wall
        if ref is not None:
            check = (", result equal to the one-process run" if same(res, ref)
                     else ", RESULT DIFFERS from the one-process run")
        elif first is not None:
            check = (", result equal to the first worker count's" if same(res, first)
                     else ", RESULT DIFFERS from the first worker count's")
        else:
            first, check = res, ""
        print(f"{n} Celery worker(s): {wall:.1f} s, cells per worker {hosts}{check}; load "
              f"average after: {os.getloadavg()[0]:.1f}")
    base = times.get(1)
    for n, wall in sorted(times.items()):
        if n > 1 and base:
            print(f"speed-up of {n} workers over 1: {base / wall:.2f}x")
    for n, wall in sorted(times.items()) if n_cells < FULL_CELLS else ():
        label = "one process" if n == 0 else f"{n} worker(s)"
        print(f"EXTRAPOLATED to the full {FULL_CELLS}-cell grid ({label}, by cell count): "
              f"{wall * FULL_CELLS / n_cells:.0f} s")


if __name__ == "__main__":
    main()
