"""SharpnessProbe against independent truths: the NumPy engine of uvcore.nets
(a second implementation: R-operator products, its own Lanczos runs), dense
``eigvalsh`` of ``torch.autograd.functional.hessian``, the UV map of spec §2
with the closed form of §4, and the state of a model before and after a
measurement.  Bad input: one-line errors."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import uvcore
from uvcore.nets import NetSpec, Problem, hessian_top, init_params, make_data, ntk_top
from uvcore.params import UVInputError
from uvcore.probe import MAX_MEASURE, SharpnessProbe

from .common import EIG_RTOL, TIGHT_TOL, SpecFCN, UVNet, flat_params, loss_of_flat, tiny_mlp

ROOT = Path(__file__).resolve().parents[3]
#: The UV map iterated by the probe's trace vs uvcore.trajectory (float64, 25 steps).
UV_RTOL = 1e-9


@pytest.mark.parametrize("act,param", [("tanh", "mup"), ("relu", "sp"), ("linear", 0.5)])
def test_lam_h_and_ntk_equal_the_numpy_engine(act, param):
    spec = NetSpec(3, 12, 5, 2, act, param, 2.0)
    data = make_data("gaussian", 30, 5, 2, seed=3)
    theta = init_params(spec, seed=4)
    cur = Problem(spec, data.X, data.Y).curvature(theta)
    ref_h = hessian_top(cur, tol=TIGHT_TOL, rng=np.random.default_rng(1)).value
    ref_n = ntk_top(cur, tol=TIGHT_TOL, rng=np.random.default_rng(2)).value
    model = SpecFCN(spec.unflatten(theta), spec.mult, act)
    X = torch.as_tensor(data.X, dtype=torch.float64)
    Y = torch.as_tensor(data.Y, dtype=torch.float64)
    probe = SharpnessProbe(model, "mse_half_mean", (X, Y), dtype="float64", tol=TIGHT_TOL,
                           device="cpu")
    m = probe.step(0, 0.1)
    assert abs(m.lam_h - ref_h) <= EIG_RTOL * ref_h
    assert abs(m.lam - ref_n) <= EIG_RTOL * ref_n
    assert abs(m.loss - cur.loss) <= 1e-12 * cur.loss
    assert m.df == -math.sqrt(2 * m.loss) and m.eta_lam_h_half == 0.1 * m.lam_h / 2


@pytest.mark.parametrize("hvp_mode", ["forward", "backward"])
def test_lam_h_matches_dense_eigvalsh(hvp_mode):
    model = tiny_mlp(d=3, n=7, k=2, seed=3)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(12, 3, generator=g, dtype=torch.float64)
    Y = torch.randn(12, 2, generator=g, dtype=torch.float64)
    H = torch.autograd.functional.hessian(loss_of_flat(model, X, Y), flat_params(model))
    top = float(torch.linalg.eigvalsh(H)[-1])
    probe = SharpnessProbe(model, "mse_half_mean", (X, Y), dtype="float64", tol=TIGHT_TOL,
                           hvp_mode=hvp_mode)
    assert abs(probe.step(0, 0.5).lam_h - top) <= EIG_RTOL * top


def test_float32_default_is_close_to_float64():
    model = tiny_mlp(seed=1).float()
    X, Y = torch.randn(20, 3), torch.randn(20, 2)
    m32 = SharpnessProbe(model, torch.nn.MSELoss(), (X, Y), tol=1e-6).step(0, 0.1)
    m64 = SharpnessProbe(model, torch.nn.MSELoss(), (X, Y), tol=1e-10, dtype="float64").step(0, 0.1)
    assert abs(m32.lam_h - m64.lam_h) <= 1e-4 * m64.lam_h
    assert next(model.parameters()).dtype == torch.float32      # the model is not cast


def test_uv_network_in_its_own_loop_follows_the_uv_map():
    """Depth-2 linear net on one example, trained by a plain SGD loop on torch's
    MSELoss (mean over one entry = (f − y)², twice the probe's loss: η = 2·lr)."""
    n, d, n_eff, y = 8, 3, 4.0, 2.0
    rng = np.random.default_rng(7)
    U, v = rng.standard_normal((n, d)) * 0.5, rng.standard_normal(n) * 0.5
    x = rng.standard_normal(d)
    xn = float(np.linalg.norm(x))
    # spec §1–2: f, Δf and λ = α²(‖Ux‖² + ‖x‖²‖v‖²) of the start, written out
    alpha = 1 / math.sqrt(n_eff)
    df0 = alpha * float(v @ U @ x) - y
    lam0 = alpha ** 2 * (float(np.sum((U @ x) ** 2)) + xn ** 2 * float(v @ v))
    eta = 1.3 * math.sqrt(n_eff) / (xn * y)                # past η_c: edge of stability
    steps = 25
    model = UVNet(U, v, n_eff).double()
    X = torch.as_tensor(x[None, :], dtype=torch.float64)
    Y = torch.tensor([[y]], dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=eta / 2)
    loss_fn = torch.nn.MSELoss()
    probe = SharpnessProbe(model, loss_fn, (X, Y), dtype="float64", tol=TIGHT_TOL)
    for t in range(steps + 1):
        probe.step(t, eta / 2)
        opt.zero_grad()
        loss_fn(model(X), Y).backward()
        opt.step()
    p = uvcore.MapParams(eta, n_eff, xn, y)
    tr = uvcore.trajectory(df0, lam0, p, steps)
    assert not tr.diverged
    np.testing.assert_allclose(probe.trace.column("eta"), eta, rtol=1e-15)
    np.testing.assert_allclose(probe.trace.column("df"), -np.abs(tr.df), rtol=UV_RTOL)
    np.testing.assert_allclose(probe.trace.column("lam"), tr.lam, rtol=UV_RTOL)
    np.testing.assert_allclose(probe.trace.column("lam_h"),
                               uvcore.hessian_sharpness(tr.df, tr.lam, p), rtol=UV_RTOL)
    assert len(set(np.sign(tr.df))) == 2      # the residual changes sign: not a trivial run


def _bn_dropout_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(),
                               torch.nn.Dropout(0.3), torch.nn.Linear(16, 2))


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_a_measurement_leaves_buffers_modes_rng_and_grads_alone(mode):
    model = _bn_dropout_model()
    X, Y = torch.randn(64, 4), torch.randn(64, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.MSELoss()
    model.train()
    opt.zero_grad()
    loss_fn(model(X), Y).backward()
    opt.step()
    model[3].eval()                     # a mixed mode, to be restored module by module
    probe = SharpnessProbe(model, loss_fn, (X, Y), mode=mode, every=1)
    before = {
        "buffers": {k: b.clone() for k, b in model.named_buffers()},
        "params": {k: p.detach().clone() for k, p in model.named_parameters()},
        "grads": {k: p.grad.clone() for k, p in model.named_parameters()},
        "modes": [m.training for m in model.modules()],
        "rng": torch.get_rng_state(),
        "tracking": [m.track_running_stats for m in model.modules()
                     if isinstance(m, torch.nn.BatchNorm1d)],
    }
    m = probe.step(1, 0.05)
    assert math.isfinite(m.lam_h) and m.lam_h > 0 and math.isfinite(m.lam)
    for k, b in model.named_buffers():
        assert torch.equal(b, before["buffers"][k]), k
    for k, p in model.named_parameters():
        assert torch.equal(p.detach(), before["params"][k]), k
        assert torch.equal(p.grad, before["grads"][k]), k
    assert [mm.training for mm in model.modules()] == before["modes"]
    assert torch.equal(torch.get_rng_state(), before["rng"])
    assert [mm.track_running_stats for mm in model.modules()
            if isinstance(mm, torch.nn.BatchNorm1d)] == before["tracking"]
    # a fresh model: no .grad is created by a measurement
    fresh = _bn_dropout_model()
    SharpnessProbe(fresh, loss_fn, (X, Y), mode=mode).step(0, 0.1)
    assert all(p.grad is None for p in fresh.parameters())


def test_train_mode_dropout_masks_are_fixed_within_a_measurement():
    """With dropout active the operator must still be one symmetric matrix:
    two probes with the same seed agree, Lanczos converges."""
    model = _bn_dropout_model()
    X, Y = torch.randn(64, 4, dtype=torch.float64), torch.randn(64, 2, dtype=torch.float64)
    a = SharpnessProbe(model, "mse_half_mean", (X, Y), mode="train", dtype="float64",
                       tol=1e-10).step(0, 0.1)
    b = SharpnessProbe(model, "mse_half_mean", (X, Y), mode="train", dtype="float64",
                       tol=1e-10, seed=0).step(0, 0.1)
    assert abs(a.lam_h - b.lam_h) <= 1e-8 * a.lam_h
    assert a.lanczos_iters < 200


def test_measurement_batch_from_a_shuffling_loader_is_fixed_and_capped():
    X, Y = torch.randn(300, 3), torch.randn(300, 2)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=64,
                                         shuffle=True)
    model = tiny_mlp().float()
    state = torch.get_rng_state()
    probe = SharpnessProbe(model, torch.nn.MSELoss(), loader, measure_size=100)
    assert torch.equal(torch.get_rng_state(), state)      # the loader's shuffle draw is undone
    assert probe.N == 100 and probe.trace.header["measure_batch"] == 100
    assert MAX_MEASURE == 5000
    assert SharpnessProbe(tiny_mlp().float(), torch.nn.MSELoss(), (X, Y)).N == 300


