"""Torch models shared by the probe tests, built from their specifications
(uvcore.nets' parametrisation, the UV model of spec §1), not from the probe."""

import math

import torch

#: Lanczos to tol 1e-12 in float64 against a second implementation / dense eigvalsh.
EIG_RTOL = 1e-8
#: Tolerance of the probe's Lanczos runs in those comparisons.
TIGHT_TOL = 1e-12


class SpecFCN(torch.nn.Module):
    """uvcore.nets' FCN (``uvcore/nets/model.py``): no biases,
    Z_l = mult_l · H_{l−1} W_lᵀ, H_l = φ(Z_l), F = mult_L · H_{L−1} W_Lᵀ."""

    def __init__(self, weights, mult, activation):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for w in weights:
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.as_tensor(w, dtype=torch.float64))
            self.layers.append(lin)
        self.mult = [float(m) for m in mult]
        self.phi = {"relu": torch.relu, "tanh": torch.tanh, "linear": lambda z: z}[activation]

    def forward(self, x):
        h = x
        for lin, m in zip(self.layers[:-1], self.mult[:-1]):
            h = self.phi(m * lin(h))
        return self.mult[-1] * self.layers[-1](h)


class UVNet(torch.nn.Module):
    """The UV model f(x) = vᵀ U x / √n_eff (spec §1) as a torch module."""

    def __init__(self, U, v, n_eff):
        super().__init__()
        self.U = torch.nn.Linear(U.shape[1], U.shape[0], bias=False, dtype=torch.float64)
        self.v = torch.nn.Linear(U.shape[0], 1, bias=False, dtype=torch.float64)
        with torch.no_grad():
            self.U.weight.copy_(torch.as_tensor(U, dtype=torch.float64))
            self.v.weight.copy_(torch.as_tensor(v, dtype=torch.float64).reshape(1, -1))
        self.alpha = 1.0 / math.sqrt(n_eff)

    def forward(self, x):
        return self.alpha * self.v(self.U(x))


def tiny_mlp(d=3, n=6, k=2, seed=0, act=torch.nn.Tanh):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(d, n), act(), torch.nn.Linear(n, k)).double()


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def loss_of_flat(model, X, Y):
    """θ ↦ (1/2N) Σ‖F(x_i; θ) − y_i‖², written out with torch.func.functional_call."""
    from torch.func import functional_call
    names = [k for k, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]

    def f(theta):
        d, i = {}, 0
        for k, s in zip(names, shapes):
            n = math.prod(s)
            d[k] = theta[i:i + n].view(s)
            i += n
        r = functional_call(model, d, (X,)) - Y
        return 0.5 * (r * r).sum() / X.shape[0]
    return f
