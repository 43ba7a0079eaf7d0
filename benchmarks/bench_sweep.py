"""Bifurcation-sweep throughput: jitted kernel vs a NumPy lockstep sweep.

Usage:  python benchmarks/bench_sweep.py [--eta-num 2000] [--steps 50000] [--repeat 5]

Both sides do the same work: every η of the grid is advanced ``steps`` map
steps from the same start (the last ``--keep`` of them stored and analysed
for period and Lyapunov exponent).  The NumPy side advances all η together as
arrays (in-place ufuncs, no per-η Python loop).  The script also measures the
cost of the first call in a fresh process, with an empty Numba cache (compile)
and with a filled one (load), and prints the requirement check (≥ 15×).
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvcore  # noqa: E402
from uvcore.maps import MAX_PERIOD, PERIOD_TOL  # noqa: E402

N_EFF, X_NORM, Y = 4.0, 1.0, 2.0
REQUIRED_RATIO = 15.0


def numpy_sweep(eta, df0, lam0, transient, keep):
    """Lockstep NumPy version of uvcore.run_batch (same start, same analysis)."""
    s = eta * X_NORM / np.sqrt(N_EFF)
    c = s * Y
    p = 0.25 * eta * lam0 + 0.5 * s * (df0 + Y)
    m = 0.25 * eta * lam0 - 0.5 * s * (df0 + Y)
    k = np.empty_like(p)
    a = np.empty_like(p)
    with np.errstate(all="ignore"):
        for _ in range(transient):
            np.subtract(p, m, out=k)
            k -= c
            np.subtract(1.0, k, out=a)
            a *= a
            p *= a
            np.add(1.0, k, out=a)
            a *= a
            m *= a
        bp = np.empty((keep, eta.size))
        bm = np.empty((keep, eta.size))
        vp = np.full(eta.size, np.sqrt(0.5))
        vm = vp.copy()
        acc = np.zeros(eta.size)
        for t in range(keep):
            bp[t], bm[t] = p, m
            k = p - m - c
            a, b = 1.0 - k, 1.0 + k
            j11, j12, j21, j22 = a * (a - 2 * p), 2 * a * p, 2 * b * m, b * (b - 2 * m)
            tp, tm = j11 * vp + j12 * vm, j21 * vp + j22 * vm
            r = np.hypot(tp, tm)
            acc += np.log(np.maximum(r, 1e-300))
            vp, vm = tp / r, tm / r
            p, m = a * a * p, b * b * m
        bad = ~(bp + bm <= uvcore.DIVERGENCE_BOUND).all(axis=0) | ~(p + m <= uvcore.DIVERGENCE_BOUND)
        period = np.zeros(eta.size, dtype=np.int64)
        scale = 1.0 + bp + bm
        for kk in range(min(MAX_PERIOD, keep // 2), 0, -1):
            same = (np.abs(bp[kk:] - bp[:-kk]) + np.abs(bm[kk:] - bm[:-kk])
                    <= PERIOD_TOL * scale[kk:]).all(axis=0)
            period[same] = kk
    period[bad] = -1
    return period, acc / keep


def timed(fn, repeat):
    out, times = None, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def first_call_cost(cache_dir: str) -> float:
    code = ("import time; t=time.perf_counter(); import uvcore; uvcore.warmup(); "
            "print(time.perf_counter()-t)")
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eta-num", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--keep", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--numpy-repeat", type=int, default=1)
    args = ap.parse_args()

    eta_c = uvcore.eta_critical(N_EFF, X_NORM, Y)
    eta = np.linspace(0.05 * eta_c, 1.6 * eta_c, args.eta_num)  # includes the diverging tail
    df0, lam0 = uvcore.default_start(uvcore.MapParams(eta[0], N_EFF, X_NORM, Y))
    transient = args.steps - args.keep
    work = eta.size * args.steps

    with tempfile.TemporaryDirectory() as d:
        cold = first_call_cost(d)
        cached = first_call_cost(d)
    uvcore.warmup()

    def jit():
        return uvcore.run_batch(df0, lam0, eta, n_eff=N_EFF, x_norm=X_NORM, y=Y,
                                transient=transient, window=args.keep)

    res, t_jit = timed(jit, args.repeat)
    (np_period, np_lyap), t_np = timed(lambda: numpy_sweep(eta, df0, lam0, transient, args.keep),
                                       args.numpy_repeat)
    agree = float(np.mean(np_period == res.period))
    r_jit = work / statistics.median(t_jit)
    r_np = work / statistics.median(t_np)
    ratio = r_jit / r_np
    print(f"sweep: {eta.size} eta x {args.steps} steps = {work:.3g} map steps, "
          f"{np.sum(res.period < 0)} diverged")
    print(f"jitted  : median {statistics.median(t_jit):.4f} s  best {min(t_jit):.4f} s  "
          f"-> {r_jit / 1e9:.2f} G steps/s (threads={uvcore._kernels.get_num_threads()})")
    print(f"numpy   : median {statistics.median(t_np):.4f} s  -> {r_np / 1e9:.3f} G steps/s")
    print(f"ratio   : {ratio:.1f}x  (required >= {REQUIRED_RATIO:g}x: "
          f"{'PASS' if ratio >= REQUIRED_RATIO else 'FAIL'})")
    print(f"period codes identical on {100 * agree:.1f}% of eta")
    print(f"first call in a fresh process: empty cache (compile) {cold:.2f} s, "
          f"filled cache (load) {cached:.2f} s")
    t_warm = timed(lambda: uvcore.bifurcation(0.5, 1.5, 8, n_eff=N_EFF, transient=8, keep=4),
                   20)[1]
    print(f"warm call (tiny diagram): median {1e3 * statistics.median(t_warm):.2f} ms")


if __name__ == "__main__":
    main()
