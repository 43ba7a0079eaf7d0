"""Real-network speed: one GD step and one sharpness estimate (uvcore.nets).

Usage:  python benchmarks/bench_networks.py [--n-train 5000] [--width 512] [--depth 3]
                                            [--input-dim 64] [--out-dim 10] [--repeat 7]

Network: ReLU FCN, SP σ_w² = 2, on ``gaussian`` data (N × d inputs, k outputs).
For each arithmetic precision (float64, float32) it prints

- GD step: one full-batch forward + backward + update (median and min of
  ``--repeat``);
- sharpness, cold: forward/backward cache + Lanczos from a random start to
  relative tolerance 1e-3;
- sharpness, warm: the same after one GD step, warm-started from the previous
  Ritz vector (what a training run does every K steps);
- the estimate's error relative to a reference λ^H (float64, tol 1e-10) and
  the number of Hessian-vector products used.

Requirements: GD step ≤ 100 ms, sharpness estimate to 1e-3 relative ≤ 3 s.
The machine may be shared: run it twice and report ranges.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from uvcore.nets.data import make_data  # noqa: E402
from uvcore.nets.model import Curvature, NetSpec, Problem, init_params  # noqa: E402
from uvcore.nets.train import hessian_top  # noqa: E402

STEP_LIMIT = 0.100
SHARP_LIMIT = 3.0
TOL = 1e-3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-train", type=int, default=5000)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--input-dim", type=int, default=64)
    ap.add_argument("--out-dim", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    data = make_data("gaussian", a.n_train, a.input_dim, a.out_dim, seed=0)
    spec = NetSpec(a.depth, a.width, a.input_dim, a.out_dim, "relu", "sp", 2.0)
    print(f"ReLU FCN depth {a.depth}, width {a.width}, d = {a.input_dim}, k = {a.out_dim}, "
          f"N = {a.n_train}, {spec.n_params} parameters")
    theta64 = init_params(spec, 0)
    ref = hessian_top(Problem(spec, data.X, data.Y).curvature(theta64), tol=1e-10,
                      rng=np.random.default_rng(9))
    print(f"reference λ^H (float64, tol 1e-10) = {ref.value:.10g} ({ref.iterations} products)")
    eta = 1.0 / ref.value
    for dtype in ("float64", "float32"):
        prob = Problem(spec, data.X, data.Y, dtype=dtype)
        theta = init_params(spec, 0, prob.dtype)
        grad = np.empty_like(theta)
        # GD step: forward + backward + update
        times = []
        for _ in range(a.repeat + 1):
            t0 = time.perf_counter()
            cur = Curvature(prob, theta, need_second=False)
            cur.gradient(out=grad)
            theta -= prob.dtype(eta) * grad
            times.append(time.perf_counter() - t0)
        times = times[1:]
        step_med = statistics.median(times)
        # sharpness, cold (at init) and warm (after a step)
        theta = init_params(spec, 0, prob.dtype)
        cold, warm = [], []
        for r in range(max(1, a.repeat // 2)):
            t0 = time.perf_counter()
            h = hessian_top(prob.curvature(theta), tol=TOL, rng=np.random.default_rng(r))
            cold.append(time.perf_counter() - t0)
            err = abs(h.value - ref.value) / ref.value
            th1 = theta - prob.dtype(eta) * Curvature(prob, theta, need_second=False).gradient()
            t0 = time.perf_counter()
            w = hessian_top(prob.curvature(th1), v0=h.vector, tol=TOL, rng=np.random.default_rng(r))
            warm.append(time.perf_counter() - t0)
        print(f"{dtype}: GD step median {step_med * 1e3:.1f} ms (min {min(times) * 1e3:.1f}) "
              f"[{'ok' if step_med <= STEP_LIMIT else 'OVER'} ≤ {STEP_LIMIT * 1e3:.0f} ms]")
        print(f"{dtype}: sharpness cold median {statistics.median(cold):.2f} s "
              f"(min {min(cold):.2f}, {h.iterations} products, rel. error {err:.1e}); "
              f"warm median {statistics.median(warm):.2f} s ({w.iterations} products) "
              f"[{'ok' if max(statistics.median(cold), statistics.median(warm)) <= SHARP_LIMIT else 'OVER'}"
              f" ≤ {SHARP_LIMIT:.0f} s]")


if __name__ == "__main__":
    main()
