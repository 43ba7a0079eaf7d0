"""Fully connected networks: parameterizations, loss, gradient and exact
Hessian-vector products (spec §6).

Representation
--------------
A network of depth L ≥ 2 has weight matrices W_l of shape (fan_out, fan_in),
l = 1 … L, and fixed per-layer multipliers mult_l.  There are **no biases**.
With inputs as rows of X (N × d):

    H_0 = X,   Z_l = mult_l · H_{l−1} W_lᵀ,   H_l = φ(Z_l)        (l < L)
    F   = mult_L · H_{L−1} W_Lᵀ                                   (N × k, no φ)

Widths: W_1 is (n × d), hidden W_l are (n × n), W_L is (k × n).  φ is relu,
tanh or linear.  Loss (MSE):  L(θ) = (1/2N) Σ_i ‖F_i − Y_i‖².  Full-batch GD
updates the stored weights with ONE global learning rate: W_l ← W_l − η ∂L/∂W_l;
a multiplier therefore also scales that layer's effective learning rate (in
terms of the effective weight mult_l·W_l it is η·mult_l²).

Parameterizations (σ² = ``sigma_w2``; every stored weight i.i.d. N(0, var_l))
------------------------------------------------------------------------------
The family is indexed by s ∈ [0, 1] (``param_s``): s = 0 is SP, s = 1 is μP,
values between interpolate (geometric in every multiplier and variance, i.e.
linear in the abc-exponents of Yang & Hu 2021):

    layer          mult_l            var_l                      effective lr
    input  (l=1)   (n/d)^{s/2}       σ² / (d^{1−s} n^{s})        η (n/d)^s
    hidden         1                 σ² / n                      η
    output (l=L)   n^{−s/2}          σ² / n                      η n^{−s}

* SP (s = 0): multipliers 1, W_l ~ N(0, σ²/fan_in), every layer.
* μP (s = 1): the abc-parameterization of Yang & Hu (2021, Table 3, "μP"):
  input a = −½, b = ½; hidden a = 0, b = ½; output a = ½, b = ½; c = 0,
  with the input fan-in d kept as a constant (hence the d factors).  The
  width scaling of μP's learning rate (input ×n, output ×1/n relative to the
  hidden layers) is carried by the multipliers, so the global η is already
  width-independent in μP units.  The effective weights are N(0, σ²/d),
  N(0, σ²/n), N(0, σ²/n²): μP's output layer is √n smaller than SP's.
* For every s the effective input and hidden weights have SP's variance; only
  the output scale and the per-layer learning rates move.
* ``custom``: multipliers and variances given explicitly (used to embed the
  UV model: depth 2, linear, scalar output, mult = (1, 1/√n_eff)).

Flat parameter vector θ: the W_l, each C-ordered, concatenated (l = 1 … L).
Hessian-vector products are exact: a forward-over-reverse (Pearlmutter
R-operator) pass, all contractions BLAS matmuls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..params import UVInputError, check_count, positive

__all__ = [
    "ACTIVATIONS", "PARAMS", "MAX_WIDTH", "MAX_DEPTH", "MAX_INPUT_DIM", "MAX_OUT_DIM",
    "MAX_TRAIN", "MAX_ACTIVATIONS", "DTYPES",
    "NetSpec", "param_s_of", "init_params", "Problem", "Curvature",
]

ACTIVATIONS = ("relu", "tanh", "linear")
#: Named parameterizations and their interpolation parameter s.
PARAMS = {"sp": 0.0, "mup": 1.0}
#: Documented caps (bad input beyond them raises UVInputError).
MAX_WIDTH = 4096
MAX_DEPTH = 16
MAX_INPUT_DIM = 4096
MAX_OUT_DIM = 1024
MAX_TRAIN = 100_000
#: Cap on N · n · (L − 1), the number of hidden activations cached per
#: curvature evaluation (about five arrays of this size are held at once).
MAX_ACTIVATIONS = 2 ** 25
DTYPES = {"float64": np.float64, "float32": np.float32}


def param_s_of(param) -> float:
    """'sp' → 0, 'mup' → 1, or a number s ∈ [0, 1] (the SP→μP interpolation)."""
    if isinstance(param, str) and param.lower() in PARAMS:
        return PARAMS[param.lower()]
    try:
        s = float(param)
    except (TypeError, ValueError):
        raise UVInputError(f"param must be 'sp', 'mup' or a number in [0, 1], got {param!r}") from None
    if not math.isfinite(s) or not 0.0 <= s <= 1.0:
        raise UVInputError(f"param interpolation s must be in [0, 1], got {param!r}")
    return s


@dataclass(frozen=True)
class NetSpec:
    """Architecture and parameterization of a fully connected network.

    Parameters
    ----------
    depth : int
        Number of weight layers L ≥ 2.
    width : int
        Hidden width n (every hidden layer), 1 … :data:`MAX_WIDTH`.
    in_dim, out_dim : int
        Input dimension d and output dimension k (k = 1: scalar output).
    activation : {"relu", "tanh", "linear"}
    param : "sp", "mup" or s ∈ [0, 1]
        Parameterization (module docstring); stored as ``param_s``.
    sigma_w2 : float
        σ_w² > 0.
    mult, var : tuple of float, optional
        Explicit multipliers and init variances (length L) — the "custom"
        parameterization; both or neither.
    """

    depth: int
    width: int
    in_dim: int
    out_dim: int = 1
    activation: str = "relu"
    param: object = "sp"
    sigma_w2: float = 2.0
    mult: tuple | None = None
    var: tuple | None = None
    param_s: float = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "depth", check_count("depth", self.depth, 2, MAX_DEPTH))
        object.__setattr__(self, "width", check_count("width", self.width, 1, MAX_WIDTH))
        object.__setattr__(self, "in_dim", check_count("input_dim", self.in_dim, 1, MAX_INPUT_DIM))
        object.__setattr__(self, "out_dim", check_count("out_dim", self.out_dim, 1, MAX_OUT_DIM))
        act = str(self.activation).lower()
        if act not in ACTIVATIONS:
            raise UVInputError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        object.__setattr__(self, "activation", act)
        object.__setattr__(self, "sigma_w2", positive("sigma_w2", self.sigma_w2))
        if (self.mult is None) != (self.var is None):
            raise UVInputError("custom parameterization needs both mult and var")
        if self.mult is not None:
            mult = tuple(positive("mult", m) for m in self.mult)
            var = tuple(positive("var", v) for v in self.var)
            if len(mult) != self.depth or len(var) != self.depth:
                raise UVInputError(f"mult and var need {self.depth} entries (one per layer)")
            object.__setattr__(self, "mult", mult)
            object.__setattr__(self, "var", var)
            object.__setattr__(self, "param", "custom")
            object.__setattr__(self, "param_s", math.nan)
        else:
            s = param_s_of(self.param)
            object.__setattr__(self, "param_s", s)
            n, d, sig = float(self.width), float(self.in_dim), self.sigma_w2
            mult = [(n / d) ** (s / 2)] + [1.0] * (self.depth - 2) + [n ** (-s / 2)]
            var = [sig / (d ** (1 - s) * n ** s)] + [sig / n] * (self.depth - 1)
            object.__setattr__(self, "mult", tuple(mult))
            object.__setattr__(self, "var", tuple(var))

    @property
    def shapes(self) -> tuple:
        """(fan_out, fan_in) of each W_l."""
        n, d, k = self.width, self.in_dim, self.out_dim
        return tuple([(n, d)] + [(n, n)] * (self.depth - 2) + [(k, n)])

    @property
    def n_params(self) -> int:
        return sum(a * b for a, b in self.shapes)

    @property
    def param_name(self) -> str:
        if self.param == "custom":
            return "custom"
        return {0.0: "sp", 1.0: "mup"}.get(self.param_s, f"s={self.param_s:g}")

    def unflatten(self, theta: np.ndarray) -> list:
        """Views W_l (fan_out, fan_in) into the flat vector θ."""
        out, i = [], 0
        for a, b in self.shapes:
            out.append(theta[i:i + a * b].reshape(a, b))
            i += a * b
        return out


def init_params(spec: NetSpec, seed: int = 0, dtype=np.float64) -> np.ndarray:
    """Flat θ₀ with W_l ~ N(0, var_l) i.i.d., from ``numpy.random.default_rng(seed)``.

    Layers are drawn in order l = 1 … L, each as a (fan_out, fan_in) standard
    normal array scaled by √var_l.
    """
    rng = np.random.default_rng(check_count("seed", seed, 0, 2 ** 63 - 1))
    parts = [rng.standard_normal(shape) * math.sqrt(v) for shape, v in zip(spec.shapes, spec.var)]
    return np.concatenate([p.ravel() for p in parts]).astype(dtype)


def _mm(A, B):
    """A @ B, with rank-one products (inner dimension 1, e.g. a scalar output
    layer) done by broadcasting: BLAS GEMM is several times slower there."""
    if A.shape[1] == 1:
        return A * B
    return A @ B


def _phi(act, z):
    if act == "relu":
        return np.maximum(z, 0.0)
    if act == "tanh":
        return np.tanh(z)
    return z


class Problem:
    """A network spec with a full-batch training set (X, Y): loss, gradient and curvature.

    Parameters
    ----------
    spec : NetSpec
    X : array (N, d)
    Y : array (N, k) or (N,) when k = 1
    dtype : "float64" (default) or "float32"
        Arithmetic precision of every product (float32 is about twice as fast).
    """

    def __init__(self, spec: NetSpec, X, Y, dtype="float64"):
        if dtype not in DTYPES:
            raise UVInputError(f"dtype must be float64 or float32, got {dtype!r}")
        self.dtype = DTYPES[dtype]
        self.spec = spec
        X = np.asarray(X, dtype=float)
        Y = np.asarray(Y, dtype=float)
        if Y.ndim == 1:
            Y = Y[:, None]
        if X.ndim != 2 or X.shape[1] != spec.in_dim:
            raise UVInputError(f"X must have shape (N, {spec.in_dim}), got {X.shape}")
        if Y.ndim != 2 or Y.shape != (X.shape[0], spec.out_dim):
            raise UVInputError(f"Y must have shape ({X.shape[0]}, {spec.out_dim}), got {Y.shape}")
        N = check_count("n_train", X.shape[0], 1, MAX_TRAIN)
        if N * spec.width * (spec.depth - 1) > MAX_ACTIVATIONS:
            raise UVInputError(f"n_train * width * (depth - 1) must be <= {MAX_ACTIVATIONS}, "
                               f"got {N * spec.width * (spec.depth - 1)}")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            raise UVInputError("X and Y must be finite")
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = np.ascontiguousarray(Y, dtype=self.dtype)
        self.N = N
        self.mult = tuple(self.dtype(m) for m in spec.mult)

    # -- forward / loss / gradient ------------------------------------------
    def forward(self, theta, X=None) -> np.ndarray:
        """Outputs F (N, k) on X (default: the training inputs)."""
        X = self.X if X is None else np.asarray(X, dtype=self.dtype)
        W = self.spec.unflatten(np.asarray(theta, dtype=self.dtype))
        act, m = self.spec.activation, self.mult
        H = X
        for l in range(self.spec.depth - 1):
            H = _phi(act, (H @ W[l].T) * m[l])
        return (H @ W[-1].T) * m[-1]

    def loss(self, theta, X=None, Y=None) -> float:
        """(1/2N) Σ ‖F − Y‖² on (X, Y) (default: the training set)."""
        if X is None:
            X, Y = self.X, self.Y
        Y = np.asarray(Y, dtype=self.dtype)
        if Y.ndim == 1:
            Y = Y[:, None]
        R = self.forward(theta, X) - Y
        return float(0.5 * np.sum(R.astype(float) ** 2) / R.shape[0])

    def loss_grad(self, theta, out=None):
        """Training loss and its gradient (flat, same dtype as the problem).

        ``out``: optional flat buffer for the gradient.
        """
        c = Curvature(self, theta, need_second=False)
        g = np.empty(self.spec.n_params, dtype=self.dtype) if out is None else out
        c.gradient(out=g)
        return c.loss, g

    def curvature(self, theta) -> "Curvature":
        """Forward/backward cache at θ for Hessian and Gauss–Newton products."""
        return Curvature(self, theta)


class Curvature:
    """Cached forward and backward pass at one θ.

    ``hvp(v)`` is the exact Hessian-vector product ∇²L(θ) v; ``gnvp(v)`` the
    Gauss–Newton (NTK) product Jᵀ J v / N, whose nonzero eigenvalues are those
    of the NTK Gram matrix J Jᵀ / N (J: Jacobian of the N·k outputs).
    """

    def __init__(self, problem: Problem, theta, need_second: bool = True):
        p = problem
        spec = p.spec
        self.p = p
        self.L = spec.depth
        self.act = spec.activation
        self.m = p.mult
        self.theta = np.asarray(theta, dtype=p.dtype)
        if self.theta.shape != (spec.n_params,):
            raise UVInputError(f"theta must have {spec.n_params} entries, got {self.theta.shape}")
        self.W = spec.unflatten(self.theta)
        W, m, L = self.W, self.m, self.L
        # forward: H[0..L-1], D[1..L-1] = φ'(Z_l)
        H = [p.X]
        D = [None]
        T = [None]   # tanh values (for φ'')
        for l in range(1, L):
            Z = H[-1] @ W[l - 1].T
            Z *= m[l - 1]
            if self.act == "relu":
                D.append((Z > 0).astype(p.dtype))
                np.maximum(Z, 0.0, out=Z)
                T.append(None)
            elif self.act == "tanh":
                np.tanh(Z, out=Z)
                T.append(Z)
                D.append(1.0 - Z * Z)
            else:
                D.append(None)
                T.append(None)
            H.append(Z)
        F = H[-1] @ W[-1].T
        F *= m[-1]
        self.F = F
        self.H, self.D = H, D
        Rres = F - p.Y
        self.loss = float(0.5 * np.sum(Rres.astype(float) ** 2) / p.N)
        self.finite = bool(np.isfinite(self.loss))
        # backward: B[l] = ∂L/∂Z_l (B[L] = ∂L/∂F); E[l] = G_H ⊙ φ''(Z_l) (tanh only)
        B = [None] * (L + 1)
        E = [None] * (L + 1)
        B[L] = Rres / p.dtype(p.N)
        G = None
        for l in range(L, 1, -1):
            G = _mm(B[l], W[l - 1])
            G *= m[l - 1]
            if self.act == "relu":
                B[l - 1] = G * D[l - 1]
            elif self.act == "tanh":
                B[l - 1] = G * D[l - 1]
                if need_second:
                    E[l - 1] = -2.0 * G * T[l - 1] * D[l - 1]
            else:
                B[l - 1] = G
        self.B, self.E = B, E

    def gradient(self, out=None) -> np.ndarray:
        """∇L(θ), flat."""
        g = np.empty(self.p.spec.n_params, dtype=self.p.dtype) if out is None else out
        G = self.p.spec.unflatten(g)
        for l in range(1, self.L + 1):
            # (np.matmul's out= into a view skips the fast BLAS path: assign instead)
            np.multiply(self.B[l].T @ self.H[l - 1], self.m[l - 1], out=G[l - 1])
        return g

    def _r_forward(self, V):
        """R-forward: RZ[l] (pre-activations, l < L), RH[l] and RF = J v (N, k)."""
        W, H, D, m, L = self.W, self.H, self.D, self.m, self.L
        RH = [None] * L     # RH[0] = 0 (represented by None)
        RZ = [None] * L
        for l in range(1, L):
            Rz = H[l - 1] @ V[l - 1].T
            if RH[l - 1] is not None:
                Rz += RH[l - 1] @ W[l - 1].T
            Rz *= m[l - 1]
            RZ[l] = Rz
            RH[l] = Rz if D[l] is None else Rz * D[l]
        RF = H[L - 1] @ V[L - 1].T
        RF += RH[L - 1] @ W[L - 1].T
        RF *= m[L - 1]
        return RZ, RH, RF

    def hvp(self, v, out=None) -> np.ndarray:
        """Exact Hessian-vector product ∇²L(θ) v (flat in, flat out)."""
        p, W, H, D, B, E, m, L = self.p, self.W, self.H, self.D, self.B, self.E, self.m, self.L
        v = np.asarray(v, dtype=p.dtype)
        V = p.spec.unflatten(v)
        RZ, RH, RF = self._r_forward(V)
        hv = np.empty(p.spec.n_params, dtype=p.dtype) if out is None else out
        HV = p.spec.unflatten(hv)
        RB = RF / p.dtype(p.N)
        for l in range(L, 0, -1):
            # R(dW_l) = m_l (RB_lᵀ H_{l−1} + B_lᵀ RH_{l−1})
            R = RB.T @ H[l - 1]
            if RH[l - 1] is not None:
                R += B[l].T @ RH[l - 1]
            np.multiply(R, m[l - 1], out=HV[l - 1])
            if l == 1:
                break
            # R(G_{H_{l−1}}) = m_l (RB_l W_l + B_l V_l)
            RG = _mm(RB, W[l - 1])
            RG += _mm(B[l], V[l - 1])
            RG *= m[l - 1]
            if D[l - 1] is not None:
                RG *= D[l - 1]
            if E[l - 1] is not None:
                RG += E[l - 1] * RZ[l - 1]
            RB = RG
        return hv

    def jvp(self, v) -> np.ndarray:
        """J v: the change of the outputs F (N, k) along v."""
        V = self.p.spec.unflatten(np.asarray(v, dtype=self.p.dtype))
        return self._r_forward(V)[2]

    def vjp(self, U, out=None) -> np.ndarray:
        """Jᵀ U for output cotangents U (N, k), flat."""
        p, W, H, D, m, L = self.p, self.W, self.H, self.D, self.m, self.L
        g = np.empty(p.spec.n_params, dtype=p.dtype) if out is None else out
        G = p.spec.unflatten(g)
        Bl = np.asarray(U, dtype=p.dtype).reshape(p.N, p.spec.out_dim)
        for l in range(L, 0, -1):
            np.multiply(Bl.T @ H[l - 1], m[l - 1], out=G[l - 1])
            if l == 1:
                break
            Bl = _mm(Bl, W[l - 1])
            Bl *= m[l - 1]
            if D[l - 1] is not None:
                Bl *= D[l - 1]
        return g

    def gnvp(self, v, out=None) -> np.ndarray:
        """Gauss–Newton product Jᵀ J v / N (its top eigenvalue is the NTK's λ)."""
        RF = self.jvp(v)
        RF /= self.p.dtype(self.p.N)
        return self.vjp(RF, out=out)
