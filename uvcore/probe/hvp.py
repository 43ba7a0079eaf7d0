"""Curvature products of a PyTorch model on a fixed batch, without forming J or ∇²L.

The model is evaluated functionally (``torch.func.functional_call``) on
detached *copies* of its parameters and buffers, so a product never touches
the model's own tensors, their ``.grad`` or the optimiser's state.  The loss
is the probe's one normalisation (``mse_half_mean``)

    L(θ) = (1/2N) Σ_i ‖F(x_i; θ) − y_i‖²

over the N examples of the measurement batch (summed over chunks of
``chunk`` examples, each chunk's sum divided by the whole N).

* ``hvp(v)`` — the exact Hessian-vector product ∇²L(θ) v: forward-over-reverse,
  ``torch.func.jvp`` of ``torch.func.grad``.  Where an operation of the model
  has no forward-mode derivative (e.g. a custom ``autograd.Function`` without
  ``jvp``), the product falls back to reverse-over-reverse (double backward
  through ``torch.autograd.grad``); the fallback is chosen once, on the first
  product, and recorded in :attr:`CurvatureOps.hvp_mode`.
* ``gnvp(v)`` — the Gauss–Newton product Jᵀ(J v)/N: J v by ``torch.func.jvp``
  of the outputs, then Jᵀ(·) by the outputs' ``torch.func.vjp`` (kept for all
  products of one measurement).  For this loss its nonzero eigenvalues are
  those of the NTK Gram matrix J Jᵀ/N (J: the Jacobian of the N·k outputs).

Vectors are flat tensors over the model's trainable parameters in
``named_parameters()`` order.
"""

from __future__ import annotations

import torch
from torch.func import functional_call, grad, jvp, vjp

__all__ = ["CurvatureOps", "HVP_MODES"]

#: ``auto``: forward-over-reverse, falling back to double backward where forward
#: mode is missing; ``forward`` / ``backward``: one of the two only.
HVP_MODES = ("auto", "forward", "backward")
#: Messages of the errors that mean "this operation has no forward-mode derivative".
_NO_FORWARD = ("forward ad", "forward-mode", "forward mode", "jvp", "not implemented")


def _no_forward_mode(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, NotImplementedError) or any(k in text for k in _NO_FORWARD)


