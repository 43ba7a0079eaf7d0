"""Tests of uvcore.nets.cli: ``python -m uvcore network`` and ``network-experiment``
(output, the saved .npz read back independently, bad flags)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .common import EXACT_RTOL, FD_EIG_RTOL, dense_hessian_fd, ref_loss

ROOT = Path(__file__).resolve().parents[3]


def cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "uvcore", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_cli_network_and_save_round_trip(tmp_path):
    path = tmp_path / "net.npz"
    r = cli("network", "--depth", "3", "--width", "5", "--activation", "tanh", "--param", "mup",
            "--sigma-w2", "2", "--data", "teacher", "--n-train", "12", "--input-dim", "3",
            "--out-dim", "2", "--n-test", "4", "--c", "0.5", "--steps", "6",
            "--sharpness-every", "3", "--tol", "1e-12", "--seed", "3", "--save", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["step"] == [0, 3, 6] and len(out["sharpness"]) == 3 and len(out["ntk"]) == 3
    assert len(out["test_loss"]) == 3 and out["diverged"] is False
    assert out["eta"] * out["lam0_h"] == pytest.approx(0.5)
    z = np.load(path)
    ws = [z[f"w{i}"] for i in range(3)]
    assert [w.shape for w in ws] == [(5, 3), (5, 5), (2, 5)]
    assert str(z["activation"]) == "tanh"
    X, Y, mult = z["X"], z["Y"], z["mult"]
    loss0 = ref_loss(ws, mult, "tanh", X, Y)
    assert loss0 == pytest.approx(out["loss"][0], rel=EXACT_RTOL)
    # the Hessian at init, recomputed from the file alone
    shapes = [w.shape for w in ws]
    sizes = [a * b for a, b in shapes]

    def f(theta):
        parts = np.split(theta, np.cumsum(sizes)[:-1])
        return ref_loss([p.reshape(s) for p, s in zip(parts, shapes)], mult, "tanh", X, Y)
    th0 = np.concatenate([w.ravel() for w in ws])
    lam_h = np.linalg.eigvalsh(dense_hessian_fd(f, th0))[-1]
    assert out["lam0_h"] == pytest.approx(lam_h, rel=FD_EIG_RTOL)


@pytest.mark.parametrize("args,needle", [
    (["--activation", "gelu", "--c", "1"], "activation"),
    (["--width", "5000", "--c", "1"], "width"),
    (["--c", "inf"], "finite"),
    (["--sigma-w2", "nan", "--c", "1"], "finite"),
    (["--data", "digits", "--input-dim", "10", "--c", "1"], "64"),
])
def test_cli_bad_input_exit_2_one_line(args, needle):
    r = cli("network", *args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and needle in r.stderr


def test_cli_network_experiment(tmp_path):
    path = tmp_path / "fig4.npz"
    r = cli("network-experiment", "--experiment", "fig4", "--scale", "0.02", "--save", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert np.array(out["half_sharp_a"]).shape == (len(out["sigma_w2"]), len(out["c"]))
    z = np.load(path)
    np.testing.assert_array_equal(z["c"], out["c"])
    bad = cli("network-experiment", "--experiment", "fig4", "--scale", "2")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "scale" in bad.stderr


def test_cli_network_experiment_grids():
    """--scale thins the default grids; --full-grid / --c-points fix them; --panel picks one."""
    thin = json.loads(cli("network-experiment", "--experiment", "fig4", "--scale", "0.02",
                          "--matching", "structural").stdout)
    assert len(thin["c"]) == 2 and len(thin["sigma_w2"]) == 2 and len(thin["s"]) == 2
    full = cli("network-experiment", "--experiment", "fig4", "--scale", "0.02", "--full-grid",
               "--panel", "a", "--matching", "structural")
    assert full.returncode == 0, full.stderr
    out = json.loads(full.stdout)
    assert out["c"] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0] and len(out["sigma_w2"]) == 5
    assert np.array(out["half_sharp_a"]).shape == (5, 7) and out["s"] == []
    r = cli("network-experiment", "--experiment", "fig5", "--scale", "0.02", "--c-points", "3")
    assert json.loads(r.stdout)["c"] == [1.0, 1.75, 2.5]


@pytest.mark.parametrize("args, word", [
    (("--experiment", "fig4", "--c-points", "3"), "--c-points"),
    (("--experiment", "fig5", "--c-points", "1"), "at least 2"),
    (("--experiment", "fig1", "--full-grid"), "--full-grid"),
    (("--experiment", "fig5", "--panel", "a"), "--panel"),
    (("--experiment", "fig4", "--c", "1.5"), "--c"),
    (("--experiment", "fig1", "--c", "nan"), "finite"),
    (("--experiment", "fig4", "--panel", "c"), "panel"),
    (("--experiment", "fig1", "--workers", "2"), "fig4 and fig5"),
    (("--experiment", "fig4", "--celery", "redis://127.0.0.1:1/0", "--workers", "2"),
     "drop --workers"),
    (("--experiment", "fig4", "--cell-time-limit", "5"), "--celery only"),
    (("--experiment", "fig4", "--celery", "redis://127.0.0.1:1/0"), "unreachable"),
    (("--experiment", "fig5", "--data", "digits"), "fig4 only"),
    (("--experiment", "fig4", "--data", "cifar10"), "cs.toronto.edu"),
])
def test_cli_network_experiment_bad_flags(args, word):
    r = cli("network-experiment", "--scale", "0.02", *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and word in r.stderr, r.stderr


def test_cli_fig1_with_networks_that_have_no_uv_model(tmp_path):
    """At c = 300 the digits networks diverge or die (every ReLU off, NTK 0): under
    "fitted" matching they have no UV model — null in the JSON, NaN in the .npz,
    the other arrays intact."""
    path = tmp_path / "fig1.npz"
    r = cli("network-experiment", "--experiment", "fig1", "--scale", "0.02", "--c", "300",
            "--matching", "fitted", "--save", str(path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["uv"] == [None, None, None] and out["uv_traj"] == [None, None, None]
    for run, note in zip(out["runs"], out["uv_notes"]):
        assert note.startswith("no UV model: ")
        assert ("nothing to fit" in note) == run["diverged"]
        assert run["diverged"] or not run["ntk"][-1] > 0
    z = np.load(path)          # no pickled objects
    assert np.isnan(z["uv"]).all() and z["runs/0/loss_all"].size >= 1


@pytest.mark.slow
def test_cli_fig4_cells_in_processes_with_a_cache_equal_the_plain_run(tmp_path):
    """--workers 2 and --cell-cache give the plain run's arrays; a rerun reads every
    cell from the cache."""
    base = ("network-experiment", "--experiment", "fig4", "--scale", "0.02", "--panel", "a")
    plain = json.loads(cli(*base).stdout)
    r = cli(*base, "--workers", "2", "--cell-cache", str(tmp_path / "cells"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    cells = out.pop("cells")
    assert out == plain
    assert cells["total"] == len(out["sigma_w2"]) * (len(out["c"]) + 1) and cells["cached"] == 0
    again = json.loads(cli(*base, "--cell-cache", str(tmp_path / "cells")).stdout)
    assert again.pop("cells") == {"total": cells["total"], "cached": cells["total"],
                                  "ran_on": {}}
    assert again == plain


def test_cli_network_reads_cifar10_from_its_directory(tmp_path):
    from .test_data import write_cifar
    d = write_cifar(tmp_path / "cifar")
    r = cli("network", "--data", "cifar10", "--cifar10-dir", str(d), "--n-train", "50",
            "--width", "8", "--c", "0.5", "--steps", "3")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n_params"] == 3072 * 8 + 8 * 8 + 8 * 10 and len(out["test_acc"]) == 2
