"""The paper's real-network experiments (Figs 1, 4, 5) and their UV-model
counterparts (spec §6).

Every function takes a ``scale`` in (0, 1]: training-set size, width, step
counts and grid sizes are multiplied by it (with small floors) so the same
experiment runs at reduced size in CI.  ``progress(fraction)`` and
``cancel() -> bool`` hooks are called between and inside runs; cancelling
raises :class:`~uvcore.nets.train.Cancelled`.  These long jobs compute in
float32 by default (about twice the speed of float64: the speed budget of a
5,000-example, width-512 network is met only in float32, see
``docs/benchmarks.md``); a sharpness to 1e-3 is unaffected.  Pass
``dtype="float64"`` for full precision.

UV-model matching
-----------------
Three documented ways to pick the UV model drawn beside a network
(:func:`uv_for_run`); all return
a :class:`UVMatch` run at the network's own dimensionless learning rate
c = η λ₀^H (η_UV = c / λ₀^H(UV), λ₀^H(UV) from the closed form, spec §4).

``structural`` (:func:`uv_match`; default of :func:`fig5`) — the depth-2
*linear* analogue: same width n, same first- and last-layer multipliers and
init variances, one example.  Precisely α = mult_1 · mult_L, i.e.
n_eff = 1/(mult_1 mult_L)² (SP: 1, μP: d, interpolation s: d^s);
U ~ N(0, var_1), v ~ N(0, var_L) (n entries each, seeded), hidden layers and
the activation dropped; ‖x‖ = √λ_max(XᵀX/N) (for a linear network on
isotropic data the top NTK eigenvector lives along the top input direction);
y = √(mean_i ‖y_i‖²).  For a 2-layer linear network on one example this is
exact (the test suite checks it).

``calibrated`` (:func:`uv_calibrate`; default of :func:`fig1` and
:func:`fig4`) — the UV model started where the network starts and run at the
network's own η, with ONE number fitted: ‖x‖ = 1, y = √(mean_i ‖y_i‖²),
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

``fitted`` (single runs and :func:`fig1` only) — the same one-number fit as
``calibrated``, made on the run the model is drawn beside (its own c and
length) instead of a run at c_cal: the UV model that starts where the network
starts and ends at the network's NTK ratio.  It is a description, not a
prediction: what it tests is whether one n_eff also gives the path between
(sharpness reduction, oscillations, period).

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
from ..maps import Trajectory, hessian_sharpness, power_spectrum, trajectory
from ..params import MapParams, UVInputError, positive
from .data import Dataset, make_data
from .model import NetSpec
from .train import NetRun, check_progress, run_network

__all__ = ["UVMatch", "uv_match", "uv_calibrate", "uv_for_run", "result_dict", "MATCHINGS",
           "GRID_MATCHINGS", "Fig1Result", "fig1", "Fig4Result", "fig4",
           "Fig5Result", "fig5", "FIG1_CONFIGS", "FIG4_CS", "FIG4_SIGMA_W2S", "FIG4_SS",
           "FIG5_C_RANGE", "FIG5_C_POINTS", "FIG5_TRAJ_CS", "scaled_size"]

#: (label, parameterization, σ_w²) of the paper's Fig 1 panels.
FIG1_CONFIGS = (("SP, sigma_w^2=0.5", "sp", 0.5), ("SP, sigma_w^2=2.0", "sp", 2.0),
                ("muP, sigma_w^2=2.0", "mup", 2.0))
#: Fig 4's grids: c, σ_w² (panel A) and the SP→μP interpolation s (panel B).
FIG4_CS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
FIG4_SIGMA_W2S = (0.25, 0.5, 1.0, 2.0, 4.0)
FIG4_SS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Fig 5's bifurcation grid (FIG5_C_POINTS evenly spaced c in FIG5_C_RANGE) and
#: the c values of its late-time trajectories and spectra.
FIG5_C_RANGE = (1.0, 2.5)
FIG5_C_POINTS = 24
FIG5_TRAJ_CS = (1.4, 1.75, 2.1)


# -- UV matching ---------------------------------------------------------------
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


def _uv_run(match: UVMatch, steps: int) -> Trajectory:
    return match.run(max(1, steps))


#: How the UV model beside a network is chosen (module docstring); "fitted"
#: only where each network has its own model (single runs, Fig 1).
MATCHINGS = ("calibrated", "structural", "fitted")
#: Fig 4 and Fig 5 draw one UV model per row (or figure) across c: no "fitted".
GRID_MATCHINGS = ("calibrated", "structural")


def _check_matching(matching, allowed=MATCHINGS):
    if matching not in allowed:
        raise UVInputError(f"matching must be one of {', '.join(allowed)}, got {matching!r}")
    return matching


# -- helpers -------------------------------------------------------------------
def scaled_size(value: int, scale: float, floor: int) -> int:
    """The experiments' size rule: ``max(floor, round(value · scale))``."""
    return max(floor, int(round(value * scale)))


