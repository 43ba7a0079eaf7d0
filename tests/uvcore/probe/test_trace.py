"""Trace files: the exact JSON-lines layout other readers rely on, CSV read by
the Import view's own parser, line-by-line streaming, and the matched UV
model in the header (checked by running the UV map it names)."""

import json
import math

import numpy as np
import pytest
import torch

import uvcore
from app.views.import_trace.parse import parse_bytes
from uvcore.params import UVInputError
from uvcore.probe import SharpnessProbe
from uvcore.probe.trace import Measurement, Trace

from .common import tiny_mlp

ROW_KEYS = ["step", "df", "lam", "lam_h", "loss", "eta"]
HEADER_KEYS = ["format", "version", "model", "eta", "loss", "measure_batch", "dtype", "uv"]
UV_KEYS = ["eta", "n_eff", "x_norm", "y", "df0", "lam0", "method", "calibrated"]


def _train(path, steps=6, every=2, lr=0.05, **kw):
    model = tiny_mlp(d=3, n=8, k=1, seed=2).float()
    g = torch.Generator().manual_seed(0)
    X, Y = torch.randn(32, 3, generator=g), torch.randn(32, 1, generator=g)
    loss_fn = torch.nn.MSELoss()
    probe = SharpnessProbe(model, loss_fn, (X, Y), every=every, trace=path, name="mlp", **kw)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sizes = []
    for t in range(steps + 1):
        probe.step(t, lr)
        sizes.append(path.stat().st_size if path.exists() else 0)
        opt.zero_grad()
        loss_fn(model(X), Y).backward()
        opt.step()
    return probe, sizes, Y


def test_jsonl_layout_and_streaming(tmp_path):
    path = tmp_path / "run.jsonl"
    probe, sizes, _ = _train(path)
    lines = path.read_text().splitlines()
    head = json.loads(lines[0])
    assert list(head) == ["header"] and list(head["header"]) == HEADER_KEYS
    h = head["header"]
    assert (h["format"], h["version"], h["model"], h["loss"], h["measure_batch"], h["dtype"],
            h["uv"]) == ("sharpness-lab-trace", 1, "mlp", "mse_half_mean", 32, "float32", None)
    assert h["eta"] == pytest.approx(0.05 * 2)           # MSELoss mean, k = 1: η = 2·lr
    rows = [json.loads(line) for line in lines[1:]]
    assert [list(r) for r in rows] == [ROW_KEYS] * 4
    assert [r["step"] for r in rows] == [0, 2, 4, 6]
    for r, m in zip(rows, probe.trace.measurements):
        assert r["df"] == -math.sqrt(2 * r["loss"]) and r["lam"] == m.lam and r["lam_h"] == m.lam_h
    # one more line after each measured step, nothing in between
    assert sizes[0] > 0 and sizes[1] == sizes[0] and sizes[2] > sizes[1] and sizes[6] > sizes[5]


def test_csv_is_read_by_the_import_view(tmp_path):
    path = tmp_path / "run.csv"
    probe, _, _ = _train(path)
    text = path.read_text()
    assert text.startswith("# format: sharpness-lab-trace\n# version: 1\n# model: mlp\n")
    assert "# uv: null\n" in text
    assert "step,df,lam,lam_h,loss,eta,eta_lam_h_half\n" in text
    trace, message = parse_bytes(path.read_bytes(), "run.csv")
    assert trace is not None, message
    np.testing.assert_array_equal(trace.step, [0, 2, 4, 6])
    np.testing.assert_allclose(trace.df, probe.trace.column("df"), rtol=1e-15)
    np.testing.assert_allclose(trace.lam, probe.trace.column("lam"), rtol=1e-15)


def test_uv_calibration_holds_the_file_then_names_a_model_that_reproduces_the_ratio(tmp_path):
    path = tmp_path / "run.jsonl"
    probe, sizes, Y = _train(path, steps=8, every=1, lr=0.2, uv_calibration=4, dtype="float64")
    assert sizes[:4] == [0, 0, 0, 0] and sizes[4] > 0     # written once 4 steps are measured
    lines = path.read_text().splitlines()
    assert len(lines) == 1 + 9
    uv = json.loads(lines[0])["header"]["uv"]
    assert list(uv) == UV_KEYS and uv["method"] == "calibrated" and uv["calibrated"] is True
    ms = probe.trace.measurements
    assert uv["df0"] == pytest.approx(-math.sqrt(2 * ms[0].loss), rel=1e-12)
    assert uv["lam0"] == ms[0].lam and uv["x_norm"] == 1.0
    assert uv["eta"] == pytest.approx(ms[0].eta, rel=1e-14)
    assert uv["y"] == pytest.approx(float(torch.sqrt((Y.double() ** 2).mean())), rel=1e-6)
    # the named UV model, run for the window, ends at the network's NTK ratio
    tr = uvcore.trajectory(uv["df0"], uv["lam0"],
                           uvcore.MapParams(uv["eta"], uv["n_eff"], uv["x_norm"], uv["y"]), 4)
    assert tr.lam[-1] / tr.lam[0] == pytest.approx(ms[4].lam / ms[0].lam, rel=1e-5)
    assert probe.match_uv(upto=4)["n_eff"] == pytest.approx(uv["n_eff"], rel=1e-9)


def test_non_finite_measurements_stay_out_of_the_file(tmp_path):
    tr = Trace({"model": "m", "measure_batch": 3, "dtype": "float32"}, tmp_path / "t.jsonl")
    tr.append(Measurement(0, 1.0, 2.0, 1.5, 0.1, 0.1, -math.sqrt(2.0)))
    tr.append(Measurement(1, math.inf, math.nan, math.nan, 0.1, math.nan, -math.inf))
    assert len(tr) == 2 and len((tmp_path / "t.jsonl").read_text().splitlines()) == 2
    with pytest.raises(ValueError, match="header is already written"):
        tr.set_uv({})


def test_bad_file_names_and_empty_traces(tmp_path):
    with pytest.raises(ValueError, match="trace_format must be one of jsonl, csv"):
        Trace({"model": "m", "measure_batch": 1, "dtype": "float32"}, tmp_path / "a", "xml")
    tr = Trace({"model": "m", "measure_batch": 1, "dtype": "float32"})
    with pytest.raises(ValueError, match="the trace is empty"):
        tr.write(tmp_path / "a.csv")
    probe = SharpnessProbe(tiny_mlp().float(), torch.nn.MSELoss(),
                           (torch.randn(5, 3), torch.randn(5, 2)))
    probe.step(0, 0.1)
    with pytest.raises(UVInputError, match="at least two finite measurements"):
        probe.match_uv()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_the_import_view_reads_the_header_and_its_uv_model(tmp_path, suffix):
    from app.views.import_trace.parse import read_bytes
    path = tmp_path / f"run{suffix}"
    probe, _, _ = _train(path, steps=4, every=1, lr=0.2, uv_calibration=2, dtype="float64")
    r = read_bytes(path.read_bytes(), path.name)
    assert r.trace is not None, r.message
    np.testing.assert_array_equal(r.trace.step, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(r.trace.lam_h, probe.trace.column("lam_h"), rtol=1e-15)
    assert r.header["model"] == "mlp" and float(r.header["eta"]) == pytest.approx(0.4)
    uv = probe.trace.header["uv"]
    assert uv is not None
    for key in ("eta", "n_eff", "x_norm", "y", "df0", "lam0"):
        assert float(r.header["uv"][key]) == pytest.approx(uv[key], rel=1e-15), key
    assert "with a matched UV model" in r.message
