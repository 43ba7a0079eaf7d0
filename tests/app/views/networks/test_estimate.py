"""Work estimates of the Real networks view against the cost model written out
here: a forward pass costs N·(d·w + (L−2)·w² + w·k) multiply-adds, a GD step
three of them (at least 10⁷), a measurement 20 steps (10 without the NTK), the
cold start 35."""

import pytest

from app.views.networks import caps, estimate

from .common import TINY


def _model(n, d, w, depth, k, steps, measures, ntk):
    fwd = n * (d * w + (depth - 2) * w * w + w * k)
    return max(3 * fwd, 1e7) * (steps + measures * (20 if ntk else 10) + 35)


def test_a_single_run_costs_its_steps_its_measurements_and_the_calibration():
    raw = {**TINY, "width": 256, "n_train": 2000, "depth": 4, "steps": 100, "every": 10}
    p = caps.parse_params(raw)[0]
    run = _model(2000, 64, 256, 4, 1, 100, 100 // 10 + 2, True)
    calibration = _model(2000, 64, 256, 4, 1, 100, 2, True)
    assert estimate.estimate_work(p) == pytest.approx(run + calibration)
    structural = caps.parse_params({**raw, "matching": "structural"})[0]
    assert estimate.estimate_work(structural) == pytest.approx(run)


def test_tiny_networks_cost_at_least_the_step_overhead():
    p = caps.parse_params({**TINY, "matching": "structural"})[0]
    assert estimate.estimate_work(p) == pytest.approx(1e7 * (12 + (12 // 3 + 2) * 20 + 35))


def test_too_much_work_is_named_with_its_limit():
    big = caps.parse_params({**TINY, "width": 512, "n_train": 5000, "steps": 2000, "every": 1,
                             "depth": 6})[0]
    err = estimate.check_work(big)
    assert err.startswith("too much work for this server: about ") and "limit 2e+12" in err
    assert estimate.check_work(caps.parse_params(TINY)[0]) is None
    assert estimate.estimate_work(caps.parse_params({"experiment": "fig1", "scale": 1.0})[0]) \
        > estimate.MAX_WORK


def test_on_celery_the_limit_applies_to_the_largest_cell(monkeypatch):
    """Paper-size Fig 4 (digits N = 1,000, depth 4, width 256, 1,000 steps): too much
    for one job, but each of its cells (one run, or the calibration run with the
    NTK) is far inside the limit when the cells go to Celery workers."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    p = caps.parse_params({"experiment": "fig4", "scale": 1.0})[0]
    run = _model(1000, 64, 256, 4, 10, 1000, 2, False)
    cal = _model(1000, 64, 256, 4, 10, 1000, 2, True)
    assert estimate.estimate_work(p) == pytest.approx(5 * (7 * run + cal))
    assert estimate.check_work(p).startswith("too much work for this server")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    assert estimate.charged_work(p) == (pytest.approx(max(run, cal)), "cell")
    assert estimate.check_work(p) is None
    # a single run is one job wherever it runs
    single = caps.parse_params({**TINY, "width": 512, "n_train": 5000, "steps": 2000,
                                "every": 1, "depth": 6})[0]
    assert estimate.charged_work(single)[1] == "job"
    assert estimate.check_work(single).startswith("too much work for this server")
