"""Figure builders of the Real networks view on real (tiny) network results.

Every figure is validated by plotly's own schema (``go.Figure``) and must be
strict JSON (what Celery's result backend stores).  The values drawn are
checked against the payload and against independent computations: a dense
Hessian of a depth-2 linear network written out here, 2/η from c = η λ₀ᴴ.
The payloads come from the ``payloads`` fixture (conftest.py).
"""

import math
import re

import numpy as np
import pytest

from uvcore.nets.experiments import FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS

from app.views.networks import figures as fn
from app.views.networks.caps import FIG4_SIGMA_W2_S
from app.views.networks.heatmaps import X_LABELS
from app.views.networks.summary import summary

from .common import ROUND_REL, payload_of, valid
from tests.app.ticks import tick_value

#: The view computes in float32 with Lanczos to relative 1e-3.
LAM_REL = 5e-3
#: Central-difference step of the independent Hessian.
FD_STEP = 1e-5


def traces(fig, prefix):
    return [t for t in fig["data"] if t.get("name", "").startswith(prefix)]


@pytest.mark.parametrize("kind", ["single", "structural", "fig1", "fig5", "fig4", "fig4s"])
def test_every_figure_is_valid_plotly_and_strict_json(payloads, kind):
    fig = valid(fn.result_figure(payloads[kind]))
    assert fig["data"]
    assert summary(payloads[kind])


def _dense_top_eig_linear2(X, Y, sigma_w2, width, seed):
    """λ₀ᴴ of the depth-2 linear SP network F = X W1ᵀ W2ᵀ, L = ‖F − Y‖²/(2N), from
    the init the spec documents (W_l ~ N(0, σ²/fan_in), drawn W1 then W2), by
    central differences of the analytic gradient and numpy.linalg.eigvalsh."""
    n_ex, d = X.shape
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((width, d)) * math.sqrt(sigma_w2 / d)
    W2 = rng.standard_normal((1, width)) * math.sqrt(sigma_w2 / width)
    theta = np.concatenate([W1.ravel(), W2.ravel()])

    def grad(t):
        a, b = t[: width * d].reshape(width, d), t[width * d:].reshape(1, width)
        H = X @ a.T
        R = (H @ b.T - Y) / n_ex
        return np.concatenate([((R @ b).T @ X).ravel(), (R.T @ H).ravel()])

    P = theta.size
    hess = np.empty((P, P))
    for i in range(P):
        e = np.zeros(P)
        e[i] = FD_STEP
        hess[:, i] = (grad(theta + e) - grad(theta - e)) / (2 * FD_STEP)
    return float(np.linalg.eigvalsh(0.5 * (hess + hess.T))[-1])


def test_single_run_network_is_the_one_the_controls_describe(payloads):
    from uvcore.nets import make_data
    run = payloads["single"]["runs"][0]
    ds = make_data("gaussian", 32, seed=3)
    ref = _dense_top_eig_linear2(ds.X, ds.Y, 2.0, 4, 3)
    assert run["lam0_h"] == pytest.approx(ref, rel=LAM_REL)
    assert run["eta"] == pytest.approx(1.2 / ref, rel=LAM_REL)        # c = η λ₀ᴴ


def test_training_figure_draws_loss_sharpness_two_over_eta_and_the_uv_model(payloads):
    pl = payloads["single"]
    run = pl["runs"][0]
    fig = valid(fn.training_figure(pl))
    loss = next(t for t in fig["data"] if t["name"] == "network")
    assert loss["y"] == run["loss"] and loss["x"] == list(range(len(run["loss"])))
    lam = next(t for t in fig["data"] if t["name"] == "network: λᴴ")
    assert lam["x"] == run["step"] and lam["y"] == run["sharpness"]
    assert lam["xaxis"] == "x2" and fig["layout"]["xaxis2"]["domain"][0] > 0.5
    two = next(t for t in fig["data"] if t["name"] == "network: 2/η")
    assert two["y"][0] == pytest.approx(2 / run["eta"], rel=ROUND_REL)
    assert two["line"]["dash"] == "dashdot"
    # calibrated: the UV model runs at the network's own η, drawn unscaled and dashed
    uv = run["uv"]
    assert uv["method"] == "calibrated" and uv["eta"] == pytest.approx(run["eta"], rel=1e-5)
    uv_lam = next(t for t in fig["data"] if t["name"] == "network: UV model λᴴ")
    assert uv_lam["line"]["dash"] == "dash"
    np.testing.assert_allclose(uv_lam["y"], uv["lam_h"], rtol=1e-5)
    # the UV model starts where the network starts: the same loss and η
    assert uv["loss"][0] == pytest.approx(run["loss"][0], rel=1e-5)
    assert fig["layout"]["yaxis"]["type"] == "log"


