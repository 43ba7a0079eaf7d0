"""A user's own PyTorch training loop with a SharpnessProbe attached.

    python examples/probe_mlp.py [--steps 400] [--lr 0.5] [--every 10] [--width 256]
                                 [--uv-calibration 50] [--examples 1797]
                                 [--out traces/probe_mlp.jsonl]

An MLP (biases, ReLU, width 256) trained by full-batch SGD with
``torch.nn.MSELoss`` on scikit-learn's 8×8 digits (1,797 images shipped with
scikit-learn; one-hot targets).  Everything here is ordinary PyTorch except
the three lines marked ``# probe``: they write a trace (loss, λᴴ, the NTK
eigenvalue, ηλᴴ/2 and the UV plane's (Δf, λ)) that the dashboard's Import
view draws on the phase plane, beside the UV model matched on the first
``--uv-calibration`` steps.  ``.csv`` instead of ``.jsonl`` writes CSV.
See docs/probe.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from uvcore.probe import SharpnessProbe  # noqa: E402  # probe


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--uv-calibration", type=int, default=50)
    ap.add_argument("--examples", type=int, default=1797, help="first images used (≤ 1797)")
    ap.add_argument("--out", default="traces/probe_mlp.jsonl")
    a = ap.parse_args(argv)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)

    digits = load_digits()
    X = torch.tensor(digits.data[:a.examples], dtype=torch.float32)
    X = (X - X.mean(0)) / X.std(0).clamp_min(1e-6)
    Y = torch.nn.functional.one_hot(torch.tensor(digits.target[:a.examples]), 10).float()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, a.width), torch.nn.ReLU(),
                                torch.nn.Linear(a.width, a.width), torch.nn.ReLU(),
                                torch.nn.Linear(a.width, 10))
    loss_fn = torch.nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)

    probe = SharpnessProbe(model, loss_fn, (X, Y), every=a.every, trace=a.out,  # probe
                           uv_calibration=min(a.uv_calibration, a.steps))
    for t in range(a.steps + 1):
        m = probe.step(t, a.lr)                                                   # probe
        if m is not None:
            print(f"step {t:4d}  loss {m.loss:.4f}  λᴴ {m.lam_h:.3f}  NTK λ {m.lam:.3f}  "
                  f"ηλᴴ/2 {m.eta_lam_h_half:.3f}", flush=True)
        if t == a.steps:
            break
        opt.zero_grad()
        loss_fn(model(X), Y).backward()
        opt.step()
    print(f"trace: {a.out} ({len(probe.trace)} measurements, {probe.N} examples measured)")
    if probe.uv_error:
        print(f"no UV model: {probe.uv_error}")


if __name__ == "__main__":
    main()
