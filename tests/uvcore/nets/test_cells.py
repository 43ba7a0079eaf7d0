"""Tests of uvcore.nets.experiments.cells: Fig 4 and Fig 5 decomposed into
cells (each cell's result against a direct GD run), the aggregation in any
order of arrival and in local processes against the one-process run, the
cache keys, the directory cache (a rerun resumes), and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from uvcore import UVInputError
from uvcore.nets import NetSpec, make_data, run_network
from uvcore.nets.experiments import fig4, fig4_plan, fig5, fig5_plan, result_dict
from uvcore.nets.experiments.cells import (CELL_VERSION, DirCellCache, ProcessRunner, cell_key,
                                           inline_runner, net_cell, run_cell)

#: A small Fig 4: 2 rows of panel A + 1 of panel B, 3 c each, calibrated (12 cells).
FIG4 = {"cs": (0.5, 2.0, 4.0), "sigma_w2s": (0.5, 2.0), "ss": (0.5,), "scale": 0.1}
FIG5 = {"cs": (1.2, 2.0), "scale": 0.05, "matching": "calibrated"}


def same(a: dict, b: dict) -> bool:
    """Every array of two result dicts exactly equal (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if x.shape != y.shape:
            return False
        ok = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
        if not ok:
            return False
    return True


@pytest.fixture(scope="module")
def fig4_once():
    return result_dict(fig4(**FIG4))


def test_fig4_plan_has_a_calibration_and_one_cell_per_c_for_each_row():
    plan = fig4_plan(**FIG4)
    kinds = [c["kind"] for c in plan.cells]
    assert kinds == (["calibrate"] + ["fig4"] * 3) * 3
    rows = [(c["param"], c["sigma_w2"]) for c in plan.cells if c["kind"] == "calibrate"]
    assert rows == [("sp", 0.5), ("sp", 2.0), (0.5, 2.0)]
    assert [c["c"] for c in plan.cells[1:4]] == [0.5, 2.0, 4.0]
    assert all(c["c"] == 0.5 for c in plan.cells if c["kind"] == "calibrate")     # c_cal
    # structural matching: no calibration cells
    assert len(fig4_plan(**FIG4, matching="structural").cells) == 9


def test_fig5_plan_cells():
    plan = fig5_plan(**FIG5)
    assert [c["kind"] for c in plan.cells] == ["calibrate", "fig5_bif", "fig5_bif",
                                                "fig5_traj", "fig5_traj", "fig5_traj"]
    assert [c["c"] for c in plan.cells[3:]] == [1.4, 1.75, 2.1]


def test_a_fig4_cell_is_the_network_run_it_names():
    """The cell's result against GD run here directly with the cell's own numbers."""
    cell = fig4_plan(**FIG4).cells[2]                     # row σ_w² = 0.5, c = 2
    got = run_cell(cell)
    ds = make_data("digits", cell["n_train"], seed=cell["seed"])
    spec = NetSpec(cell["depth"], cell["width"], 64, 10, "relu", "sp", 0.5)
    run = run_network(spec, ds, c=2.0, steps=cell["steps"], sharpness_every=cell["steps"],
                      seed=cell["seed"], dtype="float32", ntk=False)
    assert got["diverged"] == run.diverged
    assert got["half_sharp"] == run.eta * run.sharpness[-1] / 2
    assert got["test_acc"] == run.test_acc[-1] and got["train_loss"] == run.train_loss[-1]
    json.dumps(got, allow_nan=False)                     # strict JSON: it travels to workers


@pytest.mark.slow
def test_cells_in_any_order_and_in_processes_give_the_same_fig4(fig4_once, tmp_path):
    def backwards(todo, done, progress=None, cancel=None):
        inline_runner(todo[::-1], done, None, cancel)
    assert same(result_dict(fig4(runner=backwards, **FIG4)), fig4_once)
    metas = []
    got = fig4(runner=ProcessRunner(2), on_cell=lambda i, m: metas.append(m), **FIG4)
    assert same(result_dict(got), fig4_once)
    assert len(metas) == 12 and len({m["pid"] for m in metas}) >= 1


def test_fig5_through_cells_in_reverse_order_is_the_same():
    def backwards(todo, done, progress=None, cancel=None):
        inline_runner(todo[::-1], done, None, cancel)
    assert same(result_dict(fig5(runner=backwards, **FIG5)), result_dict(fig5(**FIG5)))


def test_progress_counts_cells_and_ends_at_one():
    seen = []
    fig4(**{**FIG4, "sigma_w2s": (1.0,), "ss": ()}, progress=seen.append)
    assert seen[-1] == 1.0 and all(0 <= a <= b <= 1 for a, b in zip(seen, seen[1:]))


def test_a_rerun_resumes_from_the_directory_cache(fig4_once, tmp_path):
    cache = DirCellCache(tmp_path / "cells")
    keys = fig4_plan(**FIG4).keys
    assert same(result_dict(fig4(cache=cache, **FIG4)), fig4_once)
    assert sorted(p.stem for p in (tmp_path / "cells").glob("*.json")) == sorted(keys)
    # one finished cell lost: only that one runs again
    (tmp_path / "cells" / f"{keys[5]}.json").unlink()
    ran = []

    def counting(todo, done, progress=None, cancel=None):
        ran.extend(i for i, _ in todo)
        inline_runner(todo, done, progress, cancel)
    metas = {}
    got = fig4(cache=cache, runner=counting, on_cell=lambda i, m: metas.__setitem__(i, m), **FIG4)
    assert ran == [5] and same(result_dict(got), fig4_once)
    assert [i for i, m in metas.items() if not m["cached"]] == [5]


def test_cell_keys_follow_the_normalized_parameters():
    base = dict(data="digits", n_train=32, depth=4, width=8, activation="relu", param="sp",
                sigma_w2=2, seed=0, dtype="float32", steps=10)
    k = cell_key(net_cell("fig4", c=1, **base))
    assert len(k) == 64 and all(ch in "0123456789abcdef" for ch in k)
    # 1 and 1.0, "ReLU" and "relu", 2 and 2.0 are the same run; the data's directory is not
    assert cell_key(net_cell("fig4", c=1.0, **{**base, "activation": "ReLU", "sigma_w2": 2.0})) == k
    assert cell_key(net_cell("fig4", c=1, data_dir="/elsewhere", **base)) == k
    # any parameter of the run, the kind or the version changes it
    assert cell_key(net_cell("fig4", c=1.0000001, **base)) != k
    assert cell_key(net_cell("fig4", c=1, **{**base, "seed": 1})) != k
    assert cell_key(net_cell("fig4", c=1, **{**base, "dtype": "float64"})) != k
    assert cell_key(net_cell("calibrate", c=1, **base)) != k
    assert CELL_VERSION.startswith("cells-")


def test_bad_cells_and_caches(tmp_path):
    with pytest.raises(UVInputError, match="cell kind must be one of"):
        run_cell({"kind": "fig9"})
    with pytest.raises(UVInputError, match="cell kind"):
        net_cell("x", data="digits", n_train=32, depth=2, width=8, activation="relu",
                 param="sp", sigma_w2=1, seed=0, dtype="float32", steps=10)
    with pytest.raises(UVInputError, match="64 hex digits"):
        DirCellCache(tmp_path).get("../etc/passwd")
    with pytest.raises(UVInputError, match="workers"):
        ProcessRunner(0)
    with pytest.raises(UVInputError, match="data must be one of"):
        fig4_plan(**FIG4, data="mnist")
    # a corrupt cache file is a miss, not an error
    cache = DirCellCache(tmp_path)
    key = "ab" * 32
    (tmp_path / f"{key}.json").write_text("{not json")
    assert cache.get(key) is None