def test_structural_uv_model_is_drawn_on_the_networks_eta_scale(payloads):
    pl = payloads["structural"]
    run, uv = pl["runs"][0], pl["runs"][0]["uv"]
    assert uv["method"] == "structural"
    factor = uv["eta"] / run["eta"]
    assert abs(factor - 1) > 1e-3                 # a different η: rescaled λᴴ_UV · η_UV/η
    fig = valid(fn.training_figure(pl))
    uv_lam = next(t for t in fig["data"] if t["name"] == "network: UV model λᴴ")
    np.testing.assert_allclose(uv_lam["y"], np.asarray(uv["lam_h"]) * factor, rtol=1e-9)


def test_fig1_has_three_networks_each_with_its_two_over_eta(payloads):
    pl = payloads["fig1"]
    fig = valid(fn.training_figure(pl))
    assert [r["label"] for r in pl["runs"]] == ["SP, σ_w²=0.5", "SP, σ_w²=2.0", "μP, σ_w²=2.0"]
    lines = traces(fig, "SP, σ_w²=0.5: 2/η") + traces(fig, "SP, σ_w²=2.0: 2/η") \
        + traces(fig, "μP, σ_w²=2.0: 2/η")
    assert [t["y"][0] for t in lines] == pytest.approx([2 / r["eta"] for r in pl["runs"]],
                                                       rel=ROUND_REL)
    assert len({t["line"]["color"] for t in lines}) == 3
    for r in pl["runs"]:
        assert r["c"] == pytest.approx(1.0, rel=1e-6)
        assert r["eta"] * r["lam0_h"] == pytest.approx(1.0, rel=1e-5)
    assert fig["layout"]["yaxis2"]["type"] == "log"     # three sharpness scales


def test_fig5_bifurcation_trajectories_and_spectra(payloads):
    pl = payloads["fig5"]
    fig = valid(fn.fig5_figure(pl))
    z = pl["sizes"]
    assert pl["c"] == pytest.approx(np.linspace(1.0, 2.5, 3).tolist())
    net = next(t for t in fig["data"] if t["name"] == "network")
    assert len(net["x"]) == 3 * z["tail"] and sorted(set(net["x"])) == pl["c"]
    curve = next(t for t in fig["data"] if t["name"] == "2/η")
    assert curve["y"] == pytest.approx([2 / e for e in pl["bif_eta"]], rel=ROUND_REL)
    # η = c / λ₀ᴴ with one λ₀ᴴ for every c (same network, same init)
    lam0 = [c / e for c, e in zip(pl["c"], pl["bif_eta"])]
    assert max(lam0) == pytest.approx(min(lam0), rel=1e-5)
    late = [t for t in fig["data"] if t.get("xaxis") == "x2" and t["line"]["dash"] == "solid"]
    assert len(late) == 3
    window = min(z["spectrum_last"], fn.FIG5_WINDOW)
    assert min(x for t in late for x in t["x"]) == pl["steps"] - window
    assert max(x for t in late for x in t["x"]) == pl["steps"]
    spectra = [t for t in fig["data"] if t.get("xaxis") == "x3"]
    assert len(spectra) == 6 and all(0 < x <= 0.5 for t in spectra for x in t["x"])