def _check_scale(scale) -> float:
    s = positive("scale", scale)
    if s > 1.0:
        raise UVInputError(f"scale must be in (0, 1], got {s:g}")
    return s


class _Stage:
    """Splits one progress bar over ``total`` runs."""

    def __init__(self, progress, cancel, total):
        self.progress, self.cancel, self.total, self.i = progress, cancel, max(total, 1), 0

    def sub(self):
        i, tot, prog = self.i, self.total, self.progress
        self.i += 1
        check_progress(prog, self.cancel, i / tot)
        if prog is None:
            return None
        return lambda f: prog((i + f) / tot)


def _final_half_sharpness(run: NetRun) -> float:
    """η λ^H / 2 at the final recorded step (NaN when diverged)."""
    if run.diverged or run.sharpness.size == 0:
        return math.nan
    return run.eta * float(run.sharpness[-1]) / 2.0


def _pad(rows, width):
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        r = np.asarray(r, dtype=float)[:width]
        out[i, :r.size] = r
    return out


# -- Fig 1 ---------------------------------------------------------------------
@dataclass(frozen=True)
class Fig1Result:
    """Loss and λ^H trajectories for SP σ²=0.5, SP σ²=2.0, μP σ²=2.0 (paper Fig 1).

    Attributes
    ----------
    labels : tuple of str
    runs : tuple of NetRun
        One per configuration (``run.loss`` every step, ``run.sharpness`` at
        ``run.step``); the dashed line is 2/η = ``two_over_eta[i]``.
    two_over_eta : ndarray (3,)
    uv : tuple of (UVMatch or None)
    uv_traj : tuple of (Trajectory or None)
        The matched UV model for the same number of steps (its 2/η line is
        ``2 / uv[i].params.eta``); None where none could be matched.
    uv_notes : tuple of str
        Why there is no UV model ("" where there is one).
    """

    labels: tuple
    runs: tuple
    two_over_eta: np.ndarray
    uv: tuple
    uv_traj: tuple
    uv_notes: tuple


def fig1(*, c: float = 1.0, data: str = "digits", n_train: int = 1500, depth: int = 4,
         width: int = 512, activation: str = "relu", steps: int = 2000,
         sharpness_every: int = 10, configs=FIG1_CONFIGS, seed: int = 0, dtype: str = "float32",
         matching: str = "calibrated", c_cal: float = 0.5, scale: float = 1.0, progress=None,
         cancel=None) -> Fig1Result:
    """Paper Fig 1: ReLU FCN, MSE, full-batch GD at c = η λ₀^H for each configuration.

    ``matching``/``c_cal``: how the UV model beside each run is chosen
    (:func:`uv_for_run`; "calibrated" costs one extra run per configuration
    at c_cal).  A run that cannot be matched (e.g. a diverged network with
    "fitted") keeps its network trajectories, with a note instead of a model.
    """
    scale = _check_scale(scale)
    _check_matching(matching)
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 10)
    ds = make_data(data, n_train, seed=seed)
    stage = _Stage(progress, cancel, len(configs) * (2 if matching == "calibrated" else 1))
    labels, runs, uvs, trajs, notes = [], [], [], [], []
    for label, param, sig in configs:
        spec = NetSpec(depth, width, ds.in_dim, ds.out_dim, activation, param, sig)
        run = run_network(spec, ds, c=c, steps=steps, sharpness_every=sharpness_every, seed=seed,
                          dtype=dtype, progress=stage.sub(), cancel=cancel)
        sub = stage.sub() if matching == "calibrated" else None
        try:
            m = uv_for_run(spec, ds, run, steps, matching, c_cal=c_cal, seed=seed, dtype=dtype,
                           progress=sub, cancel=cancel)
        except UVInputError as exc:
            m, note = None, f"no UV model: {exc}"
        else:
            note = ""
        labels.append(label)
        runs.append(run)
        uvs.append(m)
        trajs.append(None if m is None else _uv_run(m, steps))
        notes.append(note)
    check_progress(progress, None, 1.0)
    return Fig1Result(tuple(labels), tuple(runs), np.array([2.0 / r.eta for r in runs]),
                      tuple(uvs), tuple(trajs), tuple(notes))


