"""The Real networks view's job body: the command line the view shows
recomputes the same runs in another process, and the fitted matching gives a
single run its own UV model at the network's η."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.views.networks import callbacks as cb
from app.views.networks import caps
from app.views.networks.compute import run_experiment

from .common import TINY, values

#: The view's payload keeps 7 significant digits; the command line prints all.
SAME_RUN_RTOL = 1e-6
ROOT = Path(__file__).resolve().parents[4]


def _arr(v):
    """JSON numbers (None for NaN) as a float array."""
    return np.array(v, dtype=float)


#: (view parameters, [(command-line JSON path, payload path), ...]); paths are key tuples.
SAME_RUNS = [
    ({**TINY, "seed": 2, "lr_mode": "eta", "lr": 0.05},
     [(("sharpness",), ("runs", 0, "sharpness")), (("loss_all",), ("runs", 0, "loss")),
      (("ntk",), ("runs", 0, "ntk")), (("eta",), ("runs", 0, "eta"))]),
    ({"experiment": "fig1", "scale": 0.02, "fig1_c": 1.2, "seed": 1},
     [(("runs", i, k), ("runs", i, k)) for i in range(3) for k in ("sharpness", "ntk", "eta")]
     + [(("uv", i, "n_eff"), ("runs", i, "uv", "n_eff")) for i in range(3)]),
    ({"experiment": "fig1", "scale": 0.02, "matching": "fitted"},
     [(("uv", i, k), ("runs", i, "uv", k)) for i in range(3) for k in ("n_eff", "coupling")]),
    ({"experiment": "fig5", "scale": 0.02, "c_points": 3},
     [(("c",), ("c",)), (("bif",), ("bif",)), (("uv_bif",), ("uv_bif",)),
      (("traj",), ("traj",)), (("power",), ("power",))]),
    ({"experiment": "fig4", "scale": 0.02},
     [(("c",), ("c",)), (("sigma_w2",), ("rows",)), (("half_sharp_a",), ("half_sharp",)),
      (("test_acc_a",), ("test_acc",)), (("uv_half_sharp_a",), ("uv_half_sharp",)),
      (("uv_n_eff_a",), ("uv_n_eff",))]),
    ({"experiment": "fig4s", "scale": 0.02, "matching": "structural"},
     [(("s",), ("rows",)), (("half_sharp_b",), ("half_sharp",)),
      (("uv_half_sharp_b",), ("uv_half_sharp",)), (("uv_n_eff_b",), ("uv_n_eff",))]),
]


def _at(obj, path):
    for k in path:
        obj = obj[k]
    return obj


@pytest.mark.slow
@pytest.mark.parametrize("raw, pairs", SAME_RUNS,
                         ids=[f"{r['experiment']}-{r.get('matching', 'auto')}" for r, _ in SAME_RUNS])
def test_the_command_line_shown_computes_the_same_runs(raw, pairs):
    p, notes, err = caps.parse_params(raw)
    assert err is None and not notes
    command = caps.cli_command(p)
    assert command in cb.plan(*values(**raw))[0]
    payload = run_experiment(p)
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "uvcore"]
    r = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for cli_path, view_path in pairs:
        got, want = _arr(_at(out, cli_path)), _arr(_at(payload, view_path))
        assert got.shape == want.shape, cli_path
        assert np.isfinite(want).any(), view_path      # something was compared
        np.testing.assert_allclose(got, want, rtol=SAME_RUN_RTOL, equal_nan=True,
                                   err_msg=str(cli_path))


def test_fitted_single_run_draws_its_own_model():
    p, _notes, err = caps.parse_params({**TINY, "matching": "fitted"})
    assert err is None
    payload = run_experiment(p)
    uv = payload["runs"][0]["uv"]
    assert uv["method"] == "fitted" and uv["eta"] == pytest.approx(payload["runs"][0]["eta"])
    assert payload["params"] == p.key_fields() and payload["matching"] == "fitted"


def test_the_payload_is_strict_json_with_missing_values_as_none():
    """A diverging run keeps no NaN or inf (missing values are None): the store
    accepts it and reads back the same payload."""
    p = caps.parse_params({**TINY, "lr_mode": "eta", "lr": 100.0, "steps": 60, "every": 10,
                           "matching": "structural"})[0]
    payload = run_experiment(p)
    text = json.dumps(payload, allow_nan=False)
    run = payload["runs"][0]
    assert run["diverged_at"] is not None and json.loads(text) == payload
    assert len(run["loss"]) == run["diverged_at"] + 1
