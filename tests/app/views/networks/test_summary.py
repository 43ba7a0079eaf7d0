"""The paragraph under the Real networks figure: the UV coupling c_UV of every
model (spec §3: c_UV = η‖x‖|y|/√n_eff, linear in c), why a diverged UV model
diverged (past the crisis, or outside a basin), and the rows whose
calibration is not exact."""

import copy
import math

import pytest

from app.views.networks import figures as fn
from app.views.networks.summary import summary

from .common import ROUND_REL, valid

def test_uv_coupling_is_the_maps_parameter_and_linear_in_c(payloads):
    """c_UV = η‖x‖|y|/√n_eff (spec §3) of every drawn UV model, reported in the text."""
    for kind in ("single", "structural", "fig1"):
        for run in payloads[kind]["runs"]:
            uv = run["uv"]
            want = uv["eta"] * uv["x_norm"] * abs(uv["y"]) / math.sqrt(uv["n_eff"])
            assert uv["coupling"] == pytest.approx(want, rel=3 * ROUND_REL)
        assert "c_UV = " in summary(payloads[kind])
    for kind in ("fig4", "fig4s"):
        pl = payloads[kind]
        for row in pl["uv_coupling"]:       # one UV model per row, η_UV ∝ c
            per_c = [cu / c for cu, c in zip(row, pl["c"])]
            assert per_c == pytest.approx([per_c[0]] * len(per_c), rel=3 * ROUND_REL)
        fig = fn.fig4_figure(pl)
        uv = next(t for t in fig["data"] if t["name"] == "UV model ηλᴴ/2")
        assert "c_UV" in uv["hovertemplate"]
        assert [[cell[2] for cell in row] for row in uv["customdata"]] == pl["uv_coupling"]
    pl = payloads["fig5"]
    assert [cu / c for cu, c in zip(pl["uv_coupling"], pl["c"])] == pytest.approx(
        [pl["uv_coupling"][0] / pl["c"][0]] * len(pl["c"]), rel=3 * ROUND_REL)
    assert "c_UV from" in summary(pl)


@pytest.mark.parametrize("coupling, outcome, explained", [
    (2.5, "diverged", "past the one-example model's EoS crisis"),
    (1.96, "diverged", "outside that attractor's basin"),
    (0.7, "diverged", "outside the basin of its minima"),
    (2.5, "converged", None), (None, "diverged", None)])
def test_a_diverged_uv_model_is_explained_by_its_coupling(payloads, coupling, outcome, explained):
    pl = copy.deepcopy(payloads["structural"])
    pl["runs"][0]["uv"].update(coupling=coupling, outcome=outcome)
    text = summary(pl)
    if explained is None:
        assert "basin" not in text and "crisis" not in text
    else:
        assert explained in text
    grid = copy.deepcopy(payloads["fig4"])
    grid["uv_diverged"] = [[True] * len(grid["c"]) for _ in grid["rows"]]
    grid["uv_coupling"] = [[coupling] * len(grid["c"]) for _ in grid["rows"]]
    text = summary(grid)
    assert ("past its EoS crisis" in text) == (coupling is not None and coupling > 2)
    marks = next(t for t in valid(fn.fig4_figure(grid))["data"] if t["name"] == "UV model diverged")
    assert marks["customdata"] == [coupling] * (len(grid["c"]) * len(grid["rows"]))


def test_rows_whose_calibration_is_not_exact_are_named(payloads):
    grid = copy.deepcopy(payloads["fig4"])
    grid["uv_calibrated"] = [True] * len(grid["rows"])
    assert "fit not exact" not in summary(grid)
    grid["uv_calibrated"][-1] = False
    assert f"fit not exact (no n_eff reproduces the network's NTK ratio, the closest is drawn) " \
           f"for σ_w² = {grid['rows'][-1]:g}" in summary(grid)
    bif = copy.deepcopy(payloads["fig5"])
    assert "fit not exact" not in summary(bif)
    bif["uv_calibrated"] = False
    assert "fit not exact" in summary(bif)