# -- Fig 4 ---------------------------------------------------------------------
@dataclass(frozen=True)
class Fig4Result:
    """Phase diagrams of η λ^H_final / 2 (paper Fig 4).

    Panel A varies (σ_w², c) at parameterization ``param_a``; panel B varies
    (s, c) at σ_w² = ``sigma_w2_b``, where s ∈ [0, 1] interpolates SP (0) →
    μP (1) (:mod:`uvcore.nets.model`).  Arrays are (rows, len(c)); NaN where
    the run diverged (``diverged_*`` True).

    Attributes
    ----------
    c, sigma_w2, s : ndarray
    half_sharp_a, test_acc_a, train_loss_a, diverged_a : ndarray (len(sigma_w2), len(c))
    half_sharp_b, test_acc_b, train_loss_b, diverged_b : ndarray (len(s), len(c))
    uv_half_sharp_a, uv_diverged_a, uv_half_sharp_b, uv_diverged_b : ndarray
        The matched UV model after the same number of steps.
    uv_n_eff_a, uv_n_eff_b : ndarray (rows,)
    uv_coupling_a, uv_coupling_b : ndarray (rows, len(c))
        The UV map's parameter c_UV = η‖x‖|y|/√n_eff of each cell
        (:attr:`UVMatch.coupling`; past the EoS crisis where > 2).
    uv_calibrated_a, uv_calibrated_b : ndarray of bool (rows,)
        Whether each row's calibrated fit reproduced the network (True for
        structural matching).
    matching : str
    steps : int
    """

    c: np.ndarray
    sigma_w2: np.ndarray
    s: np.ndarray
    half_sharp_a: np.ndarray
    test_acc_a: np.ndarray
    train_loss_a: np.ndarray
    diverged_a: np.ndarray
    half_sharp_b: np.ndarray
    test_acc_b: np.ndarray
    train_loss_b: np.ndarray
    diverged_b: np.ndarray
    uv_half_sharp_a: np.ndarray
    uv_diverged_a: np.ndarray
    uv_half_sharp_b: np.ndarray
    uv_diverged_b: np.ndarray
    uv_n_eff_a: np.ndarray
    uv_n_eff_b: np.ndarray
    uv_coupling_a: np.ndarray
    uv_coupling_b: np.ndarray
    uv_calibrated_a: np.ndarray
    uv_calibrated_b: np.ndarray
    matching: str
    steps: int


