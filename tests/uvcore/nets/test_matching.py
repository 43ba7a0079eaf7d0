"""Tests of uvcore.nets.matching: the calibrated and fitted fits recover a UV model
of known n_eff, and runs that cannot be fitted are refused."""

import math

import numpy as np
import pytest

import uvcore
from uvcore import UVInputError
from uvcore.nets.data import Dataset, make_data
from uvcore.nets.matching import uv_calibrate, uv_for_run
from uvcore.nets.model import NetSpec
from uvcore.nets.train import run_network

from .common import EXACT_RTOL

#: Calibrated n_eff vs the true one (bisection in log n_eff).
CAL_RTOL = 1e-4


@pytest.mark.parametrize("n_eff", [0.3, 4.0, 50.0])
def test_calibration_recovers_a_known_uv_model(n_eff):
    """A UV model with known n_eff plays the network: the fit must find that n_eff.

    At c_cal = 0.5 the NTK ratio is monotone in n_eff here, so the fit is unique.
    """
    y, df0, lam0, steps = 1.3, -1.1, 1.7, 200
    eta_cal = 0.5 / float(uvcore.hessian_sharpness(df0, lam0, (n_eff, 1.0, y)))
    truth = uvcore.trajectory(df0, lam0, uvcore.MapParams(eta_cal, n_eff, 1.0, y), steps)
    assert not truth.diverged
    m = uv_calibrate(0.5 * df0 ** 2, lam0, y, truth.lam[-1] / lam0, eta_cal, steps,
                     eta_per_c=eta_cal / 0.5, c=0.5)
    assert m.calibrated and m.method == "calibrated"
    assert m.n_eff == pytest.approx(n_eff, rel=CAL_RTOL)
    assert m.params.eta == pytest.approx(eta_cal) and m.at(1.0).params.eta == pytest.approx(2 * eta_cal)


@pytest.mark.parametrize("n_eff, eta_over_etac", [(3.0, 0.8), (40.0, 0.6), (0.5, 0.9)])
def test_fitted_matching_recovers_the_uv_model_a_one_example_network_is(n_eff, eta_over_etac):
    """A depth-2 linear network on one example is a UV model (spec §1–2), so
    the fit to its own run must find its n_eff (in ‖x‖ = 1 units: n_eff/‖x‖²)."""
    x, y, steps = np.array([[0.6, -0.8, 0.5]]), 2.0, 60
    spec = NetSpec(2, 8, 3, 1, "linear", mult=(1.0, 1 / math.sqrt(n_eff)), var=(0.02, 0.03))
    data = Dataset(x, np.array([[y]]), np.zeros((0, 3)), np.zeros((0, 1)), None, None, "one")
    x_norm = float(np.linalg.norm(x))
    eta = eta_over_etac * uvcore.eta_critical(n_eff, x_norm, y)
    run = run_network(spec, data, eta=eta, steps=steps, sharpness_every=steps, seed=5, tol=1e-12)
    m = uv_for_run(spec, data, run, steps, "fitted")
    assert m.method == "fitted" and m.calibrated
    assert m.n_eff == pytest.approx(n_eff / x_norm ** 2, rel=CAL_RTOL)
    assert m.params.eta == pytest.approx(run.eta, rel=EXACT_RTOL) and m.c == pytest.approx(run.c)
    assert m.coupling == pytest.approx(eta * x_norm * y / math.sqrt(n_eff), rel=CAL_RTOL)
    tr = m.run(steps)
    assert tr.lam_h[-1] == pytest.approx(run.sharpness[-1], rel=CAL_RTOL)


def test_fitted_matching_needs_a_run_that_did_not_diverge():
    data = make_data("gaussian", 64, 8, 1, seed=0)
    spec = NetSpec(2, 16, 8, 1, "linear", "sp", 1.0)
    run = run_network(spec, data, c=40.0, steps=50, sharpness_every=10)
    assert run.diverged
    with pytest.raises(UVInputError, match=r"diverged at step \d+: nothing to fit"):
        uv_for_run(spec, data, run, 50, "fitted")
    with pytest.raises(UVInputError, match="matching must be one of"):
        uv_for_run(spec, data, run, 50, "closest")
