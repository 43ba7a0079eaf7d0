"""Torch beside the NumPy engine, and the cost of a SharpnessProbe measurement.

Usage:  python benchmarks/bench_torch.py [--n-train 5000] [--width 512] [--depth 3]
                                         [--input-dim 64] [--out-dim 10] [--repeat 7]
                                         [--probe-repeat 3] [--threads N]

Network and data of ``bench_networks.py``: ReLU FCN, SP σ_w² = 2, no biases,
on ``gaussian`` data (5,000 × 64 inputs, 10 outputs), float32.  The torch
model is the same network with the same weights (``torch.nn.Linear`` layers
without bias, uvcore.nets' multipliers), loss (1/2N) Σ‖F − Y‖².  It prints

- the GD step (forward + backward + update, full batch) of the NumPy engine
  and of torch, alternated in one loop so both see the same machine load:
  medians and their ratio;
- a probe measurement of λᴴ to relative tolerance 1e-3: cold (a new probe, random start) and
  warm (the next measurement after one GD step, warm-started from the
  previous top eigenvector), medians in seconds and in torch GD steps,
  with Hessian-vector products used and the error against a reference λᴴ
  (NumPy engine, float64, tol 1e-10);
- the same for the NTK eigenvalue of the same measurements (``Measurement``'s
  ``seconds_h`` and ``seconds_ntk`` time the two estimates apart).

The machine may be shared and loaded: report medians, and the load average
printed first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from uvcore.nets.data import make_data  # noqa: E402
from uvcore.nets.model import Curvature, NetSpec, Problem, init_params  # noqa: E402
from uvcore.nets.train import hessian_top  # noqa: E402
from uvcore.probe import SharpnessProbe  # noqa: E402

TOL = 1e-3


class FCN(torch.nn.Module):
    """uvcore.nets' FCN: Z_l = mult_l · H_{l−1} W_lᵀ, relu, no biases."""

    def __init__(self, weights, mult):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for w in weights:
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))
            self.layers.append(lin)
        self.mult = [float(m) for m in mult]

    def forward(self, x):
        h = x
        for lin, m in zip(self.layers[:-1], self.mult[:-1]):
            h = torch.relu(m * lin(h))
        return self.mult[-1] * self.layers[-1](h)


def half_mse(out, y):
    r = out - y
    return 0.5 * (r * r).sum() / out.shape[0]


def step_times(prob, theta, model, X, Y, eta, repeat):
    """Alternate NumPy and torch GD steps; per-step seconds of each."""
    grad = np.empty_like(theta)
    opt = torch.optim.SGD(model.parameters(), lr=eta)
    tn, tt = [], []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        Curvature(prob, theta, need_second=False).gradient(out=grad)
        theta -= prob.dtype(eta) * grad
        tn.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        half_mse(model(X), Y).backward()
        opt.step()
        tt.append(time.perf_counter() - t0)
    return tn[1:], tt[1:]


def probe_runs(model, X, Y, eta, repeat):
    """[(cold Measurement, warm Measurement)] of ``repeat`` fresh probes (λᴴ and NTK)."""
    out = []
    for r in range(repeat):
        m = FCN([lin.weight.detach().numpy().copy() for lin in model.layers], model.mult)
        probe = SharpnessProbe(m, "mse_half_mean", (X, Y), device="cpu", tol=TOL, seed=r)
        a = probe.step(0, eta)
        opt = torch.optim.SGD(m.parameters(), lr=eta)
        opt.zero_grad()
        half_mse(m(X), Y).backward()
        opt.step()
        out.append((a, probe.step(1, eta)))
    return out


def warm_up_torch_func():
    """torch.func's one-time start-up (seconds, once per process) before any timing."""
    tiny = torch.nn.Linear(3, 2)
    SharpnessProbe(tiny, "mse_half_mean", (torch.randn(4, 3), torch.randn(4, 2))).step(0, 0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-train", type=int, default=5000)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--input-dim", type=int, default=64)
    ap.add_argument("--out-dim", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--probe-repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads")
    data = make_data("gaussian", a.n_train, a.input_dim, a.out_dim, seed=0)
    spec = NetSpec(a.depth, a.width, a.input_dim, a.out_dim, "relu", "sp", 2.0)
    print(f"ReLU FCN depth {a.depth}, width {a.width}, d = {a.input_dim}, k = {a.out_dim}, "
          f"N = {a.n_train}, {spec.n_params} parameters, float32")
    theta64 = init_params(spec, 0)
    ref = hessian_top(Problem(spec, data.X, data.Y).curvature(theta64), tol=1e-10,
                      rng=np.random.default_rng(9)).value
    print(f"reference λ^H (NumPy engine, float64, tol 1e-10) = {ref:.8g}")
    eta = 1.0 / ref
    prob = Problem(spec, data.X, data.Y, dtype="float32")
    theta = init_params(spec, 0, prob.dtype)
    X = torch.from_numpy(np.ascontiguousarray(data.X, dtype=np.float32))
    Y = torch.from_numpy(np.ascontiguousarray(data.Y, dtype=np.float32))
    model = FCN(spec.unflatten(theta.copy()), spec.mult)
    tn, tt = step_times(prob, theta, model, X, Y, eta, a.repeat)
    sn, st = statistics.median(tn), statistics.median(tt)
    print(f"GD step: NumPy engine median {sn * 1e3:.1f} ms (min {min(tn) * 1e3:.1f}), torch "
          f"median {st * 1e3:.1f} ms (min {min(tt) * 1e3:.1f}); NumPy / torch = {sn / st:.2f}")
    model0 = FCN(spec.unflatten(init_params(spec, 0, np.float32)), spec.mult)
    warm_up_torch_func()
    runs = probe_runs(model0, X, Y, eta, a.probe_repeat)
    errs = [abs(c.lam_h - ref) / ref for c, _ in runs]
    for what, sec, its in (("λ^H", "seconds_h", "lanczos_iters"),
                           ("NTK λ", "seconds_ntk", "ntk_iters")):
        c = statistics.median(getattr(r[0], sec) for r in runs)
        w = statistics.median(getattr(r[1], sec) for r in runs)
        ic = statistics.median(getattr(r[0], its) for r in runs)
        iw = statistics.median(getattr(r[1], its) for r in runs)
        err = f", rel. error max {max(errs):.1e}" if what == "λ^H" else ""
        print(f"probe {what} to {TOL:g}: cold median {c:.2f} s = {c / st:.1f} torch steps "
              f"({ic:.0f} products{err}); warm median {w:.2f} s = {w / st:.1f} torch steps "
              f"({iw:.0f} products)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