def test_fig5_spectrum_of_a_period_two_orbit_peaks_at_one_half():
    """A hand-made payload: λᴴ alternating around a level has all its power at 0.5."""
    steps, last = 40, 16
    alt = [1.0 + 0.1 * (-1) ** t for t in range(steps + 1)]
    power = list(np.abs(np.fft.rfft(np.asarray(alt[-last:]) - np.mean(alt[-last:]))) ** 2 / last)
    pl = {"experiment": "fig5", "c": [1.5], "bif": [alt[-4:]], "bif_eta": [1.0],
          "traj_c": [1.5], "traj_step": list(range(steps + 1)), "traj": [alt],
          "traj_eta": [1.0], "freq": list(np.fft.rfftfreq(last)), "power": [power],
          "uv_bif": [alt[-4:]], "uv_traj": [alt], "uv_power": [power], "uv_eta": [1.0],
          "steps": steps, "sizes": {"spectrum_last": last}}
    fig = valid(fn.fig5_figure(pl))
    spec = next(t for t in fig["data"] if t["name"] == "ηλ₀ᴴ = 1.5: spectrum")
    finite = [(x, y) for x, y in zip(spec["x"], spec["y"]) if y is not None]
    assert max(finite, key=lambda p: p[1])[0] == 0.5


def test_fig4_interpolation_panel_runs_rows_from_sp_to_mup(payloads):
    """Panel B: rows are the parameterizations s = 0 (SP) … 1 (μP) at one σ_w²."""
    pl = payloads["fig4s"]
    assert pl["rows"] == list(FIG4_SS) and pl["row_label"].startswith("s")
    fig = valid(fn.fig4_figure(pl))
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert all(len(t["z"]) == len(FIG4_SS) for t in heat)
    assert fig["layout"]["yaxis"]["ticktext"] == [f"{s:g}" for s in FIG4_SS]
    assert fig["layout"]["yaxis"]["title"]["text"] == pl["row_label"]
    # s = 0 is SP itself: its row equals panel A's SP row at the same σ_w²
    a = payloads["fig4"]
    i = a["rows"].index(FIG4_SIGMA_W2_S)
    assert pl["diverged"][0] == a["diverged"][i]
    assert pl["half_sharp"][0] == a["half_sharp"][i]
    assert any(v is not None for v in pl["half_sharp"][0])


def test_fig4_heatmaps_over_sigma_and_c_with_diverged_cells_marked(payloads):
    pl = payloads["fig4"]
    fig = valid(fn.fig4_figure(pl))
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert [t["name"] for t in heat] == ["network ηλᴴ/2", "UV model ηλᴴ/2",
                                         "network test accuracy"]
    for t in heat:
        assert len(t["z"]) == len(FIG4_SIGMA_W2S)
        assert all(len(row) == len(FIG4_CS) for row in t["z"])
    # a tick on every cell; at most X_LABELS of them labelled, each with its own c
    ticks = fig["layout"]["xaxis"]["ticktext"]
    assert fig["layout"]["xaxis"]["tickvals"] == list(range(len(FIG4_CS)))
    labelled = [(t, f"{c:g}") for t, c in zip(ticks, FIG4_CS) if t]
    assert ticks[0] and 2 <= len(labelled) <= X_LABELS[False]
    assert all(t == want for t, want in labelled)
    # ηλᴴ/2 = 1 (edge of stability) sits in the middle of the diverging scale
    assert heat[0]["zmin"] + heat[0]["zmax"] == 2.0
    marks = next(t for t in fig["data"] if t["name"] == "diverged")
    assert len(marks["x"]) == sum(v for row in pl["diverged"] for v in row)
    for row_h, row_d in zip(pl["half_sharp"], pl["diverged"]):
        for h, d in zip(row_h, row_d):
            assert (h is None) == d
    acc = [v for row in pl["test_acc"] for v in row if v is not None]
    assert acc and all(0.0 <= v <= 1.0 for v in acc)


def test_a_diverged_network_is_drawn_and_reported():
    pl = payload_of(experiment="single", width=8, n_train=32, lr_mode="eta", lr=100.0, steps=200,
                    every=10, matching="structural")
    run = pl["runs"][0]
    assert run["diverged_at"] is not None and len(run["loss"]) == run["diverged_at"] + 1
    valid(fn.training_figure(pl))
    assert f"diverged at step {run['diverged_at']}" in summary(pl)


@pytest.mark.parametrize("payload", [None, {}, {"experiment": "nope"},
                                     {"experiment": "single", "runs": []},
                                     {"experiment": "fig5", "c": []},
                                     {"experiment": "fig4", "c": [], "rows": []}])