class CurvatureOps:
    """Loss, Hessian and Gauss–Newton products at one θ on one fixed batch.

    Parameters
    ----------
    model : torch.nn.Module
        Called as ``model(x)``; its mode (train/eval) is whatever the caller set.
    params : dict of str → Tensor
        Detached copies of the trainable parameters (the point θ).
    buffers : dict of str → Tensor
        Copies of the buffers (a forward that writes them writes the copies).
    X, Y : Tensor
        Measurement inputs and targets (Y of the outputs' shape), on the
        parameters' device.
    chunk : int
        Examples per forward pass (memory bound); products are summed over chunks.
    hvp_mode : {"auto", "forward", "backward"}
    reseed : callable or None
        Called before every forward pass (the probe fixes dropout masks with it,
        so every product sees the same function).
    """

    def __init__(self, model, params: dict, buffers: dict, X, Y, chunk: int,
                 hvp_mode: str = "auto", reseed=None):
        self.model = model
        self.params = params
        self.buffers = buffers
        self.names = list(params)
        self.shapes = [params[k].shape for k in self.names]
        self.sizes = [params[k].numel() for k in self.names]
        self.n = sum(self.sizes)
        self.N = int(X.shape[0])
        self.chunks = [(X[i:i + chunk], Y[i:i + chunk]) for i in range(0, self.N, chunk)]
        self.hvp_mode = hvp_mode
        self._reseed = reseed or (lambda: None)
        self._vjps = None

    # -- flat vectors ----------------------------------------------------------
    def unflat(self, v) -> dict:
        """Flat tensor → dict of parameter-shaped views."""
        parts = torch.split(v, self.sizes)
        return {k: p.view(s) for k, p, s in zip(self.names, parts, self.shapes)}

    def flat(self, d: dict):
        """Dict of parameter-shaped tensors → one flat tensor."""
        return torch.cat([d[k].reshape(-1) for k in self.names])

    # -- the function ------------------------------------------------------------
    def outputs(self, p: dict, x):
        """F(x; p) through the model's own forward, with the copied buffers."""
        return functional_call(self.model, (p, self.buffers), (x,))

    def _chunk_loss(self, p: dict, x, y):
        r = self.outputs(p, x) - y
        return 0.5 * (r * r).sum() / self.N

    def loss(self) -> float:
        """L(θ) on the whole batch (float64 accumulation)."""
        total = 0.0
        with torch.no_grad():
            for x, y in self.chunks:
                self._reseed()
                total += float(self._chunk_loss(self.params, x, y).double())
        return total

    # -- Hessian-vector product ----------------------------------------------------
    def _hvp_forward(self, v: dict) -> dict:
        out = None
        for x, y in self.chunks:
            self._reseed()
            hv = jvp(lambda p: grad(self._chunk_loss)(p, x, y), (self.params,), (v,))[1]
            out = hv if out is None else {k: out[k] + hv[k] for k in self.names}
        return out

    def _hvp_backward(self, v: dict) -> dict:
        out = None
        for x, y in self.chunks:
            p = {k: t.detach().requires_grad_(True) for k, t in self.params.items()}
            self._reseed()
            with torch.enable_grad():
                g = torch.autograd.grad(self._chunk_loss(p, x, y), [p[k] for k in self.names],
                                        create_graph=True)
                hv = torch.autograd.grad(g, [p[k] for k in self.names],
                                         [v[k] for k in self.names], allow_unused=True)
            hv = {k: torch.zeros_like(p[k]) if h is None else h.detach()
                  for k, h in zip(self.names, hv)}
            out = hv if out is None else {k: out[k] + hv[k] for k in self.names}
        return out

    def hvp(self, v):
        """∇²L(θ) v for a flat v (flat result)."""
        vd = self.unflat(v)
        if self.hvp_mode == "backward":
            return self.flat(self._hvp_backward(vd))
        try:
            return self.flat(self._hvp_forward(vd))
        except (RuntimeError, NotImplementedError) as exc:
            if self.hvp_mode == "forward" or not _no_forward_mode(exc):
                raise
            self.hvp_mode = "backward"
            return self.flat(self._hvp_backward(vd))

    # -- Gauss–Newton product --------------------------------------------------------
    def _output_vjps(self):
        """One ``torch.func.vjp`` per chunk, kept for every product of this measurement."""
        if self._vjps is None:
            self._vjps = []
            for x, _ in self.chunks:
                self._reseed()
                self._vjps.append(vjp(lambda p: self.outputs(p, x), self.params)[1])
        return self._vjps

    def _jv_backward(self, x, v: dict):
        """J v by reverse-over-reverse (where forward mode is missing): the vjp
        u ↦ Jᵀu is linear in u, so J v is its vjp at any u with cotangent v."""
        p = {k: t.detach().requires_grad_(True) for k, t in self.params.items()}
        with torch.enable_grad():
            out = self.outputs(p, x)
            u = torch.zeros_like(out, requires_grad=True)
            g = torch.autograd.grad(out, [p[k] for k in self.names], u, create_graph=True)
            return torch.autograd.grad(g, u, [v[k] for k in self.names])[0].detach()

    def gnvp(self, v):
        """Jᵀ(J v)/N for a flat v (flat result)."""
        vd = self.unflat(v)
        out = None
        for (x, _), back in zip(self.chunks, self._output_vjps()):
            self._reseed()
            if self.hvp_mode == "backward":
                jv = self._jv_backward(x, vd)
            else:
                try:
                    jv = jvp(lambda p: self.outputs(p, x), (self.params,), (vd,))[1]
                except (RuntimeError, NotImplementedError) as exc:
                    if self.hvp_mode == "forward" or not _no_forward_mode(exc):
                        raise
                    self.hvp_mode = "backward"
                    jv = self._jv_backward(x, vd)
            g = self.flat(back(jv / self.N)[0])
            out = g if out is None else out + g
        return out