def test_every_and_the_mse_mean_conversion():
    model = tiny_mlp(k=4).float()
    X, Y = torch.randn(10, 3), torch.randn(10, 4)
    probe = SharpnessProbe(model, torch.nn.MSELoss(), (X, Y), every=3)
    assert [probe.step(t, 0.2) is not None for t in range(7)] == [True, False, False, True,
                                                                    False, False, True]
    # MSELoss averages over N·k entries: (1/Nk)Σ(F−y)² = (2/k)·L, so η = (2/k)·lr
    assert probe.trace.column("eta") == pytest.approx([0.2 * 2 / 4] * 3)
    user = float(torch.nn.MSELoss()(model(X), Y))
    assert probe.trace.measurements[-1].loss == pytest.approx(user * 4 / 2, rel=1e-5)


@pytest.mark.parametrize("kwargs,match", [
    ({"loss_fn": torch.nn.CrossEntropyLoss()}, "loss_fn must be torch.nn.MSELoss"),
    ({"loss_fn": torch.nn.MSELoss(reduction="sum")}, "depends on the training batch size"),
    ({"every": 0}, "every must be between 1"),
    ({"dtype": "float16"}, "dtype must be float32 or float64"),
    ({"measure_size": 5001}, "measure_size must be between 1 and 5000"),
    ({"device": "tpu"}, "device must be"),
    ({"mode": "test"}, "mode must be one of eval, train"),
    ({"hvp_mode": "exact"}, "hvp_mode must be one of"),
    ({"tol": 0}, "tol must be > 0"),
    ({"trace": "run.txt"}, "must end in .jsonl or .csv"),
    ({"trace": "run.jsonl", "ntk": False}, "needs the NTK eigenvalue"),
    ({"uv_calibration": 10, "ntk": False}, "needs the NTK eigenvalue"),
    ({"batches": (torch.randn(5, 3), torch.randn(4, 2))}, "same number of examples"),
    ({"batches": (torch.randn(5, 3), torch.randn(5, 3))}, "targets"),
    ({"batches": (torch.randn(5, 3), torch.randint(0, 2, (5, 2)))}, "floating-point"),
    ({"batches": 7}, "batches must be an"),
    ({"model": "net"}, "model must be a torch.nn.Module"),
])
def test_bad_arguments_are_refused_in_one_line(kwargs, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = {"model": tiny_mlp().float(), "loss_fn": torch.nn.MSELoss(),
            "batches": (torch.randn(5, 3), torch.randn(5, 2))}
    args.update(kwargs)
    with pytest.raises(UVInputError, match=match) as info:
        SharpnessProbe(args.pop("model"), args.pop("loss_fn"), args.pop("batches"), **args)
    assert "\n" not in str(info.value)


def test_bad_steps_and_rates_are_refused():
    probe = SharpnessProbe(tiny_mlp().float(), torch.nn.MSELoss(),
                           (torch.randn(5, 3), torch.randn(5, 2)))
    with pytest.raises(UVInputError, match="lr must be > 0"):
        probe.step(0, -1.0)
    with pytest.raises(UVInputError, match="step must be an integer"):
        probe.step(1.5, 0.1)
    probe.step(4, 0.1)
    with pytest.raises(UVInputError, match="steps must increase: got 4 after 4"):
        probe.step(4, 0.1)


BLOCK_TORCH = r"""
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, NoTorch())
import uvcore, uvcore.nets, uvcore.cli, app.views.import_trace.parse   # all work without torch
uvcore.nets.make_data("gaussian", 4, 2, 1)
import uvcore.probe
"""


def test_without_torch_everything_else_imports_and_the_probe_says_how_to_install():
    out = subprocess.run([sys.executable, "-c", BLOCK_TORCH], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last == ("ImportError: uvcore.probe needs PyTorch: pip install '.[torch]' "
                    "(or pip install -r requirements-torch.txt)"), out.stderr[-2000:]


def test_auto_device_and_unavailable_cuda():
    from uvcore.probe import resolve_device
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(UVInputError, match="no CUDA GPU is available"):
            resolve_device("cuda")


def test_frozen_parameters_are_held_fixed():
    """λᴴ over the trainable parameters only: the dense Hessian of the loss in
    the last layer's weights, with the first layer frozen."""
    model = tiny_mlp(d=3, n=5, k=2, seed=4)
    for p in model[0].parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(1)
    X = torch.randn(9, 3, generator=g, dtype=torch.float64)
    Y = torch.randn(9, 2, generator=g, dtype=torch.float64)
    with torch.no_grad():
        Hid = torch.tanh(model[0](X))
    # the loss is quadratic in (W2, b2): H = I_k ⊗ (Aᵀ A)/N with A = [Hid, 1]
    A = torch.cat([Hid, torch.ones(9, 1, dtype=torch.float64)], 1)
    top = float(torch.linalg.eigvalsh(A.T @ A / 9)[-1])
    m = SharpnessProbe(model, "mse_half_mean", (X, Y), dtype="float64", tol=TIGHT_TOL).step(0, 1)
    assert abs(m.lam_h - top) <= EIG_RTOL * top
    assert abs(m.lam - top) <= EIG_RTOL * top         # linear in the trained weights: GN = H


def test_nothing_outside_the_probe_imports_it_or_torch():
    import re
    pattern = re.compile(r"^\s*(from|import)\s+(uvcore\.probe|\.+probe\b|torch\b)", re.M)
    hits = [str(p.relative_to(ROOT)) for top in ("uvcore", "app") for p in (ROOT / top).rglob("*.py")
            if p.relative_to(ROOT).parts[:2] != ("uvcore", "probe")
            and pattern.search(p.read_text(encoding="utf-8"))]
    assert hits == []
