"""Tests of uvcore.nets.experiments at reduced size: fig1, fig4 and fig5 with their
UV models, progress and the matchings each accepts."""

import numpy as np
import pytest

from uvcore import UVInputError
from uvcore.nets.experiments import fig1, fig4, fig5

from .common import EXACT_RTOL


@pytest.mark.parametrize("fn", [fig4, fig5])
def test_grid_experiments_refuse_fitted_matching(fn):
    with pytest.raises(UVInputError, match="matching must be one of calibrated, structural"):
        fn(scale=0.02, matching="fitted")


@pytest.mark.slow
def test_fig1_fitted_keeps_networks_without_a_model():
    """At c = 300 the networks diverge: each keeps its trajectories, and its UV slot
    is a note, not a model."""
    res = fig1(c=300.0, scale=0.05, steps=200, data="gaussian", n_train=400, depth=3,
               matching="fitted")
    for run, m, tr, note in zip(res.runs, res.uv, res.uv_traj, res.uv_notes):
        assert run.diverged and run.loss.size == run.diverged_at + 1
        assert m is None and tr is None and "nothing to fit" in note


@pytest.mark.slow
def test_fig1_small():
    res = fig1(scale=0.05, steps=200, data="gaussian", n_train=400, depth=3, matching="structural")
    assert len(res.runs) == 3 and len(res.uv_traj) == 3
    assert res.uv[0].n_eff == 1.0 and res.uv[2].n_eff == pytest.approx(64.0)
    for run, m, tr in zip(res.runs, res.uv, res.uv_traj):
        assert run.c == pytest.approx(1.0) and m.c == pytest.approx(1.0)
        assert m.params.eta * m.lam0_h == pytest.approx(1.0)
        assert tr.lam_h.size == 11
    cal = fig1(scale=0.05, steps=200, data="gaussian", n_train=400, depth=3)
    for run, m in zip(cal.runs, cal.uv):
        assert m.method == "calibrated"
        assert m.params.eta == pytest.approx(run.eta)          # same η as the network
        assert m.lam0 == pytest.approx(run.ntk[0], rel=EXACT_RTOL)   # same initial NTK
        assert 0.5 * m.df0 ** 2 == pytest.approx(run.loss[0])  # same initial loss


@pytest.mark.slow
def test_fig4_small_and_progress():
    seen = []
    res = fig4(scale=0.05, cs=(0.5, 1.5, 30.0), sigma_w2s=(0.5, 2.0), ss=(0.0, 1.0),
               n_train=600, matching="structural", progress=seen.append)
    assert res.half_sharp_a.shape == (2, 3) and res.half_sharp_b.shape == (2, 3)  # explicit: kept
    ok = ~res.diverged_a
    assert np.all(np.isfinite(res.half_sharp_a[ok])) and np.all(np.isnan(res.half_sharp_a[~ok]))
    assert res.uv_diverged_a[:, -1].all() and not res.uv_diverged_a[:, 0].any()  # UV: c = 30 diverges
    assert np.all(np.isnan(res.uv_half_sharp_a[:, -1]))
    assert np.all(np.isfinite(res.test_acc_a[ok]))
    assert res.uv_n_eff_b == pytest.approx([1.0, 64.0])
    assert seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.slow
def test_fig5_small_period_two():
    """At c = 1.6 both the network and its UV match sit on a period-2 EoS orbit."""
    res = fig5(cs=(1.6,), traj_cs=(1.6,), n_train=400, width=128, steps=800, tail=40,
               spectrum_last=128, sharpness_every=100)
    assert res.uv_n_eff == pytest.approx(16.0)     # μP: n_eff = d
    for bif, eta in ((res.bif[0], res.bif_eta[0]), (res.uv_bif[0], res.uv_eta[0])):
        half = eta * bif / 2
        assert np.all(np.isfinite(half))
        assert np.abs(half[-1] - half[-3]) < 1e-3 * half[-1] < np.abs(half[-1] - half[-2])
    k = np.argmax(res.power[0][1:]) + 1
    assert res.freq[k] == pytest.approx(0.5)
    assert res.freq[np.argmax(res.uv_power[0][1:]) + 1] == pytest.approx(0.5)


def test_old_import_paths_name_the_same_objects():
    """uvcore.nets.experiments still names everything it did before matching got its
    own module, as the very objects of uvcore.nets.matching; uvcore.nets re-exports them."""
    import uvcore.nets as nets
    import uvcore.nets.experiments as E
    from uvcore.nets import matching
    old_all = {"UVMatch", "uv_match", "uv_calibrate", "uv_for_run", "result_dict", "MATCHINGS",
               "GRID_MATCHINGS", "Fig1Result", "fig1", "Fig4Result", "fig4", "Fig5Result", "fig5",
               "FIG1_CONFIGS", "FIG4_CS", "FIG4_SIGMA_W2S", "FIG4_SS", "FIG5_C_RANGE",
               "FIG5_C_POINTS", "FIG5_TRAJ_CS", "scaled_size"}
    assert old_all <= set(E.__all__)      # and the cells (fig4_plan, run_cell, …) besides
    for name in ("UVMatch", "uv_match", "uv_calibrate", "uv_for_run", "MATCHINGS",
                 "GRID_MATCHINGS", "CAL_SCAN", "CAL_GOLDEN", "CAL_TOL", "CAL_DIPS"):
        assert getattr(E, name) is getattr(matching, name), name
    for name in old_all & set(nets.__all__):
        assert getattr(nets, name) is getattr(E, name), name
