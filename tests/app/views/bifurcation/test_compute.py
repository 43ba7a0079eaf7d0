"""Engine calls of the Bifurcation view (app.views.bifurcation.compute) against
independent truths: the EoS map z' = z(1 + c − z)² (spec §3) iterated here by
brute force, and the same diagram computed in a different number of chunks."""

import numpy as np

from app.core.state import ViewParams
from app.views.bifurcation import callbacks, compute
from app.views.bifurcation.raster import PLOT_KEEP

from .common import eos_orbit

#: The brute-force orbit counts as period k when z_{t+k} and z_t agree to this
#: over the analysed window (and no smaller k does) ...
PERIODIC_TOL = 1e-9
#: ... and as aperiodic when no k ≤ PLOT_KEEP brings it back closer than this.
APERIODIC_TOL = 1e-2
#: λ is kept in float32 by the view.
FLOAT32_RTOL = 1e-5
#: Exponents of a periodic orbit agree to float32; a chaotic orbit's time
#: average over one window differs between two roundings by sampling noise.
LYAP_PERIODIC_RTOL = 1e-4
LYAP_CHAOTIC_ATOL = 0.15


def brute_force(eta, c, lam0, transient, window):
    """(kind, period, last λ values, exponent) of the EoS map from z₀ = ηλ₀/2."""
    z = 0.5 * eta * lam0
    zs, lyap = [], 0.0
    for t in range(transient + window):
        if t >= transient:
            zs.append(z)
            lyap += np.log(abs((1 + c - z) * (1 + c - 3 * z)))      # log |g'(z)|
        z = z * (1 + c - z) ** 2
        if not np.isfinite(z) or z > 1e6:
            return "diverged", None, None, None
    zs = np.array(zs)
    residual = [np.max(np.abs(zs[k:] - zs[:-k])) for k in range(1, PLOT_KEEP + 1)]
    lam = 2.0 * zs / eta
    k = next((k + 1 for k, r in enumerate(residual) if r < PERIODIC_TOL), None)
    if k is not None:
        return "periodic", k, lam[-k:], lyap / window
    if min(residual) > APERIODIC_TOL:
        return "aperiodic", None, lam, lyap / window
    return "unclear", None, None, None


def test_eos_diagram_against_brute_force_iteration():
    """Default parameters (n_eff 16, ‖x‖ 1, y 2: c = η/2), η ∈ [1.2, 4.2]: from
    convergence through period doubling and chaos to the escape beyond c = 2."""
    n, transient, lam0 = 50, 500, 0.5
    d = compute.diagram("eos", 1.2, 4.2, n, 16.0, 1.0, 2.0, 0.0, lam0, transient).diagram
    assert np.allclose(d.eta, np.linspace(1.2, 4.2, n), rtol=1e-12)
    seen = {"periodic": 0, "aperiodic": 0, "diverged": 0, "unclear": 0}
    for i, eta in enumerate(d.eta):
        kind, k, lam, lyap = brute_force(eta, eta / 2.0, lam0, transient, compute.WINDOW)
        seen[kind] += 1
        if kind == "diverged":
            assert d.period[i] == -1, eta
        elif kind == "periodic":
            assert d.period[i] == k, eta                      # 1: converged
            assert np.allclose(np.sort(d.lam[i, -k:]), np.sort(lam), rtol=FLOAT32_RTOL)
            assert np.isclose(d.lyapunov[i], lyap, rtol=LYAP_PERIODIC_RTOL), eta
        elif kind == "aperiodic":
            assert d.period[i] == 0, eta
            assert d.lyapunov[i] > 0 and abs(d.lyapunov[i] - lyap) < LYAP_CHAOTIC_ATOL, eta
            assert np.all((d.lam[i] > 0) & np.isfinite(d.lam[i]))
        if kind != "diverged":
            assert d.period[i] != -1, eta
    assert seen["periodic"] >= 20 and seen["aperiodic"] >= 10 and seen["diverged"] >= 3
    assert seen["unclear"] <= 3                                # slow convergence at flips


def test_forbidden_start_is_an_error_not_an_exception():
    # (5, 0.1) is below the forbidden edge λ = 2‖x‖|Δf + y|/√n_eff = 3.5
    res = compute.diagram("uv", 1.2, 4.2, 50, 16.0, 1.0, 2.0, 5.0, 0.1, 500)
    assert res.diagram is None and "forbidden" in res.error


def test_fine_diagram_equals_the_computation_in_one_piece():
    s = callbacks.setup({"state": None})
    p = s.p
    assert s.start == (-2.0, 0.5)                              # the default start
    uv, eos, notes = compute.fine_diagrams((p.n_eff, p.x_norm, p.y), s.start, s.eos_lam0,
                                           (2.4, 2.7), num=200, transient=1000, chunks=7)
    assert notes == []
    for got, map_, lam0 in ((uv, "uv", 0.5), (eos, "eos", s.eos_lam0)):
        ref = compute.bifurcation(map_, 2.4, 2.7, 200, 16.0, 1.0, 2.0, -2.0, lam0, 1000)
        assert np.allclose(got.eta, ref.eta, rtol=1e-12)
        assert (got.period == ref.period).all()
        assert np.allclose(got.lam, ref.lam, rtol=1e-6, equal_nan=True)


def test_fine_diagram_reports_a_map_it_cannot_compute():
    seen = []
    uv, eos, notes = compute.fine_diagrams((16.0, 1.0, 2.0), (5.0, 0.1), 0.5, (2.4, 2.7),
                                           num=40, transient=100, chunks=4,
                                           progress=lambda d, t: seen.append((d, t)))
    assert uv is None and eos is not None
    assert notes and notes[0].startswith("2-D map not computed")
    assert seen[-1] == (8, 8)                 # the progress still reaches the end


def test_cobweb_orbit_is_the_eos_map():
    orb = compute.eos_orbit(2.9, 16.0, 1.0, -2.0, 0.7, 200)      # y < 0: the P = 0 edge
    c = 2.9 / 2.0
    assert np.allclose(orb.z[:31], eos_orbit(c, 0.7, 30), rtol=1e-9)
    assert compute.eos_orbit(2.9, 16.0, 1.0, 2.0, -1.0).error


def test_selected_start_and_the_eos_start():
    p = ViewParams(starts=((-1.0, 2.5), (-3.0, 1.5)))
    assert callbacks.selected_start(p) == ((-3.0, 1.5), "selected start")
    # z₀ = c/2 ⇔ λ₀ = ‖x‖|y|/√n_eff = 2/4
    lam0, label, notes = callbacks.eos_start_lam(ViewParams(), "half-c", 9.0)
    assert np.isclose(lam0, 0.5) and label == "z₀ = c/2" and notes == []
    lam0, _, notes = callbacks.eos_start_lam(ViewParams(y=0.0), "half-c", 9.0)
    assert lam0 == 9.0 and "y = 0" in notes[0]