def test_empty_or_unknown_payloads_give_a_message_figure(payload):
    fig = valid(fn.result_figure(payload))
    assert fig["data"] == [] and fig["layout"]["annotations"]


def assert_labels_carry_their_decade(axis):
    assert axis["type"] == "log" and axis["tickmode"] == "array" and len(axis["tickvals"]) >= 2
    lo, hi = 10 ** axis["range"][0], 10 ** axis["range"][1]
    for v, text in zip(axis["tickvals"], axis["ticktext"]):
        assert math.isclose(tick_value(text), v, rel_tol=1e-9), (text, v)
        assert lo <= v <= hi


@pytest.mark.parametrize("kind, axes", [("single", ["yaxis"]), ("fig1", ["yaxis", "yaxis2"]),
                                        ("fig5", ["yaxis3"])])
def test_every_log_axis_labels_its_ticks_with_their_decade(payloads, kind, axes):
    """The loss, λᴴ (several networks) and spectrum axes: no bare mantissas."""
    fig = valid(fn.result_figure(payloads[kind]))
    for name in axes:
        assert_labels_carry_their_decade(fig["layout"][name])


#: A bare "c = …" (not c_UV, not η_c): the name the paper gives ηλ₀ᴴ, which every
#: other view uses for c = η/η_c.
BARE_C = re.compile(r"(?<!\w)c = ")


def strings(obj):
    """Every string inside a figure dict (names, titles, hovers, tick labels)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from strings(v)


@pytest.mark.parametrize("kind", ["single", "structural", "fig1", "fig5", "fig4", "fig4s"])
def test_the_networks_learning_rate_is_named_eta_lambda_never_c(payloads, kind):
    """ηλ₀ᴴ in labels, titles, hovers and the paragraph; c only as the UV model's
    c_UV = η/η_c."""
    fig = fn.result_figure(payloads[kind])
    texts = list(strings(fig)) + [summary(payloads[kind])]
    assert not [t for t in texts if BARE_C.search(t)]
    if kind in ("fig5", "fig4", "fig4s"):
        assert any("ηλ₀ᴴ" in t for t in texts)


@pytest.mark.parametrize("large", [False, True])
def test_long_titles_are_wrapped_after_commas_into_short_lines(large):
    from app.views.networks.figparts import TITLE_LINE, wrap_title
    title = ("Fig 5 (2-layer linear μP, gaussian d = 16): depth 3, width 64, relu, SP, "
             "σ_w² = 2, gaussian (N = 256), ηλ₀ᴴ = 1.5, 300 steps")
    lines = wrap_title(title, large).split("<br>")
    assert len(lines) >= 2 and all(len(line) <= TITLE_LINE[large] for line in lines)
    assert " ".join(lines) == title                        # nothing lost, breaks at spaces
    assert all(line.endswith((",", ":")) for line in lines[:-1])
    assert wrap_title("Fig 4: phase diagram", large) == "Fig 4: phase diagram"


def test_the_legend_gets_a_row_of_room_per_three_entries():
    from app.views.networks.figparts import (BELOW_AXES, LEGEND_COLUMNS, LEGEND_ROW,
                                             legend_below, panel_layout)
    assert LEGEND_COLUMNS == 3
    for entries in (1, 2, 3, 4, 7):
        data = [{"type": "scatter", "name": str(k)} for k in range(entries)]
        data += [{"type": "scatter", "showlegend": False}, {"type": "heatmap"}]
        lay = legend_below(panel_layout(True, "t"), data, True)
        assert lay["margin"]["b"] == BELOW_AXES[True] + math.ceil(entries / 3) * LEGEND_ROW[True]


def test_a_single_runs_key_names_each_thing_once(payloads):
    """One run: the key lists the line styles, not the run's colour again
    ("network" beside "network (solid)"); several runs: each run's colour."""
    def keyed(fig):
        return [t["name"] for t in fig["data"] if t.get("showlegend", True)
                and t.get("type") != "heatmap"]
    one = keyed(fn.training_figure(payloads["single"]))
    assert one == ["network (solid)", "UV model (dashed)", "2/η (dash-dot)"]
    several = keyed(fn.training_figure(payloads["fig1"]))
    runs = [r["label"] for r in payloads["fig1"]["runs"]]
    assert len(runs) > 1 and several[:len(runs)] == runs