def fig4(*, cs=None, sigma_w2s=None, ss=None, param_a: str = "sp", sigma_w2_b: float = 2.0,
         data: str = "digits", n_train: int = 1000, depth: int = 4, width: int = 256,
         activation: str = "relu", steps: int = 1000, seed: int = 0, dtype: str = "float32",
         matching: str = "calibrated", c_cal: float = 0.5, scale: float = 1.0, progress=None,
         cancel=None) -> Fig4Result:
    """Paper Fig 4: final η λ^H / 2 and test accuracy over (σ_w², c) and (s, c).

    ``cs``, ``sigma_w2s``, ``ss``: the grids (an empty one skips its panel);
    None means the paper's (FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS), thinned to
    about ``scale`` of their points when ``scale`` < 1.  Grids given
    explicitly are used as they are.
    ``matching``/``c_cal``: the UV model of each row (module docstring;
    "calibrated" costs one extra run per row at c_cal).
    """
    scale = _check_scale(scale)
    _check_matching(matching, GRID_MATCHINGS)
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 10)
    cs, sig, ss = (_grid(g, default, scale) for g, default in
                   ((cs, FIG4_CS), (sigma_w2s, FIG4_SIGMA_W2S), (ss, FIG4_SS)))
    ds = make_data(data, n_train, seed=seed)
    stage = _Stage(progress, cancel, (sig.size + ss.size) * (cs.size + (matching == "calibrated")))

    def panel(rows, make_spec):
        shape = (len(rows), cs.size)
        out = {k: np.full(shape, np.nan) for k in ("h", "acc", "loss", "uvh", "uvc")}
        div = np.zeros(shape, bool)
        uvdiv = np.zeros(shape, bool)
        neff = np.empty(len(rows))
        okrow = np.ones(len(rows), bool)
        for i, r in enumerate(rows):
            spec = make_spec(r)
            base = (_calibrated_match(spec, ds, c_cal, steps, seed, dtype, stage.sub(), cancel)
                    if matching == "calibrated" else None)
            for j, c in enumerate(cs):
                run = run_network(spec, ds, c=float(c), steps=steps, sharpness_every=steps,
                                  seed=seed, dtype=dtype, ntk=False, progress=stage.sub(),
                                  cancel=cancel)
                div[i, j] = run.diverged
                if not run.diverged:
                    out["h"][i, j] = _final_half_sharpness(run)
                    out["acc"][i, j] = run.test_acc[-1]
                    out["loss"][i, j] = run.train_loss[-1]
                m = base.at(float(c)) if base is not None else uv_match(spec, ds, float(c), seed)
                neff[i] = m.n_eff
                out["uvc"][i, j] = m.coupling
                okrow[i] = m.calibrated
                tr = _uv_run(m, steps)
                uvdiv[i, j] = tr.diverged
                if not tr.diverged:
                    out["uvh"][i, j] = m.params.eta * float(tr.lam_h[-1]) / 2.0
        return out, div, uvdiv, neff, okrow

    a, da, uda, na, oka = panel(sig, lambda v: NetSpec(depth, width, ds.in_dim, ds.out_dim,
                                                  activation, param_a, float(v)))
    b, db, udb, nb, okb = panel(ss, lambda v: NetSpec(depth, width, ds.in_dim, ds.out_dim,
                                                 activation, float(v), sigma_w2_b))
    check_progress(progress, None, 1.0)
    return Fig4Result(c=cs, sigma_w2=sig, s=ss,
                      half_sharp_a=a["h"], test_acc_a=a["acc"], train_loss_a=a["loss"], diverged_a=da,
                      half_sharp_b=b["h"], test_acc_b=b["acc"], train_loss_b=b["loss"], diverged_b=db,
                      uv_half_sharp_a=a["uvh"], uv_diverged_a=uda,
                      uv_half_sharp_b=b["uvh"], uv_diverged_b=udb,
                      uv_n_eff_a=na, uv_n_eff_b=nb, uv_coupling_a=a["uvc"], uv_coupling_b=b["uvc"],
                      uv_calibrated_a=oka, uv_calibrated_b=okb,
                      matching=matching, steps=steps)



def _grid(values, default, scale: float) -> np.ndarray:
    """``values`` as a float array; None: ``default`` keeping about ``scale`` of
    its points (at least 2, endpoints kept)."""
    if values is not None:
        return np.asarray(values, dtype=float).ravel()
    a = np.asarray(default, dtype=float)
    k = max(2, int(round(a.size * scale)))
    if k >= a.size:
        return a
    return a[np.unique(np.round(np.linspace(0, a.size - 1, k)).astype(int))]


