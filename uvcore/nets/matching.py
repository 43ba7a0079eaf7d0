"""UV-model matching: the UV model drawn beside a real network (spec §6).

Three documented ways to pick the UV model drawn beside a network
(:func:`uv_for_run`); all return
a :class:`UVMatch` run at the network's own dimensionless learning rate
c = η λ₀^H (η_UV = c / λ₀^H(UV), λ₀^H(UV) from the closed form, spec §4).

``structural`` (:func:`uv_match`; default of
:func:`~uvcore.nets.experiments.fig5`) — the depth-2 *linear* analogue: same
width n, same first- and last-layer multipliers and init variances, one
example.  Precisely α = mult_1 · mult_L, i.e.
n_eff = 1/(mult_1 mult_L)² (SP: 1, μP: d, interpolation s: d^s);
U ~ N(0, var_1), v ~ N(0, var_L) (n entries each, seeded), hidden layers and
the activation dropped; ‖x‖ = √λ_max(XᵀX/N) (for a linear network on
isotropic data the top NTK eigenvector lives along the top input direction);
y = √(mean_i ‖y_i‖²).  For a 2-layer linear network on one example this is
exact (the test suite checks it).

``calibrated`` (:func:`uv_calibrate`; default of
:func:`~uvcore.nets.experiments.fig1` and :func:`~uvcore.nets.experiments.fig4`)
— the UV model started where the network starts and run at the network's own
η, with ONE number fitted: ‖x‖ = 1, y = √(mean_i ‖y_i‖²),
Δf₀ = −√(2 L₀) (the network's initial loss L₀ = ½Δf₀²; f₀ = 0 gives the
usual Δf₀ = −y), λ₀ = the network's initial NTK eigenvalue, η_UV = η = c/λ₀^H
of the network, and n_eff chosen so that after the same number of steps at a
calibration rate c_cal (default 0.5) the UV model's NTK ratio λ_T/λ_0 equals
the network's.  The UV curves at every other c are then predictions.  The
fit scans log n_eff over the allowed range (λ₀ ≥ 2|f₀|/√n_eff), bisects
every sign change and searches every dip of the mismatch between scan
points: the ratio need not be monotone in n_eff, and of several solutions
the one whose per-step loss curve is closest to the network's is taken.
When no n_eff reproduces the ratio (to 1e-6 in log) the closest one is used
and ``UVMatch.calibrated`` is False.  (The NTK, not λ^H, is matched: with
an O(1) initial loss the one-example model's λ^H exceeds its λ by the
residual term, which a many-example network spreads thin.)

``fitted`` (single runs and :func:`~uvcore.nets.experiments.fig1` only) — the
same one-number fit as ``calibrated``, made on the run the model is drawn
beside (its own c and length) instead of a run at c_cal: the UV model that
starts where the network starts and ends at the network's NTK ratio.  It is a
description, not a prediction: what it tests is whether one n_eff also gives
the path between (sharpness reduction, oscillations, period).

Every match reports :attr:`UVMatch.coupling`, the map's own parameter
c_UV = η‖x‖|y|/√n_eff (spec §3): the minimum is stable for c_UV < 1, the
EoS attractor exists up to the crisis c_UV = 2.

Known limits (ReLU networks on digits, depth 4; fig1 at scale 0.2, c = 1,
seed 0; network / UV model η λ^H/2 at the last step): the calibrated model
reproduces early sharpness reduction (SP σ_w² = 2: 0.216 / 0.210, c_UV =
0.19; at half size 0.5 → 0.24 in the network, 0.66 → 0.22 in the UV model)
and the sharpening towards 2/η, but where the networks settle near the edge
of stability it overshoots: SP σ_w² = 0.5, 0.967 / diverged at step 8
(c_UV = 1.90); μP, 0.983 / a period orbit on the edge (c_UV = 1.16); at half
size (scale 0.5) both diverge within the first steps (c_UV = 1.96 and 1.97:
the edge still has its attractor, the start is outside its basin); at
paper size the SP σ_w² = 0.5 model is chaotic on the edge beside the network
at 0.994 (c_UV = 1.42) and the μP one diverges (c_UV = 1.93;
docs/benchmarks.md).  The
networks sharpen at c_cal by more than a one-example model can while staying
bounded at c (in gradient flow its NTK ratio R gives c_UV ≈ c √(R² − 1) / 2,
so R > 4.1 at c = 1 is past the crisis c_UV = 2), whereas a network stops
sharpening at the edge.  The structural model stays below the edge there.
The fitted model ends where the network ends (0.967 / 0.966 with c_UV =
0.97, 0.216 / 0.216, μP 0.983 / 0.982 aperiodic) but not along the same
path: it settles within about 10 steps where the networks take hundreds, and
it starts higher (0.77–0.80 against 0.5: the one-example Hessian's residual
term, which a many-example network spreads thin).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .._scalar import minimum_in, root_in
from ..maps import Trajectory, hessian_sharpness, trajectory
from ..params import MapParams, UVInputError, positive
from .data import Dataset
from .model import NetSpec
from .train import NetRun, run_network

__all__ = ["UVMatch", "uv_match", "uv_calibrate", "uv_for_run", "MATCHINGS", "GRID_MATCHINGS",
           "CAL_SCAN", "CAL_GOLDEN", "CAL_TOL", "CAL_DIPS"]


@dataclass(frozen=True)
class UVMatch:
    """The UV model matched to a network (module docstring).

    Attributes
    ----------
    params : MapParams
        (η_UV, n_eff, ‖x‖, y).
    df0, lam0, lam0_h : float
        Start of the UV map: Δf₀, NTK λ₀ and Hessian λ₀^H.
    c : float
        The network's c = η λ₀^H this match stands for.
    width : int
    method : str
        "structural" or "calibrated".
    eta_per_c : float
        η_UV per unit c: 1/λ₀^H(UV) for "structural"; the network's 1/λ₀^H
        for "calibrated" (the UV model then runs at the network's own η).
    calibrated : bool
        For "calibrated": whether the fitted n_eff reproduces the network's
        ratio (to 1e-6); always True for "structural".
    """

    params: MapParams
    df0: float
    lam0: float
    lam0_h: float
    c: float
    width: int
    method: str = "structural"
    calibrated: bool = True
    eta_per_c: float = math.nan

    def __post_init__(self):
        if math.isnan(self.eta_per_c):
            object.__setattr__(self, "eta_per_c", 1.0 / self.lam0_h)

    def at(self, c: float) -> "UVMatch":
        """The same UV model at another dimensionless learning rate c (η = c · eta_per_c)."""
        c = positive("c", c)
        return dataclasses.replace(self, params=self.params.with_eta(c * self.eta_per_c), c=c)

    @property
    def n_eff(self) -> float:
        return self.params.n_eff

    @property
    def coupling(self) -> float:
        """The map's own parameter c_UV = η‖x‖|y|/√n_eff (spec §3): the zero-loss
        minimum on the edge is stable below 1, the edge's EoS attractor is lost
        at the crisis 2."""
        return self.params.c

    def run(self, steps: int) -> Trajectory:
        """The UV trajectory for ``steps`` GD steps (``uvcore.trajectory``)."""
        return trajectory(self.df0, self.lam0, self.params, steps)


def _input_scale(X: np.ndarray) -> float:
    d = X.shape[1]
    C = X.T @ X / X.shape[0]
    if d <= 1024:
        return math.sqrt(max(float(np.linalg.eigvalsh(C)[-1]), 0.0))
    from scipy.sparse.linalg import eigsh
    return math.sqrt(max(float(eigsh(C, k=1, which="LA", return_eigenvectors=False)[0]), 0.0))


def uv_match(spec: NetSpec, data: Dataset, c: float, seed: int = 0) -> UVMatch:
    """UV model matched to ``spec`` on ``data`` at dimensionless rate ``c`` (module docstring)."""
    c = positive("c", c)
    n = spec.width
    if n < 2:
        raise UVInputError("UV matching needs width >= 2 (closed-form λ^H)")
    n_eff = 1.0 / (spec.mult[0] * spec.mult[-1]) ** 2
    x_norm = _input_scale(data.X)
    y = math.sqrt(float(np.mean(np.sum(data.Y ** 2, axis=1))))
    if not (x_norm > 0 and y > 0):
        raise UVInputError("UV matching needs nonzero inputs and targets")
    rng = np.random.default_rng(seed)
    U = rng.standard_normal(n) * math.sqrt(spec.var[0])
    v = rng.standard_normal(n) * math.sqrt(spec.var[-1])
    alpha = 1.0 / math.sqrt(n_eff)
    u = x_norm * U
    f0 = alpha * float(v @ u)
    lam0 = alpha ** 2 * (float(u @ u) + x_norm ** 2 * float(v @ v))
    df0 = f0 - y
    lam0_h = float(hessian_sharpness(df0, lam0, (n_eff, x_norm, y)))
    params = MapParams(c / lam0_h, n_eff, x_norm, y)
    return UVMatch(params, df0, lam0, lam0_h, c, n)


def _uv_ratio(df0, lam0, y, n_eff, eta, steps) -> float:
    """NTK ratio λ_T / λ_0 of the UV model (‖x‖ = 1) at learning rate η; +inf if it diverged."""
    tr = trajectory(df0, lam0, MapParams(eta, n_eff, 1.0, y), steps)
    return math.inf if tr.diverged else float(tr.lam[-1]) / lam0


#: Calibration: scan points in log n_eff, golden-section steps in a dip,
#: accepted mismatch of log ratio, dips of |mismatch| searched between scan points.
CAL_SCAN = 96
CAL_GOLDEN = 60
CAL_TOL = 1e-6
CAL_DIPS = 6


def uv_calibrate(loss0: float, lam0: float, y: float, ratio: float, eta_cal: float, steps: int,
                 eta_per_c: float, c: float, width: int = 0, method: str = "calibrated",
                 loss=None) -> UVMatch:
    """Calibrated UV match (module docstring).

    Parameters
    ----------
    loss0, lam0 : float
        The network's initial training loss and NTK eigenvalue.
    y : float
        Target scale √(mean ‖y_i‖²).
    ratio : float
        The network's NTK ratio λ_T / λ_0 after ``steps`` GD steps at η = ``eta_cal``.
    eta_per_c : float
        The network's 1/λ₀^H: the UV model runs at the network's η = c · eta_per_c.
    c : float
        Dimensionless learning rate of the returned match.
    method : str
        Recorded in :attr:`UVMatch.method` ("calibrated", or "fitted" when the
        ratio comes from the run the model is drawn beside).
    loss : array (steps + 1,), optional
        The network's training loss at every step of that run.  The ratio need
        not be monotone in n_eff; of several n_eff that reproduce it, the one
        whose loss curve is closest (mean squared difference of log loss) is
        taken.  Without ``loss``: the one bracketed nearest the best scan point.
    """
    loss0, lam0, y = positive("loss0", loss0), positive("lam0", lam0), positive("y", y)
    ratio, eta_cal = positive("ratio", ratio), positive("eta_cal", eta_cal)
    eta_per_c, c = positive("eta_per_c", eta_per_c), positive("c", c)
    df0 = -math.sqrt(2.0 * loss0)
    f0 = df0 + y
    # allowed start: λ₀ ≥ 2|f₀|/√n_eff  ⇔  n_eff ≥ (2 f₀ / λ₀)²
    lo = max((2.0 * f0 / lam0) ** 2 * (1.0 + 1e-9), 1e-6 * (y / lam0) ** 2)
    hi = max(lo * 1e12, 1e6 * (y / lam0) ** 2)
    target = math.log(ratio)

    def mismatch(log_n):
        return math.log(max(_uv_ratio(df0, lam0, y, math.exp(log_n), eta_cal, steps), 1e-300)) - target

    grid = np.linspace(math.log(lo), math.log(hi), CAL_SCAN)
    diff = np.array([mismatch(g) for g in grid])
    best = int(np.argmin(np.abs(diff)))
    # candidates: sign changes (bisected) and dips of |mismatch| between grid
    # points, where the ratio touches the target without a sign change
    cands = [root_in(mismatch, float(grid[i]), float(grid[i + 1]))
             for i in np.nonzero(np.sign(diff[:-1]) * np.sign(diff[1:]) <= 0)[0]]
    a = np.abs(diff)
    dips = [i for i in range(1, grid.size - 1) if a[i] <= a[i - 1] and a[i] <= a[i + 1]]
    cands += [minimum_in(lambda g: abs(mismatch(g)), float(grid[i - 1]), float(grid[i + 1]),
                         CAL_GOLDEN) for i in sorted(dips, key=lambda i: a[i])[:CAL_DIPS]]
    err = {r: abs(mismatch(r)) for r in cands + [float(grid[best])]}
    roots = [r for r in cands if err[r] <= CAL_TOL]
    if not roots:
        log_n = min(err, key=err.get)
    elif loss is not None and len(roots) > 1:
        log_n = min(roots, key=lambda r: _loss_distance(loss, df0, lam0, y, math.exp(r), eta_cal))
    else:
        log_n = min(roots, key=lambda r: abs(r - float(grid[best])))
    n_eff = math.exp(log_n)
    ok = err[log_n] <= CAL_TOL
    lam0_h = float(hessian_sharpness(df0, lam0, (n_eff, 1.0, y)))
    return UVMatch(MapParams(c * eta_per_c, n_eff, 1.0, y), df0, lam0, lam0_h, c, width,
                   method, bool(ok), eta_per_c)


def _loss_distance(loss, df0, lam0, y, n_eff, eta) -> float:
    """Mean squared difference of log loss between a network's run and the UV model
    (floored at 1e-12 of the initial loss, so converged tails do not dominate)."""
    net = np.asarray(loss, dtype=float)
    uv = trajectory(df0, lam0, MapParams(eta, n_eff, 1.0, y), max(net.size - 1, 1)).loss
    k = min(net.size, uv.size)
    floor = 1e-12 * max(float(net[0]), 1e-300)
    with np.errstate(invalid="ignore"):
        d = np.log(np.maximum(net[:k], floor)) - np.log(np.maximum(uv[:k], floor))
    d = d[np.isfinite(d)]
    return float(np.mean(d * d)) if d.size else math.inf


def _fit_to_run(run: NetRun, data: Dataset, width: int, method: str) -> UVMatch:
    """n_eff fitted to ``run``'s NTK ratio over its whole length (``uv_calibrate``)."""
    what = "calibration run" if method == "calibrated" else "network"
    if run.diverged:
        raise UVInputError(f"the {what} at c = {run.c:.4g} diverged at step {run.diverged_at}: "
                           "nothing to fit" + ("; choose a smaller c_cal" if method == "calibrated"
                                               else ""))
    if run.ntk.size < 2 or not (run.ntk[0] > 0 and run.ntk[-1] > 0):
        raise UVInputError(f"the {what}'s NTK eigenvalue collapsed or was not measured at its "
                           "first and last step")
    y = math.sqrt(float(np.mean(np.sum(data.Y ** 2, axis=1))))
    return uv_calibrate(run.loss[0], run.ntk[0], y, run.ntk[-1] / run.ntk[0], run.eta,
                        int(run.step[-1]), 1.0 / run.lam0_h, run.c, width, method, run.loss)


def _calibrated_match(spec, ds, c_cal, steps, seed, dtype, progress, cancel) -> UVMatch:
    """Run the network at c_cal and fit the UV model to it (``calibrated`` matching)."""
    run = run_network(spec, ds, c=c_cal, steps=steps, sharpness_every=steps, seed=seed,
                      dtype=dtype, ntk=True, progress=progress, cancel=cancel)
    return _fit_to_run(run, ds, spec.width, "calibrated")


def uv_for_run(spec: NetSpec, data: Dataset, run: NetRun, steps: int,
               matching: str = "calibrated", *, c_cal: float = 0.5, seed: int = 0,
               dtype: str = "float32", progress=None, cancel=None) -> UVMatch:
    """The UV model drawn beside ``run``, a GD run of ``spec`` on ``data`` for
    ``steps`` steps (fewer if it diverged).

    ``matching`` (module docstring): "structural" (:func:`uv_match`),
    "calibrated" (one more run of ``spec``, at ``c_cal`` for ``steps`` steps,
    with ``seed``, ``dtype``, ``progress`` and ``cancel``; then
    :func:`uv_calibrate`) or "fitted" (``uv_calibrate`` on ``run`` itself: it
    needs ``run.ntk`` at its first and last step).  The match is returned at
    ``run``'s own c.  Raises :class:`UVInputError` when no model can be matched
    (a diverged or collapsed run to fit).
    """
    _check_matching(matching)
    if matching == "structural":
        return uv_match(spec, data, run.c, seed)
    if matching == "fitted":
        return _fit_to_run(run, data, spec.width, "fitted")
    return _calibrated_match(spec, data, c_cal, steps, seed, dtype, progress, cancel).at(run.c)


#: How the UV model beside a network is chosen (module docstring); "fitted"
#: only where each network has its own model (single runs, Fig 1).
MATCHINGS = ("calibrated", "structural", "fitted")
#: Fig 4 and Fig 5 draw one UV model per row (or figure) across c: no "fitted".
GRID_MATCHINGS = ("calibrated", "structural")


def _check_matching(matching, allowed=MATCHINGS):
    if matching not in allowed:
        raise UVInputError(f"matching must be one of {', '.join(allowed)}, got {matching!r}")
    return matching
