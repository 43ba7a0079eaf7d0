"""The command line (``python -m uvcore``), run as subprocesses.

Outputs are checked against values computed here: η_c by hand, the spec §2
map iterated in the test, hand-derived multipliers of the fixed points, the
documented seeding of the parameter-space model, and the EoS map of spec §3.
Every command runs once as a subprocess (concurrently, in a module fixture)
and so do the bad inputs the issue lists; CSV variants and the remaining bad
inputs call ``cli.main`` in-process, which is the same code path without the
one-second interpreter and numba start-up.
"""

import csv
import io
import json
import math
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from uvcore import cli

#: Iterating spec §2 here vs the CLI's (p, m) iteration on non-chaotic orbits.
ITERATION_TOL = 1e-9
#: Hand-derived multipliers and closed forms vs the CLI (relative).
HAND_TOL = 1e-12
#: Concurrent subprocesses.
WORKERS = 4
TIMEOUT = 120


def run(argv):
    p = subprocess.run([sys.executable, "-m", "uvcore", *argv], capture_output=True,
                       text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def run_all(cases: dict) -> dict:
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {k: pool.submit(run, argv) for k, argv in cases.items()}
        return {k: f.result() for k, f in futures.items()}


def _no_constants(name):
    raise AssertionError(f"non-standard JSON constant {name}")


def load(result):
    code, out, err = result
    assert code == 0, err
    assert err == ""
    return json.loads(out, parse_constant=_no_constants)


def load_csv(result):
    code, out, err = result
    assert code == 0, err
    return list(csv.reader(io.StringIO(out)))


def spec_step(df, lam, eta, n_eff, x_norm, y):
    """Spec §2, transcribed."""
    f = df + y
    g = eta * x_norm ** 2 / n_eff
    return df * (1 - eta * lam + eta * g * df * f), lam + g * df * (eta * lam * df - 4 * f)


def spec_orbit(df, lam, steps, *args):
    out = [(df, lam)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            df, lam = spec_step(df, lam, *args)
            out.append((df, lam))
    return np.array(out)


def in_process(argv, capsys):
    """cli.main in this process (same code path as the subprocess, minus start-up)."""
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


TRAJ = ["--eta", "0.3", "--n-eff", "3", "--x-norm", "1.3", "--y", "1.5",
        "--df0", "0.4", "--lam0", "3.0", "--steps", "60"]
BIF = ["--eta-min", "0.3", "--eta-max", "0.9", "--num", "7", "--n-eff", "1",
       "--df0", "-2", "--lam0", "2", "--transient", "500", "--keep", "16"]
TRAIN = ["--width", "64", "--input-dim", "3", "--preset", "ntp", "--sigma", "0.5",
         "--x-norm", "1.2", "--y", "2", "--eta", "1.0", "--steps", "100", "--seed", "3"]
FATE = ["--eta", "0.3", "--n-eff", "1", "--df-range", "-3", "1", "--lam-range", "0", "5",
        "--grid", "6", "--steps", "400"]

GOOD = {
    "critical": ["critical", "--n-eff", "9", "--x-norm", "1.5", "--y", "-0.5"],
    "trajectory": ["trajectory", *TRAJ],
    "fixed-points": ["fixed-points", "--eta", "1.2", "--n-eff", "9", "--x-norm", "1.5",
                     "--y", "2"],
    "bifurcation": ["bifurcation", "--map", "uv", *BIF],
    "train": ["train", *TRAIN],
    "fate-map": ["fate-map", *FATE],
    "eta-max": ["eta-max", "--n-eff", "1", "--df0", "-2", "--lam0", "1", "--rtol", "1e-4"],
    "edge-exponents": ["edge-exponents", "--eta", "0.55", "--n-eff", "1"],
}


@pytest.fixture(scope="module")
def good():
    return run_all(GOOD)


def test_critical(good, capsys):
    assert load(good["critical"]) == {"eta_c": pytest.approx(3 / (1.5 * 0.5), rel=HAND_TOL)}
    assert load(in_process(["critical", "--y", "0"], capsys)) == {"eta_c": None}


def test_trajectory_follows_spec_map(good, capsys):
    out = load(good["trajectory"])
    args = (0.3, 3.0, 1.3, 1.5)
    ref = spec_orbit(0.4, 3.0, 60, *args)
    assert not out["diverged"] and out["diverged_at"] is None
    df, lam = np.array(out["df"]), np.array(out["lam"])
    assert df.shape == lam.shape == (61,)
    # first step: spec §2 formula evaluated here
    d1, l1 = spec_step(0.4, 3.0, *args)
    assert df[1] == pytest.approx(d1, rel=ITERATION_TOL)
    assert lam[1] == pytest.approx(l1, rel=ITERATION_TOL)
    np.testing.assert_allclose(df, ref[:, 0], rtol=0, atol=ITERATION_TOL * np.abs(ref[:, 0]).max())
    np.testing.assert_allclose(lam, ref[:, 1], rtol=ITERATION_TOL)
    np.testing.assert_allclose(out["loss"], 0.5 * df ** 2)
    np.testing.assert_allclose(out["eta_lam"], 0.3 * lam)
    g, f = 1.3 ** 2 / 3.0, df + 1.5                   # spec §4
    lam_h = np.maximum(lam / 2 + np.sqrt(lam ** 2 / 4 + g * df * (df + 2 * f)),
                       math.sqrt(g) * np.abs(df))
    np.testing.assert_allclose(out["lam_h"], lam_h, rtol=1e-12)
    o = out["outcome"]
    assert o["kind"] == "converged" and o["period"] == 1
    assert o["eta_lam"] == pytest.approx(0.3 * lam[-1]) and o["eta_lam"] < 2
    assert set(o) == {"kind", "period", "lyapunov", "eta_lam"}

    rows = load_csv(in_process(["trajectory", *TRAJ, "--csv"], capsys))
    assert rows[0] == ["step", "df", "lam", "lam_h", "loss", "eta_lam"]
    assert len(rows) == 62
    for t, row in enumerate(rows[1:]):
        assert int(row[0]) == t
        assert [float(v) for v in row[1:]] == [out[k][t] for k in rows[0][1:]]


def test_fixed_points_hand_derived(good):
    out = load(good["fixed-points"])
    # c = η‖x‖|y|/√n_eff = 1.2·1.5·2/3
    c = 1.2
    pts = {p["kind"]: p for p in out["fixed_points"]}
    assert set(pts) == {"II+", "II-", "origin"}
    want = {"II+": sorted([5 + 2 * c, 9.0]),     # in-edge g'(c+2) = 5+2c, transverse (1+k)² = 9
            "II-": sorted([9.0, 5 - 2 * c]),
            "origin": sorted([(1 - c) ** 2, (1 + c) ** 2])}
    for kind, mu in want.items():
        got = pts[kind]["eigenvalues"]
        assert all(isinstance(z, float) for z in got)  # real multipliers are plain numbers
        assert sorted(got) == pytest.approx(mu, rel=HAND_TOL)
    root = 2 * 3 / (1.2 * 1.5)                      # |Δf| = 2√n_eff/(η‖x‖)
    assert pts["II+"]["df"] == pytest.approx(root)
    assert pts["II+"]["lam"] == pytest.approx(2 * 1.5 * (root + 2) / 3)
    assert pts["II-"]["lam"] == pytest.approx(-2 * 1.5 * (-root + 2) / 3)
    assert (pts["origin"]["df"], pts["origin"]["lam"]) == (-2.0, 0.0)
    assert pts["II+"]["stability"] == "unstable" and pts["origin"]["stability"] == "saddle"
    assert out["line"]["lam_min"] == pytest.approx(2 * 1.5 * 2 / 3)
    assert out["line"]["lam_stable_max"] is None    # 2/η < lam_min: η > η_c


def test_bifurcation(good, capsys):
    out = load(good["bifurcation"])
    eta, period = np.array(out["eta"]), out["period"]
    assert len(eta) == len(period) == len(out["lyapunov"]) == len(out["lam"]) == 7
    np.testing.assert_allclose(eta, np.linspace(0.3, 0.9, 7))
    for k, (row, p, ly) in enumerate(zip(out["lam"], period, out["lyapunov"])):
        assert (row is None) == (p == -1) == (ly is None)
        if row is not None:
            assert len(row) == 16
        if p >= 1:  # non-chaotic: the spec map iterated here lands on the same orbit
            ref = spec_orbit(-2.0, 2.0, 515, eta[k], 1.0, 1.0, 2.0)[-16:, 1]
            np.testing.assert_allclose(row, ref, rtol=1e-7)
    assert period[:3] == [1, 1, 1] and period[3] == 2 and period[-1] == -1

    rows = load_csv(in_process(["bifurcation", *BIF, "--csv"], capsys))
    assert rows[0] == ["eta", "period", "lyapunov", *(f"lam_{i}" for i in range(16))]
    assert len(rows) == 8
    for row, p in zip(rows[1:], period):
        assert int(row[1]) == p
        assert (row[3:] == [""] * 16) == (p == -1)


def test_train_matches_documented_init_and_map(good, capsys):
    out = load(good["train"])
    n, d, sigma, xn, y, eta = 64, 3, 0.5, 1.2, 2.0, 1.0
    assert (out["n_eff"], out["sigma_u"], out["sigma_v"]) == (64.0, 0.5, 0.5)
    # the documented draws: default_rng(seed): U, then v, then the direction of x
    rng = np.random.default_rng(3)
    U = sigma * rng.standard_normal((n, d))
    v = sigma * rng.standard_normal(n)
    g = rng.standard_normal(d)
    x = xn * g / np.linalg.norm(g)
    f0 = v @ U @ x / math.sqrt(n)
    lam0 = (np.sum((U @ x) ** 2) + xn ** 2 * v @ v) / n
    assert out["df"][0] == pytest.approx(f0 - y, rel=1e-12)
    assert out["lam"][0] == pytest.approx(lam0, rel=1e-12)
    ref = spec_orbit(f0 - y, lam0, 100, eta, float(n), xn, y)
    assert len(out["df"]) == 101 and not out["diverged"]
    np.testing.assert_allclose(out["df"], ref[:, 0], rtol=0,
                               atol=ITERATION_TOL * np.abs(ref[:, 0]).max())
    np.testing.assert_allclose(out["lam"], ref[:, 1], rtol=ITERATION_TOL)
    assert 0 <= out["max_rel_dev_from_map"] <= ITERATION_TOL
    assert out["outcome"]["kind"] == out["map"]["outcome"]["kind"] == "converged"

    rows = load_csv(in_process(["train", *TRAIN, "--csv"], capsys))
    assert rows[0] == ["step", "df", "lam", "lam_h", "loss", "eta_lam", "map_df", "map_lam"]
    assert len(rows) == 102
    table = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(table[:, 1], out["df"])
    np.testing.assert_allclose(table[:, 6], table[:, 1], rtol=0,
                               atol=ITERATION_TOL * np.abs(table[:, 6]).max())


def test_fate_map(good, capsys):
    out = load(good["fate-map"])
    df, lam = np.array(out["df"]), np.array(out["lam"])
    np.testing.assert_allclose(df, np.linspace(-3, 1, 6))
    np.testing.assert_allclose(lam, np.linspace(0, 5, 6))
    period = np.array(out["period"])
    assert period.shape == (6, 6) and np.array(out["kind"]).shape == (6, 6)
    X, Y = np.meshgrid(df, lam)
    edge = 2 * np.abs(X + 2)                         # spec §2.2 with ‖x‖ = n_eff = 1, y = 2
    on_edge = np.abs(Y - edge) <= 1e-12 * Y
    np.testing.assert_array_equal(period == -2, (Y < edge) & ~on_edge)
    names = {-3: "stalled", -2: "forbidden", -1: "diverged", 1: "converged"}
    for i in range(6):
        for j in range(6):
            p, kind, ly = period[i, j], out["kind"][i][j], out["lyapunov"][i][j]
            assert kind == names.get(p, "periodic" if p >= 2 else kind)
            assert (ly is None) == (p in (-2, -1))
            if p == -2 or on_edge[i, j]:
                continue  # on an edge only the (p, m) iteration stays exactly on it
            orbit = spec_orbit(X[i, j], Y[i, j], 400, 0.3, 1.0, 1.0, 2.0)
            blew_up = not np.all(np.isfinite(orbit)) or np.nanmax(0.15 * orbit[:, 1]) > 1e8
            assert blew_up == (p == -1)
            if p == 1:
                assert orbit[-1] == pytest.approx(orbit[-2], rel=1e-7, abs=1e-9)
    rows = load_csv(in_process(["fate-map", *FATE, "--csv"], capsys))
    assert rows[0] == ["df", "lam", "period", "kind", "lyapunov"]
    assert len(rows) == 37
    assert sorted(int(r[2]) for r in rows[1:]) == sorted(period.ravel().tolist())


def test_eta_max(good):
    out = load(good["eta-max"])
    assert out["eta_c"] == pytest.approx(0.5, rel=HAND_TOL)
    lo, hi = out["bracket"]
    assert out["found"] and lo <= out["eta_max"] < hi and hi - lo <= 1e-4 * hi
    assert out["has_eos"] == (out["eta_max"] > out["eta_c"])
    # the spec map iterated here diverges just above the bracket
    above = spec_orbit(-2.0, 1.0, 5000, hi * 1.01, 1.0, 1.0, 2.0)
    assert not np.all(np.isfinite(above)) or np.nanmax(np.abs(above)) > 1e8


def test_edge_exponents_vs_eos_map(good):
    out = load(good["edge-exponents"])
    c = 0.55 * 2                                     # η‖x‖|y|/√n_eff
    z = c / 2                                        # documented default start
    for _ in range(1000):
        z = z * (1 + c - z) ** 2
    ins, trans = 0.0, 0.0
    for _ in range(10000):
        ins += math.log(abs((1 + c - z) * (1 + c - 3 * z)))
        trans += math.log(abs(1 + (z - c)))
        z = z * (1 + c - z) ** 2
    assert not out["diverged"]
    assert out["in_edge"] == pytest.approx(ins / 10000, rel=1e-8)
    assert out["transverse"] == pytest.approx(trans / 10000, rel=1e-8)


# -- bad input: exit 2, one line on stderr, nothing on stdout ----------------

#: The bad inputs the issue lists, run as subprocesses.
BAD = {
    "forbidden start": (["trajectory", "--eta", "0.5", "--df0", "0", "--lam0", "0.1"],
                        "forbidden region"),
    "n_eff zero": (["critical", "--n-eff", "0"], "n_eff must be > 0"),
    "x_norm zero": (["trajectory", "--eta", "0.5", "--x-norm", "0"], "x_norm must be > 0"),
    "nan": (["trajectory", "--eta", "nan"], "--eta: must be a finite number"),
    "inf": (["critical", "--y", "inf"], "--y: must be a finite number"),
    "width past cap": (["train", "--width", "2000000", "--input-dim", "1", "--eta", "0.1",
                        "--preset", "ntp"], "MAX_WIDTH"),
    "grid past cap": (["fate-map", "--eta", "0.5", "--df-range", "-1", "1", "--lam-range",
                       "0", "4", "--grid", "1001"], "grid size"),
    "unknown map": (["bifurcation", "--map", "logistic", "--eta-min", "0.1", "--eta-max", "1"],
                    "invalid choice"),
}

#: Further bad inputs, through cli.main in-process.
BAD_IN_PROCESS = {
    "n_eff negative": (["fixed-points", "--eta", "1", "--n-eff", "-2"], "n_eff must be > 0"),
    "params past cap": (["train", "--width", "1000000", "--input-dim", "60", "--eta", "0.1",
                         "--preset", "mup"], "MAX_PARAMS"),
    "custom needs sigmas": (["train", "--width", "8", "--input-dim", "2", "--eta", "0.1",
                             "--n-eff", "2"], "--sigma-u, --sigma-v"),
    "unknown command": (["network-zoo"], "invalid choice"),
    "missing flag": (["trajectory"], "required: --eta"),
    "not an integer": (["trajectory", "--eta", "0.5", "--steps", "1.5"], "expected an integer"),
    "no csv": (["critical", "--csv"], "unrecognized arguments"),
}


@pytest.fixture(scope="module")
def bad():
    return run_all({k: argv for k, (argv, _) in BAD.items()})


@pytest.mark.parametrize("case", BAD)
def test_bad_input(case, bad):
    code, out, err = bad[case]
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.endswith("\n")
    assert "Traceback" not in err
    assert BAD[case][1] in err


@pytest.mark.parametrize("case", BAD_IN_PROCESS)
def test_bad_input_in_process(case, capsys):
    argv, match = BAD_IN_PROCESS[case]
    try:
        code = cli.main(argv)
    except SystemExit as exc:   # argparse errors exit from inside parse_args
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert len(captured.err.splitlines()) == 1 and match in captured.err


# -- in-process: help texts and the command registry -------------------------

def test_help_for_every_command(capsys):
    for cmd in cli.COMMANDS:
        with pytest.raises(SystemExit) as exc:
            cli.main([cmd.name, "--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith("usage: python -m uvcore " + cmd.name)
        assert ("--csv" in text) == (cmd.csv is not None)
    names = [c.name for c in cli.COMMANDS]
    assert names == ["critical", "trajectory", "fixed-points", "bifurcation", "train",
                     "fate-map", "eta-max", "edge-exponents"]


def test_extension_module_adds_a_command(monkeypatch, capsys):
    mod = types.ModuleType("uvcore_test_extension")

    def add(p):
        p.add_argument("--value", type=cli.finite_float, required=True)

    def run_(args):
        return {"twice": np.array([2 * args.value, math.nan])}

    mod.COMMANDS = [cli.Command("double", "doubles a number", add, run_,
                                lambda payload: (["x"], [[v] for v in payload["twice"]]))]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(cli, "EXTENSIONS", (mod.__name__,))
    assert cli.main(["double", "--value", "1.5"]) == 0
    assert json.loads(capsys.readouterr().out) == {"twice": [3.0, None]}
    assert cli.main(["double", "--value", "2", "--csv"]) == 0
    assert capsys.readouterr().out == 'x\n4.0\n""\n'  # csv quotes a lone empty cell