# -- Fig 5 ---------------------------------------------------------------------
@dataclass(frozen=True)
class Fig5Result:
    """Route to chaos of 2-layer linear FCNs on i.i.d. Gaussian data (paper Fig 5).

    Attributes
    ----------
    c : ndarray (m,)
        Bifurcation grid (c = η λ₀^H).
    bif : ndarray (m, tail)
        λ^H at each of the last ``tail`` steps (NaN rows: diverged runs).
    bif_eta : ndarray (m,)
        η of each run (draw 2/η beside the branches).
    traj_c : ndarray (q,)
        The c values whose late-time trajectories and spectra are shown.
    traj_step : ndarray (R,)
        Steps at which ``traj`` was measured (every ``sharpness_every``, then
        every step over the last ``spectrum_last``).
    traj : ndarray (q, R)
        λ^H trajectories.
    traj_eta : ndarray (q,)
    freq : ndarray (F,);  power : ndarray (q, F)
        ``uvcore.power_spectrum`` of the last ``spectrum_last`` λ^H values.
    uv_bif, uv_traj, uv_power : ndarray
        The matched UV model (same c values; ``uv_traj`` every step 0 … steps,
        ``uv_power`` on ``freq``; NaN where the UV orbit diverged).
    uv_eta : ndarray (m,);  uv_n_eff : float
    uv_coupling : ndarray (m,)
        The UV map's parameter c_UV = η‖x‖|y|/√n_eff at each c (:attr:`UVMatch.coupling`).
    matching : str;  uv_calibrated : bool
    steps : int
    """

    c: np.ndarray
    bif: np.ndarray
    bif_eta: np.ndarray
    traj_c: np.ndarray
    traj_step: np.ndarray
    traj: np.ndarray
    traj_eta: np.ndarray
    freq: np.ndarray
    power: np.ndarray
    uv_bif: np.ndarray
    uv_traj: np.ndarray
    uv_power: np.ndarray
    uv_eta: np.ndarray
    uv_n_eff: float
    uv_coupling: np.ndarray
    matching: str
    uv_calibrated: bool
    steps: int


def fig5(*, cs=None, traj_cs=FIG5_TRAJ_CS, n_train: int = 5000, input_dim: int = 16,
         width: int = 256, param: str = "mup", sigma_w2: float = 1.0, steps: int = 3000,
         tail: int = 200, spectrum_last: int = 1000, sharpness_every: int = 20, seed: int = 0,
         dtype: str = "float32", matching: str = "structural", c_cal: float = 0.5,
         scale: float = 1.0, progress=None, cancel=None) -> Fig5Result:
    """Paper Fig 5: 2-layer linear FCN (scalar output) on ``gaussian`` data.

    ``cs``: the bifurcation grid; None means FIG5_C_POINTS = 24 evenly spaced
    values in FIG5_C_RANGE = [1.0, 2.5], thinned to about ``scale`` of them
    when ``scale`` < 1 (an explicit grid is used as it is).  Full size (scale 1, seed 0,
    float32; 1,055 s on the shared 2-core machine): network and structurally
    matched UV model (n_eff = d = 16) both converge at small c, then on the
    grid point where each first appears — period 2 at c = 1.457 (UV 1.391),
    period 4 at 1.783 (UV 1.717), chaos from 1.848 (UV 1.783), divergence
    from 2.435 (UV 2.370); the spectra peak at frequency 0.5 for c = 1.4 and
    1.75 in both.
    """
    scale = _check_scale(scale)
    _check_matching(matching, GRID_MATCHINGS)
    cs = _grid(cs, np.linspace(*FIG5_C_RANGE, FIG5_C_POINTS), scale)
    traj_cs = np.asarray(traj_cs, dtype=float)
    n_train = scaled_size(n_train, scale, 32)
    width = scaled_size(width, scale, 8)
    steps = scaled_size(steps, scale, 20)
    tail = min(scaled_size(tail, scale, 8), steps)
    spectrum_last = min(scaled_size(spectrum_last, scale, 16), steps)
    ds = make_data("gaussian", n_train, input_dim, 1, seed=seed)
    spec = NetSpec(2, width, ds.in_dim, 1, "linear", param, sigma_w2)
    stage = _Stage(progress, cancel, cs.size + traj_cs.size + (matching == "calibrated"))
    base = (_calibrated_match(spec, ds, c_cal, steps, seed, dtype, stage.sub(), cancel)
            if matching == "calibrated" else uv_match(spec, ds, 1.0, seed))
    bif, bif_eta, uv_bif, uv_eta, uv_coupling = [], [], [], [], []
    for c in cs:
        run = run_network(spec, ds, c=float(c), steps=steps, sharpness_every=steps, dense_tail=tail,
                          seed=seed, dtype=dtype, ntk=False, progress=stage.sub(), cancel=cancel)
        bif.append(np.full(tail, np.nan) if run.diverged else run.sharpness[-tail:])
        bif_eta.append(run.eta)
        m = base.at(float(c))
        tr = _uv_run(m, steps)
        uv_bif.append(np.full(tail, np.nan) if tr.diverged else tr.lam_h[-tail:])
        uv_eta.append(m.params.eta)
        uv_coupling.append(m.coupling)
    traj, traj_eta, power, uv_traj, uv_power = [], [], [], [], []
    traj_step = None
    freq = np.fft.rfftfreq(spectrum_last)
    for c in traj_cs:
        run = run_network(spec, ds, c=float(c), steps=steps, sharpness_every=sharpness_every,
                          dense_tail=spectrum_last, seed=seed, dtype=dtype, ntk=False,
                          progress=stage.sub(), cancel=cancel)
        if traj_step is None or run.step.size > traj_step.size:
            traj_step = run.step
        traj.append(run.sharpness)
        traj_eta.append(run.eta)
        power.append(np.full(freq.size, np.nan) if run.diverged
                     else power_spectrum(run.sharpness, spectrum_last)[1])
        m = base.at(float(c))
        tr = _uv_run(m, steps)
        uv_traj.append(tr.lam_h)
        uv_power.append(np.full(freq.size, np.nan) if tr.diverged
                        else power_spectrum(tr.lam_h, spectrum_last)[1])
    check_progress(progress, None, 1.0)
    R = traj_step.size if traj_step is not None else 0
    return Fig5Result(c=cs, bif=np.array(bif), bif_eta=np.array(bif_eta), traj_c=traj_cs,
                      traj_step=traj_step if traj_step is not None else np.zeros(0, int),
                      traj=_pad(traj, R), traj_eta=np.array(traj_eta), freq=freq,
                      power=np.array(power).reshape(len(traj_cs), freq.size),
                      uv_bif=np.array(uv_bif).reshape(cs.size, tail),
                      uv_traj=_pad(uv_traj, steps + 1),
                      uv_power=np.array(uv_power).reshape(len(traj_cs), freq.size),
                      uv_eta=np.array(uv_eta), uv_n_eff=float(base.n_eff),
                      uv_coupling=np.array(uv_coupling), matching=matching,
                      uv_calibrated=bool(base.calibrated), steps=steps)


