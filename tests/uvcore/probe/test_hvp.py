"""Hessian and Gauss–Newton products against dense matrices formed here
(torch.autograd.functional.hessian / jacobian of the loss written out)."""

import pytest
import torch

from uvcore.probe.hvp import CurvatureOps

from .common import flat_params, loss_of_flat, tiny_mlp

#: A product against the dense matrix times the vector (float64 rounding).
PROD_RTOL = 1e-10


def _ops(model, X, Y, chunk, mode="auto"):
    params = {k: p.detach().clone() for k, p in model.named_parameters()}
    return CurvatureOps(model, params, {}, X, Y, chunk, mode)


def _data(n=10, d=3, k=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, d, generator=g, dtype=torch.float64),
            torch.randn(n, k, generator=g, dtype=torch.float64))


@pytest.mark.parametrize("mode", ["forward", "backward"])
@pytest.mark.parametrize("chunk", [10, 3])
def test_hvp_is_the_dense_hessian_times_v(mode, chunk):
    model = tiny_mlp()
    X, Y = _data()
    H = torch.autograd.functional.hessian(loss_of_flat(model, X, Y), flat_params(model))
    ops = _ops(model, X, Y, chunk, mode)
    for seed in range(3):
        v = torch.randn(ops.n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        torch.testing.assert_close(ops.hvp(v), H @ v, rtol=PROD_RTOL, atol=1e-12)
    assert ops.hvp_mode == mode


@pytest.mark.parametrize("mode", ["forward", "backward"])
def test_gnvp_is_jt_j_over_n(mode):
    model = tiny_mlp()
    X, Y = _data()
    theta = flat_params(model)
    f = loss_of_flat(model, X, Y)
    # J of the N·k outputs, from the residual the loss is built on (loss = ½|r|²/N)
    from torch.func import functional_call
    names = [k for k, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]

    def outputs(th):
        d, i = {}, 0
        for k, s in zip(names, shapes):
            d[k] = th[i:i + s.numel()].view(s)
            i += s.numel()
        return functional_call(model, d, (X,)).reshape(-1)
    J = torch.autograd.functional.jacobian(outputs, theta)
    G = J.T @ J / X.shape[0]
    ops = _ops(model, X, Y, 4, mode)
    v = torch.randn(ops.n, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    torch.testing.assert_close(ops.gnvp(v), G @ v, rtol=PROD_RTOL, atol=1e-12)
    assert abs(ops.loss() - float(f(theta))) <= 1e-12 * float(f(theta))


class _NoForward(torch.autograd.Function):
    """tanh with a backward but no forward-mode rule."""

    @staticmethod
    def forward(x):
        return torch.tanh(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class _Act(torch.nn.Module):
    def forward(self, x):
        return _NoForward.apply(x)


def test_auto_falls_back_to_double_backward_without_forward_mode():
    model = tiny_mlp(act=_Act)
    ref = tiny_mlp(act=torch.nn.Tanh)          # same seed: same weights, differentiable tanh
    X, Y = _data()
    H = torch.autograd.functional.hessian(loss_of_flat(ref, X, Y), flat_params(ref))
    ops = _ops(model, X, Y, 10, "auto")
    v = torch.randn(ops.n, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    torch.testing.assert_close(ops.hvp(v), H @ v, rtol=PROD_RTOL, atol=1e-12)
    assert ops.hvp_mode == "backward"
    with pytest.raises(NotImplementedError, match="jvp"):
        _ops(model, X, Y, 10, "forward").hvp(v)
