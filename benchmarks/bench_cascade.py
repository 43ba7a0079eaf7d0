"""Cascade timings: 8-level period-doubling cascade of the EoS and the 2-D map.

Usage:  python benchmarks/bench_cascade.py [--levels 8] [--repeat 5]

Each call is the whole ``uvcore.cascade`` (flips with double-double
refinement, δ_k, c_∞, crisis, the four period-3 folds; for ``uv`` also η_max
of the generic start).  Three timings per map:

- cold, empty cache: first call in a fresh process with an empty Numba cache
  (compiles every kernel it touches);
- cold, filled cache: first call in a fresh process whose cache is filled
  (loads machine code; the usual situation);
- warm: later calls in one process (median of ``--repeat``).

Import time of ``uvcore`` is printed separately and not included.
Requirements: EoS < 1 s, 2-D map < 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvcore  # noqa: E402

N_EFF, X_NORM, Y = 4.0, 1.0, 2.0
LIMITS = {"eos": 1.0, "uv": 5.0}


def fresh_process(kind: str, levels: int, cache_dir: str | None) -> tuple[float, float]:
    """(import seconds, first-call seconds) in a new interpreter."""
    code = ("import time; t0=time.perf_counter(); import uvcore; t1=time.perf_counter(); "
            f"uvcore.cascade(map={kind!r}, n_eff={N_EFF}, x_norm={X_NORM}, y={Y}, "
            f"levels={levels}); t2=time.perf_counter(); print(t1-t0, t2-t1)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    a, b = out.stdout.split()
    return float(a), float(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"cascade, {args.levels} levels, n_eff={N_EFF:g}, x_norm={X_NORM:g}, y={Y:g}; "
          f"threads={uvcore._kernels.get_num_threads()}, cpus={os.cpu_count()}")
    for kind in ("eos", "uv"):
        with tempfile.TemporaryDirectory() as d:
            imp0, compile_ = fresh_process(kind, args.levels, d)
            imp1, cached = fresh_process(kind, args.levels, d)
        uvcore.cascade(map=kind, n_eff=N_EFF, x_norm=X_NORM, y=Y, levels=args.levels)
        warm = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = uvcore.cascade(map=kind, n_eff=N_EFF, x_norm=X_NORM, y=Y, levels=args.levels)
            warm.append(time.perf_counter() - t0)
        w = statistics.median(warm)
        ok = "PASS" if max(w, cached) < LIMITS[kind] else "FAIL"
        print(f"{kind:3s}: cold empty cache {compile_:.3f} s | cold filled cache {cached:.3f} s "
              f"| warm median {w:.3f} s (best {min(warm):.3f} s) | import {imp1:.2f} s "
              f"| limit {LIMITS[kind]:g} s: {ok}")
        print(f"     c_flip[-1] = {r.c_flip[-1]!r}, delta[-1] = {r.delta[-1]:.10f}, "
              f"max |mu+1| = {max(lv.residual for lv in r.levels):.1e}")


if __name__ == "__main__":
    main()
