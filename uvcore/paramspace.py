"""The UV model in parameter space: initialisation, presets and plain GD.

Spec §1 (model, initialisation, presets) and §4 (Hessian sharpness).  The
network is f(x) = vᵀUx/√n_eff with U ∈ ℝ^{n×d}, v ∈ ℝ^n, trained by gradient
descent on one example (x, y) with loss ½(f − y)².  :func:`train` runs that
GD on the actual parameters and sets it beside the function-space map of
spec §2 started from the same (Δf₀, λ₀): the two must agree step by step up to
rounding, whatever the width.

Conventions
-----------
- ``sigma_u``, ``sigma_v`` are standard deviations: U_ij ~ N(0, σ_u²),
  v_i ~ N(0, σ_v²).
- Random draws come from ``numpy.random.default_rng(seed)`` in this order:
  U (row-major, shape (n, d)), then v (shape (n,)), then a standard normal
  vector g ∈ ℝ^d; the input is x = ‖x‖ g/‖g‖, a uniformly random direction
  scaled to the requested norm.  Only ‖x‖ enters the dynamics (the law of Ux
  does not depend on the direction of x), so the direction only makes runs
  reproducible.
- Width 1 is allowed, and the closed form of spec §4 gives λ^H there too.
  Spec §4 states it for n ≥ 2 because its second term, ‖x‖|Δf|/√n_eff, is
  the curvature along directions orthogonal to the gradient, which need
  n ≥ 2.  For n = 1 the loss Hessian vanishes outside the 2-D span of the
  gradient, so λ^H is the first term alone, and the first term is never
  smaller than the second at a reachable state: with q = ‖x‖/√n_eff and
  λ/2 ≥ q|f| (spec §2.2), squaring shows λ/2 + √(λ²/4 + q²Δf(Δf + 2f)) ≥ q|Δf|
  ⇔ q|Δf| (λ/2 + q f sign Δf) ≥ 0, which holds.  (Tested against dense
  Hessians for n = 1 and n ≥ 2.)
- Memory is O(n·d): the Hessian is never built.  One GD step reads and
  writes U once (the update U ← U − a v xᵀ and the next Ux are fused).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from .maps import Trajectory, hessian_sharpness, settle, trajectory
from .params import MapParams, UVInputError, check_count, finite, positive

__all__ = [
    "MAX_WIDTH", "MAX_PARAMS", "MAX_TRAIN_STEPS", "MAX_TRAIN_WORK", "PRESETS",
    "ParamTrajectory", "resolve_preset", "initialize", "state", "gd_step",
    "sample_start", "weights_at", "train", "max_rel_dev",
]

#: Largest width n.
MAX_WIDTH = 1_000_000
#: Largest parameter count n·(d + 1) (400 MB of float64).
MAX_PARAMS = 50_000_000
#: Largest number of GD steps of one :func:`train` run.
MAX_TRAIN_STEPS = 1_000_000
#: Largest steps × n·(d + 1) of one run (each unit is one parameter update,
#: about a nanosecond: the cap bounds a run to well under a minute).
MAX_TRAIN_WORK = 2e10
#: Parameterisation presets of spec §1.
PRESETS = ("ntp", "mup", "custom")


# --------------------------------------------------------------------------
# presets and initialisation (spec §1)

def _count(name: str, value, lo: int, hi: int, limit_name: str) -> int:
    """An int in [lo, hi]; the error message names the limit constant."""
    try:
        return check_count(name, value, lo, hi)
    except UVInputError as err:
        raise UVInputError(f"{err} (limit {limit_name})") from None


def _nonneg(name: str, value) -> float:
    v = finite(name, value)
    if v < 0.0:
        raise UVInputError(f"{name} must be >= 0, got {v!r}")
    return v


def _seed(seed) -> int:
    try:
        s = operator.index(seed)
    except TypeError:
        s = check_count("seed", seed, 0, 2 ** 53)
    if s < 0:
        raise UVInputError(f"seed must be a non-negative integer, got {seed!r}")
    return s


def _sizes(width, input_dim) -> tuple[int, int]:
    """Validated (n, d) within :data:`MAX_WIDTH` and :data:`MAX_PARAMS`."""
    n = _count("width", width, 1, MAX_WIDTH, "MAX_WIDTH")
    d = check_count("input_dim", input_dim, 1, MAX_PARAMS)
    if n * (d + 1) > MAX_PARAMS:
        raise UVInputError(f"width*(input_dim+1) = {n * (d + 1)} parameters exceeds "
                           f"MAX_PARAMS = {MAX_PARAMS}")
    return n, d


def resolve_preset(preset: str, width: int, sigma: float = 1.0, n_eff: float | None = None,
                   sigma_u: float | None = None,
                   sigma_v: float | None = None) -> tuple[float, float, float]:
    """(n_eff, σ_u, σ_v) of a parameterisation preset (spec §1 table).

    Parameters
    ----------
    preset : {"ntp", "mup", "custom"}
        ``"ntp"``: n_eff = n, σ_u = σ_v = σ.  ``"mup"``: n_eff = 1,
        σ_u = σ_v = σ/√n.  ``"custom"``: ``n_eff``, ``sigma_u``, ``sigma_v``
        as given (all three required).
    width : int
        n, 1 … :data:`MAX_WIDTH`.
    sigma : float, default 1.0
        σ ≥ 0 of the "ntp" and "mup" presets (ignored by "custom").
    n_eff, sigma_u, sigma_v : float, optional
        Used by "custom" only; with "ntp" or "mup" the preset wins and these
        are ignored.

    Returns
    -------
    (n_eff, sigma_u, sigma_v) : tuple of float
        σ_u, σ_v are standard deviations (σ_u² is the variance of U_ij).

    Raises
    ------
    UVInputError
        Unknown preset, width out of range, σ < 0, non-finite values, n_eff ≤ 0,
        or a missing value for "custom".
    """
    name = str(preset).strip().lower()
    if name not in PRESETS:
        raise UVInputError(f"preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    n = _count("width", width, 1, MAX_WIDTH, "MAX_WIDTH")
    if name == "custom":
        missing = [k for k, v in (("n_eff", n_eff), ("sigma_u", sigma_u),
                                  ("sigma_v", sigma_v)) if v is None]
        if missing:
            raise UVInputError(f"preset 'custom' needs {', '.join(missing)}")
        return (positive("n_eff", n_eff), _nonneg("sigma_u", sigma_u),
                _nonneg("sigma_v", sigma_v))
    sigma = _nonneg("sigma", sigma)
    if name == "ntp":
        return float(n), sigma, sigma
    s = sigma / math.sqrt(n)
    return 1.0, s, s


def initialize(width: int, input_dim: int, *, sigma_u: float, sigma_v: float,
               x_norm: float = 1.0, seed: int = 0):
    """Seeded initial parameters and input (spec §1).

    Parameters
    ----------
    width, input_dim : int
        n and d; n·(d + 1) ≤ :data:`MAX_PARAMS`.
    sigma_u, sigma_v : float
        Standard deviations ≥ 0 of U_ij and v_i.
    x_norm : float
        ‖x‖ > 0.
    seed : int
        Seed of ``numpy.random.default_rng``; draws U, then v, then the
        direction of x (module docstring).

    Returns
    -------
    U : ndarray, shape (n, d)
    v : ndarray, shape (n,)
    x : ndarray, shape (d,), with ‖x‖ = x_norm (to rounding)
    """
    n, d = _sizes(width, input_dim)
    sigma_u = _nonneg("sigma_u", sigma_u)
    sigma_v = _nonneg("sigma_v", sigma_v)
    x_norm = positive("x_norm", x_norm)
    rng = np.random.default_rng(_seed(seed))
    U = rng.standard_normal((n, d))
    U *= sigma_u
    v = sigma_v * rng.standard_normal(n)
    g = rng.standard_normal(d)
    norm = float(np.linalg.norm(g))
    if norm == 0.0:  # probability zero; keep x well defined anyway
        g, norm = np.eye(d)[0], 1.0
    return U, v, (x_norm / norm) * g


def state(U, v, x, *, n_eff: float, y: float) -> tuple[float, float]:
    """(Δf, λ) of parameters (U, v) on the example (x, y).

    Δf = vᵀUx/√n_eff − y and the NTK λ = (‖Ux‖² + ‖x‖²‖v‖²)/n_eff, which
    equals ‖∇_θ f‖² (spec §2).  O(n·d).
    """
    n_eff = positive("n_eff", n_eff)
    u = np.asarray(U, dtype=float) @ np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    a2 = 1.0 / n_eff
    f = math.sqrt(a2) * float(v @ u)
    xx = float(np.dot(x, x))
    return f - float(y), a2 * (float(u @ u) + xx * float(v @ v))


def gd_step(U, v, x, *, eta: float, n_eff: float, y: float):
    """One plain GD step on ½(f − y)² (spec §1); returns new arrays (U', v').

    v' = v − η Δf α Ux,  U' = U − η Δf α v xᵀ, with α = 1/√n_eff and both
    gradients taken at the old parameters.
    """
    U = np.asarray(U, dtype=float)
    v = np.asarray(v, dtype=float)
    x = np.asarray(x, dtype=float)
    alpha = 1.0 / math.sqrt(positive("n_eff", n_eff))
    u = U @ x
    df = alpha * float(v @ u) - float(y)
    a = float(eta) * df * alpha
    return U - a * np.outer(v, x), v - a * u


def sample_start(width: int, input_dim: int, *, preset: str = "ntp", sigma: float = 1.0,
                 n_eff: float | None = None, sigma_u: float | None = None,
                 sigma_v: float | None = None, x_norm: float = 1.0, y: float = 2.0,
                 seed: int = 0) -> tuple[float, float, float]:
    """(Δf₀, λ₀, n_eff) of a freshly initialised network (spec §1).

    Presets as in :func:`resolve_preset`; draws as in :func:`initialize`.
    The start is always allowed (λ₀ ≥ 2‖x‖|f₀|/√n_eff, spec §2.2).
    """
    n_eff, sigma_u, sigma_v = resolve_preset(preset, width, sigma, n_eff, sigma_u, sigma_v)
    y = finite("y", y)
    U, v, x = initialize(width, input_dim, sigma_u=sigma_u, sigma_v=sigma_v,
                         x_norm=x_norm, seed=seed)
    df0, lam0 = state(U, v, x, n_eff=n_eff, y=y)
    if not (math.isfinite(df0) and math.isfinite(lam0)):
        raise UVInputError("initial state overflows: choose smaller sigma or x_norm")
    return df0, lam0, n_eff


def _norm(a: np.ndarray) -> float:
    """‖a‖ scaled by max|aᵢ| first: tiny vectors (σ ≈ 1e-160) must not underflow."""
    top = float(np.max(np.abs(a))) if a.size else 0.0
    return top * float(np.linalg.norm(a / top)) if top > 0.0 else 0.0


def _unit(a: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """a/‖a‖, or ``fallback`` (a unit vector) when a is zero."""
    top = float(np.max(np.abs(a)))
    if not top > 0.0:
        return fallback
    a = a / top
    return a / float(np.linalg.norm(a))


def _orthogonal_unit(v: np.ndarray, e: np.ndarray) -> np.ndarray | None:
    """A unit vector ⟂ e in the plane of (v, e), else any unit ⟂ e; None for n = 1."""
    n = e.size
    if n == 1:
        return None
    r = v - float(v @ e) * e
    if _norm(r) <= 1e-12 * _norm(v) or not np.any(r):
        r = np.zeros(n)
        r[int(np.argmin(np.abs(e)))] = 1.0  # the axis least aligned with e
        r -= float(r @ e) * e
    return _unit(r, r)


def weights_at(df: float, lam: float, *, width: int, input_dim: int, n_eff: float,
               sigma_u: float, sigma_v: float, x_norm: float = 1.0, y: float = 2.0,
               seed: int = 0):
    """Seeded initial weights moved minimally onto the state (Δf, λ) (spec §1, §2).

    Starts from :func:`initialize` and keeps its directions as far as it can:
    with u = Ux and w = ‖x‖v, the state needs ‖u‖² + ‖w‖² = λ n_eff and
    w·u = ‖x‖ f √n_eff (f = Δf + y).  Both norms are rescaled by one factor
    (their ratio kept), u is set by adding a rank-one term (u' − u)xᵀ/‖x‖² to
    U (the smallest change of U in Frobenius norm), and v is rotated in the
    plane of (v, Ux) to the angle that gives f.  When the kept ratio cannot
    reach |f| (or n = 1, where w ∥ u), the norms are re-split so that
    |cos ∠(w, u)| = 1, which is always possible at an allowed point
    (λ ≥ 2‖x‖|f|/√n_eff, spec §2.2; on the edge exactly that split).

    Parameters
    ----------
    df, lam : float
        The requested state (Δf, λ); it must not be in the forbidden region
        (points within the edge tolerance of :class:`MapParams` are on it).
    width, input_dim, n_eff, sigma_u, sigma_v, x_norm, y, seed
        As in :func:`initialize` and :func:`train`.

    Returns
    -------
    U : ndarray, shape (n, d)
    v : ndarray, shape (n,)
    x : ndarray, shape (d,)
        ``state(U, v, x, n_eff=n_eff, y=y)`` is (Δf, λ) to rounding.

    Raises
    ------
    UVInputError
        A forbidden or non-finite (Δf, λ) (the message names the edge), or any
        argument :func:`initialize` refuses.
    """
    # the edge test does not depend on η: any η > 0 gives the same verdict
    edge = MapParams(1.0, n_eff, x_norm, y)
    p, m = edge.start_pm(df, lam)  # snapped: exactly 0 on an edge
    df, lam = float(df), float(lam)
    U, v, x = initialize(width, input_dim, sigma_u=sigma_u, sigma_v=sigma_v,
                         x_norm=edge.x_norm, seed=seed)
    xn = float(np.linalg.norm(x))
    u = U @ x
    big_l = lam * edge.n_eff                          # ‖u‖² + ‖w‖²
    q = xn * (df + edge.y) * math.sqrt(edge.n_eff)    # w·u
    a0, b0 = _norm(u), xn * _norm(v)
    h = math.hypot(a0, b0)  # no squares: tiny σ must not underflow
    root_l = math.sqrt(big_l)
    a, b = (root_l * (a0 / h), root_l * (b0 / h)) if h > 0 else (root_l / math.sqrt(2),) * 2
    e_u = _unit(u, np.eye(v.size)[0])
    e_perp = _orthogonal_unit(v, e_u)
    if e_perp is not None and a * b > 0 and abs(q) <= a * b:
        cos = q / (a * b)
    else:  # a² and b² are the roots of t² − L t + q² = 0; keep the larger one on the larger side
        # L² − 4q² = ‖w + u‖²‖w − u‖² = P·M = (4 n_eff)² p m at η = 1 (spec §2.1):
        # from the snapped (p, m) it is exactly 0 on an edge, with no cancellation
        root = 4.0 * edge.n_eff * math.sqrt(p * m)
        hi = math.sqrt(0.5 * (big_l + root))
        lo = abs(q) / hi if hi > 0 else 0.0  # ab = |q|, without the cancellation in L − root
        a, b = (hi, lo) if a0 >= b0 else (lo, hi)
        cos = 1.0 if q >= 0 else -1.0
    sin = math.sqrt(max(1.0 - cos * cos, 0.0))
    w_dir = cos * e_u + (sin * e_perp if e_perp is not None else 0.0)
    U = U + np.outer(a * e_u - u, x / (xn * xn))
    return U, (b / xn) * w_dir, x


# --------------------------------------------------------------------------
# GD in parameter space

@dataclass(frozen=True)
class ParamTrajectory(Trajectory):
    """One GD run of the parameter-space model beside its function-space map.

    A :class:`uvcore.Trajectory` (same fields and meaning: every finite state
    computed, ``lam`` the NTK α²(‖Ux‖² + ‖x‖²‖v‖²) from the parameters,
    ``outcome`` classified by the map's own rule, :func:`uvcore.maps.settle`)
    with what ties it to the map and to its initialisation.

    Attributes
    ----------
    map : Trajectory
        The function-space map (spec §2) from the same (Δf₀, λ₀), same steps.
    max_rel_dev_from_map : float
        max(D(Δf), D(λ)) with D(a) = max_t |a_t − b_t| / max_t |b_t|, b the
        map's series, over the steps both runs have (0 when both are 0).
    width, input_dim, seed : int
    sigma_u, sigma_v : float
        Standard deviations used for the initialisation.
    """

    map: Trajectory
    max_rel_dev_from_map: float
    width: int
    input_dim: int
    sigma_u: float
    sigma_v: float
    seed: int


def max_rel_dev(a_df, a_lam, b_df, b_lam) -> float:
    """max over Δf and λ of max_t |a_t − b_t| / max_t |b_t| on the common steps.

    ``b`` is the reference (the map).  A series with max |b| = 0 contributes
    0 if it matches exactly and inf otherwise.
    """
    t = min(len(a_df), len(b_df))
    worst = 0.0
    for a, b in ((a_df, b_df), (a_lam, b_lam)):
        a = np.asarray(a[:t], dtype=float)
        b = np.asarray(b[:t], dtype=float)
        if t == 0:
            continue
        num = float(np.max(np.abs(a - b)))
        den = float(np.max(np.abs(b)))
        worst = max(worst, num / den if den > 0 else (0.0 if num == 0 else math.inf))
    return worst


def train(width: int, input_dim: int, *, eta: float, steps: int, n_eff: float,
          sigma_u: float, sigma_v: float, x_norm: float = 1.0, y: float = 2.0,
          seed: int = 0, start: tuple[float, float] | None = None) -> ParamTrajectory:
    """Plain GD on (U, v) from a seeded initialisation (spec §1, §4, §5).

    Parameters
    ----------
    width, input_dim : int
        n ∈ [1, MAX_WIDTH], d ≥ 1, n·(d + 1) ≤ MAX_PARAMS.
    eta : float
        Learning rate η > 0.
    steps : int
        GD steps, 1 … MAX_TRAIN_STEPS; steps·n·(d + 1) ≤ MAX_TRAIN_WORK.
    n_eff : float
        > 0 (use :func:`resolve_preset` for the NTP / μP presets).
    sigma_u, sigma_v : float
        Initial standard deviations ≥ 0.
    x_norm, y : float
        ‖x‖ > 0 and the target.
    seed : int
        Initialisation seed (:func:`initialize`).
    start : (float, float), optional
        A state (Δf₀, λ₀) to start from: the seeded initialisation moved onto
        it by :func:`weights_at`.  By default the initialisation itself.

    Returns
    -------
    ParamTrajectory

    Raises
    ------
    UVInputError
        Any value out of range or non-finite, sizes past the caps, a
        forbidden ``start``, or an initial state that overflows.
    """
    n, d = _sizes(width, input_dim)
    steps = _count("steps", steps, 1, MAX_TRAIN_STEPS, "MAX_TRAIN_STEPS")
    if steps * n * (d + 1) > MAX_TRAIN_WORK:
        raise UVInputError(f"steps*width*(input_dim+1) = {steps * n * (d + 1):.3g} exceeds "
                           f"MAX_TRAIN_WORK = {MAX_TRAIN_WORK:g}")
    params = MapParams(eta, n_eff, x_norm, y)
    seed = _seed(seed)
    sigma_u = _nonneg("sigma_u", sigma_u)
    sigma_v = _nonneg("sigma_v", sigma_v)
    if start is None:
        U, v, x = initialize(n, d, sigma_u=sigma_u, sigma_v=sigma_v,
                             x_norm=params.x_norm, seed=seed)
    else:
        df0, lam0 = start
        U, v, x = weights_at(df0, lam0, width=n, input_dim=d, n_eff=params.n_eff,
                             sigma_u=sigma_u, sigma_v=sigma_v, x_norm=params.x_norm,
                             y=params.y, seed=seed)
    out_df = np.empty(steps + 1)
    out_lam = np.empty(steps + 1)
    bad = int(K.gd_kernel(U, v, x, params.y, params.eta, params.alpha, out_df, out_lam))
    if bad == 0 and not (math.isfinite(out_df[0]) and math.isfinite(out_lam[0])):
        raise UVInputError("initial state overflows: choose smaller sigma or x_norm")
    df, lam, diverged_at, outcome = settle(out_df, out_lam, bad, params)
    ref = trajectory(float(df[0]), float(lam[0]), params, steps)
    return ParamTrajectory(
        df=df, lam=lam, lam_h=hessian_sharpness(df, lam, params),
        loss=0.5 * df * df, eta_lam=params.eta * lam, diverged_at=diverged_at,
        outcome=outcome, map=ref,
        max_rel_dev_from_map=max_rel_dev(df, lam, ref.df, ref.lam),
        params=params, width=n, input_dim=d, sigma_u=sigma_u, sigma_v=sigma_v, seed=seed)
