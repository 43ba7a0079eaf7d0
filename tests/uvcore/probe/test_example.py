"""The documented example runs as a user would run it and writes a trace the
JSON-lines layout describes (a short run)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_examples_probe_mlp_writes_a_followable_trace(tmp_path):
    out = tmp_path / "run.jsonl"
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "probe_mlp.py"), "--steps", "4",
                          "--every", "2", "--width", "32", "--uv-calibration", "2",
                          "--examples", "300",
                          "--out", str(out)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    head = lines[0]["header"]
    assert head["measure_batch"] == 300 and head["loss"] == "mse_half_mean"
    assert head["eta"] == pytest.approx(0.5 * 2 / 10)       # MSELoss mean over k = 10 outputs
    assert head["uv"] is not None and head["uv"]["method"] == "calibrated"
    assert [r["step"] for r in lines[1:]] == [0, 2, 4]
    assert all(r["df"] == -math.sqrt(2 * r["loss"]) and r["lam"] > 0 for r in lines[1:])
    assert "3 measurements, 300 examples measured" in res.stdout
