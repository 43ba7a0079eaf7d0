"""Full-batch GD on a network with sharpness tracking (spec §6).

Learning rate: either η directly or the paper's dimensionless c = η λ₀^H
(λ₀^H: Hessian sharpness at initialization, estimated by Lanczos to ``tol``).
λ^H and the NTK eigenvalue are estimated every ``sharpness_every`` steps (and
at every one of the last ``dense_tail`` steps), each Lanczos run warm-started
from the previous Ritz vector of the same operator.

Divergence: a run stops at the first step whose training loss is not finite
or exceeds ``DIVERGENCE_FACTOR · (1 + loss₀)``.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from ..params import UVInputError, check_count, positive
from .data import Dataset, accuracy
from .lanczos import DEFAULT_TOL, TopEig, lanczos_top
from .model import NetSpec, Problem, init_params

__all__ = ["DIVERGENCE_FACTOR", "MAX_STEPS", "Cancelled", "NetRun", "make_problem",
           "hessian_top", "ntk_top", "run_network", "check_progress"]

DIVERGENCE_FACTOR = 1e8
MAX_STEPS = 1_000_000
#: Below this many multiply-adds in the largest matmul (N · n · max(n, d, k)),
#: a run limits BLAS to one thread: multithreaded OpenBLAS is slower on such
#: skinny products, by about 2× on a 2-core machine shared with other jobs.
SMALL_GEMM = 1e8


def blas_threads(prob: Problem):
    """Context limiting BLAS to one thread for small problems (no-op otherwise)."""
    spec = prob.spec
    inner = max(spec.width if spec.depth > 2 else 0, spec.in_dim, spec.out_dim)
    if prob.N * spec.width * inner >= SMALL_GEMM:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is pinned in requirements.txt
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class Cancelled(Exception):
    """Raised inside a long computation when its ``cancel()`` check returns True."""


@dataclass(frozen=True)
class NetRun:
    """One GD run of a network.

    Attributes
    ----------
    eta, c, lam0_h : float
        Learning rate, c = η λ₀^H, and λ₀^H.
    loss : ndarray (T,)
        Training loss at every step 0 … T−1 computed (T ≤ steps + 1; shorter
        when the run diverged).
    step : ndarray of int (R,)
        Steps where the curvature was measured.
    sharpness, ntk : ndarray (R,)
        λ^H and the NTK top eigenvalue (J Jᵀ/N) at those steps (ntk is NaN
        when it was not requested).
    train_loss : ndarray (R,)
        Training loss at those steps.
    test_loss, test_acc, train_acc : ndarray (R,)
        On the held-out split / training set (NaN when the data have no test
        split or no class labels).
    diverged_at : int or None
    theta0, theta : ndarray
        Initial and final flat parameters.
    lanczos_iters : ndarray of int (R,)
        Hessian products used by each λ^H estimate.
    """

    eta: float
    c: float
    lam0_h: float
    loss: np.ndarray
    step: np.ndarray
    sharpness: np.ndarray
    ntk: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    train_acc: np.ndarray
    diverged_at: int | None
    theta0: np.ndarray
    theta: np.ndarray
    lanczos_iters: np.ndarray

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def check_progress(progress, cancel, fraction: float):
    """Report ``fraction`` to ``progress`` and raise :class:`Cancelled` if asked."""
    if cancel is not None and cancel():
        raise Cancelled("cancelled")
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)))


def make_problem(spec: NetSpec, data: Dataset, dtype: str = "float64") -> Problem:
    """The training problem of ``spec`` on ``data`` (dimensions must agree)."""
    if spec.in_dim != data.in_dim or spec.out_dim != data.out_dim:
        raise UVInputError(f"network is {spec.in_dim} -> {spec.out_dim} but data are "
                           f"{data.in_dim} -> {data.out_dim}")
    return Problem(spec, data.X, data.Y, dtype=dtype)


def hessian_top(curv, v0=None, tol: float = DEFAULT_TOL, rng=None, **kw) -> TopEig:
    """λ^H: top Hessian eigenvalue at a :class:`Curvature` (Lanczos on exact HVPs)."""
    return lanczos_top(curv.hvp, curv.p.spec.n_params, v0, tol, rng=rng, **kw)


def ntk_top(curv, v0=None, tol: float = DEFAULT_TOL, rng=None, **kw) -> TopEig:
    """NTK λ: top eigenvalue of Jᵀ J / N (= that of J Jᵀ / N)."""
    return lanczos_top(curv.gnvp, curv.p.spec.n_params, v0, tol, rng=rng, **kw)


def run_network(spec: NetSpec, data: Dataset, *, eta: float | None = None, c: float | None = None,
                steps: int = 1000, sharpness_every: int = 10, dense_tail: int = 0,
                seed: int = 0, dtype: str = "float64", tol: float = DEFAULT_TOL,
                ntk: bool = True, theta0=None, progress=None, cancel=None) -> NetRun:
    """Train ``spec`` on ``data`` by full-batch GD; give exactly one of η or c.

    Small problems run with one BLAS thread (:data:`SMALL_GEMM`).

    Parameters
    ----------
    steps : int
        GD steps (0 … :data:`MAX_STEPS`); states 0 … steps are evaluated.
    sharpness_every : int
        Curvature measured at steps 0, K, 2K, … and at the last step.
    dense_tail : int
        Also measure at each of the last ``dense_tail`` states.
    seed : int
        Initialization seed (:func:`init_params`); also seeds Lanczos starts.
    theta0 : array, optional
        Start from these parameters instead of a seeded draw.
    progress, cancel : callables, optional
        ``progress(fraction)``; ``cancel() -> bool`` (True raises :class:`Cancelled`).
    """
    prob = make_problem(spec, data, dtype)
    with blas_threads(prob):
        return _train(prob, data, eta, c, steps, sharpness_every, dense_tail, seed, tol, ntk,
                      theta0, progress, cancel)


def _train(prob, data, eta, c, steps, sharpness_every, dense_tail, seed, tol, ntk, theta0,
           progress, cancel) -> NetRun:
    """:func:`run_network` on a made problem: check, start, descend, collect."""
    if (eta is None) == (c is None):
        raise UVInputError("give exactly one of eta and c")
    steps = check_count("steps", steps, 0, MAX_STEPS)
    every = check_count("sharpness_every", sharpness_every, 1, MAX_STEPS)
    tail = check_count("dense_tail", dense_tail, 0, MAX_STEPS)
    tol = positive("tol", tol)
    seed = check_count("seed", seed, 0, 2 ** 63 - 1)
    theta = _initial_theta(prob, theta0, seed)
    th0 = theta.astype(float)
    # Lanczos starts are seeded apart from the initialization
    rng = np.random.default_rng(seed + 1)
    cur = prob.curvature(theta)
    if not cur.finite:
        raise UVInputError("initial loss is not finite")
    top0 = hessian_top(cur, None, tol, rng)
    eta, c = _learning_rate(eta, c, top0.value)
    record = _record_steps(steps, every, tail)
    rec = _Recorder(prob, data, tol, rng, ntk, top0)
    losses, diverged_at = _descend(prob, theta, cur, eta, steps, record, rec, progress, cancel)
    check_progress(progress, None, 1.0)
    return rec.result(eta, c, losses, diverged_at, th0, theta)


def _initial_theta(prob: Problem, theta0, seed: int) -> np.ndarray:
    """The flat start: a seeded draw, or ``theta0`` checked and copied (GD updates it in place)."""
    spec = prob.spec
    if theta0 is None:
        return init_params(spec, seed, prob.dtype)
    theta = np.array(theta0, dtype=prob.dtype).ravel()
    if theta.shape != (spec.n_params,) or not np.all(np.isfinite(theta)):
        raise UVInputError(f"theta0 must be {spec.n_params} finite numbers")
    return theta


def _learning_rate(eta, c, lam0_h: float) -> tuple[float, float]:
    """(η, c = η λ₀^H) from whichever of the two was given."""
    if eta is None:
        c = positive("c", c)
        if not lam0_h > 0:
            raise UVInputError(f"initial sharpness is {lam0_h:g}; cannot set eta from c")
        return c / lam0_h, c
    eta = positive("eta", eta)
    return eta, eta * lam0_h


def _record_steps(steps: int, every: int, tail: int) -> set:
    """Steps whose curvature is measured: 0, K, 2K, …, the last, and the dense tail."""
    return (set(range(0, steps + 1, every)) | {steps}
            | set(range(max(0, steps + 1 - tail), steps + 1)))


def _descend(prob: Problem, theta, cur, eta: float, steps: int, record: set, rec, progress,
             cancel):
    """Full-batch GD from ``theta`` (updated in place) with ``cur`` its curvature.

    Measures at the ``record`` steps through ``rec``; stops at the first
    diverged state.  Returns (loss at every state computed, diverged_at).
    """
    bound = DIVERGENCE_FACTOR * (1.0 + cur.loss)
    losses = np.empty(steps + 1)
    grad = np.empty(prob.spec.n_params, dtype=prob.dtype)
    eta_t = prob.dtype(eta)     # the step is taken in the problem's precision
    diverged_at = None
    report_every = max(1, steps // 200)
    t = 0
    for t in range(steps + 1):
        if t:
            # second-order terms only where the curvature is measured
            cur = prob.curvature(theta) if t in record else _light(prob, theta)
        losses[t] = cur.loss
        if not (math.isfinite(cur.loss) and cur.loss <= bound):
            diverged_at = t
            break
        if t in record:
            rec.measure(t, cur, theta)
        if t == steps:
            break
        cur.gradient(out=grad)
        grad *= eta_t
        theta -= grad
        if t % report_every == 0:
            check_progress(progress, cancel, t / max(steps, 1))
    n_done = t + 1 if diverged_at is None else diverged_at + 1
    return losses[:n_done], diverged_at


class _Recorder:
    """The measured columns of a run: λ^H, NTK λ, losses and accuracies.

    Each Lanczos run is warm-started from the previous Ritz vector of the
    same operator (λ^H at step 0 is the estimate that set η).
    """

    def __init__(self, prob: Problem, data: Dataset, tol: float, rng, ntk: bool, top0: TopEig):
        self.prob, self.data, self.tol, self.rng = prob, data, tol, rng
        self.ntk, self.top0 = ntk, top0
        self.vh, self.vn = top0.vector, None
        self.has_test = data.has_test
        self.has_lab = data.labels is not None
        self.cols = {k: [] for k in ("step", "lam_h", "ntk", "train", "test", "tacc", "racc",
                                     "iters")}

    def measure(self, t: int, cur, theta) -> None:
        """Append the measurements of state ``t`` (curvature ``cur`` at ``theta``)."""
        cols, data = self.cols, self.data
        if t == 0:
            h = self.top0
        else:
            h = hessian_top(cur, self.vh, self.tol, self.rng)
            self.vh = h.vector
        cols["step"].append(t)
        cols["lam_h"].append(h.value)
        cols["iters"].append(h.iterations)
        if self.ntk:
            g = ntk_top(cur, self.vn, self.tol, self.rng)
            self.vn = g.vector
            cols["ntk"].append(g.value)
        else:
            cols["ntk"].append(math.nan)
        cols["train"].append(cur.loss)
        if self.has_test:
            Ft = self.prob.forward(theta, data.X_test)
            cols["test"].append(float(0.5 * np.sum((Ft - data.Y_test) ** 2) / Ft.shape[0]))
            cols["tacc"].append(accuracy(Ft, data.labels_test) if self.has_lab else math.nan)
        else:
            cols["test"].append(math.nan)
            cols["tacc"].append(math.nan)
        cols["racc"].append(accuracy(cur.F, data.labels) if self.has_lab else math.nan)

    def result(self, eta, c, losses, diverged_at, th0, theta) -> NetRun:
        """The :class:`NetRun` of these measurements."""
        arr = {k: np.asarray(v, dtype=float) for k, v in self.cols.items()}
        return NetRun(eta=float(eta), c=float(c), lam0_h=float(self.top0.value), loss=losses,
                      step=arr["step"].astype(int), sharpness=arr["lam_h"], ntk=arr["ntk"],
                      train_loss=arr["train"], test_loss=arr["test"], test_acc=arr["tacc"],
                      train_acc=arr["racc"], diverged_at=diverged_at, theta0=th0,
                      theta=theta.astype(float), lanczos_iters=arr["iters"].astype(int))


def _light(prob: Problem, theta):
    """Forward/backward cache without second-order terms (plain GD steps)."""
    from .model import Curvature
    return Curvature(prob, theta, need_second=False)