# -- serialisation -------------------------------------------------------------
def result_dict(obj):
    """Plain dict/list/array form of an experiment result (JSON- and npz-ready).

    A :class:`NetRun` keeps its trajectories (not θ); a :class:`UVMatch`
    becomes (n_eff, x_norm, y, eta, c, coupling, df0, lam0, lam0_h, width,
    method, calibrated); a UV
    :class:`Trajectory` its arrays, ``diverged`` and the outcome kind.  None
    becomes NaN.
    """
    import dataclasses
    if isinstance(obj, NetRun):
        return {"eta": obj.eta, "c": obj.c, "lam0_h": obj.lam0_h, "loss_all": obj.loss,
                "step": obj.step, "sharpness": obj.sharpness, "ntk": obj.ntk,
                "loss": obj.train_loss, "test_loss": obj.test_loss, "test_acc": obj.test_acc,
                "diverged": obj.diverged}
    if isinstance(obj, UVMatch):
        p = obj.params
        return {"n_eff": p.n_eff, "x_norm": p.x_norm, "y": p.y, "eta": p.eta, "c": obj.c,
                "coupling": obj.coupling,
                "df0": obj.df0, "lam0": obj.lam0, "lam0_h": obj.lam0_h, "width": obj.width,
                "method": obj.method, "calibrated": obj.calibrated}
    if isinstance(obj, Trajectory):
        return {"df": obj.df, "lam": obj.lam, "lam_h": obj.lam_h, "loss": obj.loss,
                "eta_lam": obj.eta_lam, "diverged": obj.diverged, "outcome": obj.outcome.kind}
    if dataclasses.is_dataclass(obj):
        return {f.name: result_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (tuple, list)):
        items = [result_dict(x) for x in obj]
        return items if any(isinstance(x, dict) for x in items) else np.asarray(items)
    if obj is None:
        return math.nan
    return obj
