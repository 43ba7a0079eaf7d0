"""``python -m uvcore cascade`` (uvcore.cli.cascade), in subprocesses."""

import math

import numpy as np
import pytest

#: c₁ = 1 and c₂ = √5 − 1 (closed forms) vs the printed flips.
CLOSED_FORM_TOL = 1e-12


def _cli(*argv):
    import subprocess
    import sys
    return subprocess.Popen([sys.executable, "-m", "uvcore", "cascade", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_cascade_subprocess():
    import csv
    import io
    import json

    procs = {
        "json": _cli("--map", "eos", "--n-eff", "16", "--x-norm", "1", "--y", "2",
                     "--levels", "4", "--json"),
        "csv": _cli("--map", "uv", "--n-eff", "16", "--levels", "3", "--csv"),
        "bad": _cli("--n-eff", "16", "--levels", "2"),
        "forbidden": _cli("--map", "uv", "--n-eff", "16", "--df0", "5", "--lam0", "0.1"),
    }
    out = {k: (p.communicate(timeout=120), p.returncode) for k, p in procs.items()}
    (stdout, stderr), code = out["json"]
    assert code == 0 and stderr == ""
    payload = json.loads(stdout)
    assert set(payload) == {"eta_flip", "c_flip", "delta", "eta_inf", "c_inf",
                            "eta_crisis", "c_crisis", "windows"}
    eta_c = math.sqrt(16.0) / 2.0
    assert abs(payload["c_flip"][0] - 1.0) <= CLOSED_FORM_TOL
    assert abs(payload["c_flip"][1] - (math.sqrt(5) - 1)) <= CLOSED_FORM_TOL
    np.testing.assert_allclose(payload["eta_flip"], np.array(payload["c_flip"]) * eta_c,
                               rtol=1e-15)
    assert len(payload["delta"]) == 2
    assert payload["c_crisis"] == pytest.approx(2.0, abs=CLOSED_FORM_TOL)
    assert payload["eta_crisis"] == pytest.approx(2.0 * eta_c, rel=1e-12)
    assert payload["windows"][0]["period"] == 3
    assert payload["windows"][0]["eta_fold"] == pytest.approx(
        payload["windows"][0]["c_fold"] * eta_c, rel=1e-15)

    (stdout, stderr), code = out["csv"]
    assert code == 0 and stderr == ""
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert [r["kind"] for r in rows[:5]] == ["flip"] * 3 + ["accumulation", "crisis"]
    assert float(rows[0]["c"]) == pytest.approx(1.0, abs=CLOSED_FORM_TOL)

    for key, match in (("bad", "levels must be between 3 and"), ("forbidden", "forbidden")):
        (stdout, stderr), code = out[key]
        assert code == 2 and stdout == ""
        assert len(stderr.splitlines()) == 1 and match in stderr
