"""Fig 4 and Fig 5 as independent cells: plan → cells → results → aggregate.

Each network training run of Fig 4's grids (one per (row, c), plus one
calibration run per row for the calibrated matching) and of Fig 5's c-scan
(one per c of the bifurcation grid and of the trajectories, plus one
calibration run) is a *cell*: a plain JSON-ready dict of the normalized
parameters of that run.  :func:`run_cell` is a pure function cell → result
(a JSON-ready dict), so a cell can run in this process, in another process
or on a Celery worker (:mod:`uvcore.nets.distributed`), and
:func:`aggregate` turns the results, in any order of arrival, into the
same :class:`~.phase_diagrams.Fig4Result` / :class:`~.route_to_chaos.Fig5Result`
that a single-process run gives (the UV-model columns, cheap, are computed
there from the calibration cells).

Results are cached one by one under :func:`cell_key` (SHA-256 of the cell's
canonical JSON and :data:`CELL_VERSION`), so an interrupted experiment loses
no finished cell and a rerun resumes.  A cache is anything with
``get(key) -> dict | None`` and ``put(key, value)``; :class:`DirCellCache`
keeps JSON files in one directory.

Runners (``runner(todo, done, progress, cancel)``, ``todo`` a list of
(index, cell), ``done(index, result, meta)`` called as each cell finishes,
``progress(fraction)`` of the remaining cells): :func:`inline_runner` (this
process, one cell after another; the default), :class:`ProcessRunner`
(local processes) and :class:`uvcore.nets.distributed.CeleryRunner`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...params import MapParams, UVInputError, check_count
from ..data import make_data
from ..matching import UVMatch, _calibrated_match
from ..model import NetSpec
from ..train import Cancelled, check_progress, run_network
from .common import _final_half_sharpness

__all__ = ["CELL_VERSION", "CELL_KINDS", "Plan", "cell_key", "run_cell", "run_plan",
           "aggregate", "net_cell", "match_of", "inline_runner", "ProcessRunner", "DirCellCache", "cell_meta"]

#: Part of every cell key: bump it when a cell's computation changes.
CELL_VERSION = "cells-1"
#: What a cell computes: a Fig 4 grid point, a Fig 5 bifurcation or trajectory
#: run, or the calibration run of a calibrated UV match.
CELL_KINDS = ("fig4", "fig5_bif", "fig5_traj", "calibrate")
#: Cell fields that do not change the result (kept out of the key).
UNKEYED = ("data_dir",)
#: Fields of the network and data every cell carries.
NET_FIELDS = ("data", "n_train", "input_dim", "out_dim", "depth", "width", "activation",
              "param", "sigma_w2", "seed", "dtype", "steps")
#: The other fields a cell may have, with their types: the rate c (of the run, or
#: c_cal of a calibration), the dense tail measured, and the measurement interval.
EXTRA_FIELDS = {"c": float, "tail": int, "sharpness_every": int}


@dataclass(frozen=True)
class Plan:
    """An experiment as cells: ``cells`` (JSON-ready dicts) and what
    :func:`aggregate` needs besides their results (``context``)."""

    experiment: str
    cells: tuple
    context: dict

    @property
    def keys(self) -> list[str]:
        return [cell_key(c) for c in self.cells]


def cell_key(cell: dict) -> str:
    """SHA-256 (hex) of the cell's normalized parameters and :data:`CELL_VERSION`."""
    body = {k: v for k, v in cell.items() if k not in UNKEYED}
    text = json.dumps({"v": CELL_VERSION, **body}, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def net_cell(kind: str, *, data: str, n_train: int, depth: int, width: int, activation: str,
             param, sigma_w2: float, seed: int, dtype: str, steps: int, input_dim=None,
             out_dim=None, data_dir=None, **extra) -> dict:
    """A cell with its fields normalized (ints as int, reals as float, names lower-case),
    so equal runs asked for differently share one key."""
    if kind not in CELL_KINDS:
        raise UVInputError(f"cell kind must be one of {', '.join(CELL_KINDS)}, got {kind!r}")
    cell = {"kind": kind, "data": str(data).lower(), "n_train": int(n_train),
            "input_dim": None if input_dim is None else int(input_dim),
            "out_dim": None if out_dim is None else int(out_dim), "depth": int(depth),
            "width": int(width), "activation": str(activation).lower(),
            "param": param.lower() if isinstance(param, str) else float(param),
            "sigma_w2": float(sigma_w2), "seed": int(seed), "dtype": str(dtype),
            "steps": int(steps)}
    for k, v in extra.items():
        if k not in EXTRA_FIELDS:
            raise UVInputError(f"unknown cell field {k!r}")
        cell[k] = EXTRA_FIELDS[k](v)
    if data_dir is not None:
        cell["data_dir"] = str(data_dir)
    return cell


def _net(cell: dict):
    ds = make_data(cell["data"], cell["n_train"], cell["input_dim"], cell["out_dim"],
                   seed=cell["seed"], directory=cell.get("data_dir"))
    spec = NetSpec(cell["depth"], cell["width"], ds.in_dim, ds.out_dim, cell["activation"],
                   cell["param"], cell["sigma_w2"])
    return spec, ds


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _nums(a) -> list:
    return [_num(x) for x in np.asarray(a, dtype=float).ravel()]


def _match_dict(m) -> dict:
    p = m.params
    return {"eta": p.eta, "n_eff": p.n_eff, "x_norm": p.x_norm, "y": p.y, "df0": m.df0,
            "lam0": m.lam0, "lam0_h": m.lam0_h, "c": m.c, "width": m.width, "method": m.method,
            "calibrated": bool(m.calibrated), "eta_per_c": m.eta_per_c}


def match_of(r: dict) -> UVMatch:
    """The :class:`UVMatch` of a ``calibrate`` cell's result."""
    return UVMatch(MapParams(r["eta"], r["n_eff"], r["x_norm"], r["y"]), r["df0"], r["lam0"],
                   r["lam0_h"], r["c"], r["width"], r["method"], r["calibrated"], r["eta_per_c"])


def run_cell(cell: dict, progress=None, cancel=None) -> dict:
    """The result of one cell (a JSON-ready dict; NaN/±inf as None).

    ``fig4``: {diverged, half_sharp, test_acc, train_loss} at the last step;
    ``fig5_bif``: {eta, diverged, tail} (λ^H at the last ``tail`` steps);
    ``fig5_traj``: {eta, diverged, step, sharpness}; ``calibrate``: the fitted
    UV match (:class:`~uvcore.nets.matching.UVMatch` fields).
    """
    kind = cell.get("kind") if isinstance(cell, dict) else None
    if kind not in CELL_KINDS:
        raise UVInputError(f"cell kind must be one of {', '.join(CELL_KINDS)}, got {kind!r}")
    spec, ds = _net(cell)
    seed, dtype, steps = cell["seed"], cell["dtype"], cell["steps"]
    if kind == "calibrate":
        m = _calibrated_match(spec, ds, cell["c"], steps, seed, dtype, progress, cancel)
        return _match_dict(m)
    every = cell.get("sharpness_every", steps)
    run = run_network(spec, ds, c=cell["c"], steps=steps, sharpness_every=every,
                      dense_tail=cell.get("tail", 0), seed=seed, dtype=dtype, ntk=False,
                      progress=progress, cancel=cancel)
    out = {"eta": run.eta, "diverged": bool(run.diverged)}
    if kind == "fig4":
        ok = not run.diverged
        out.update(half_sharp=_num(_final_half_sharpness(run)),
                   test_acc=_num(run.test_acc[-1]) if ok else None,
                   train_loss=_num(run.train_loss[-1]) if ok else None)
    elif kind == "fig5_bif":
        tail = cell["tail"]
        out["tail"] = [None] * tail if run.diverged else _nums(run.sharpness[-tail:])
    else:
        out.update(step=[int(s) for s in run.step], sharpness=_nums(run.sharpness))
    return out


def cell_meta(started: float) -> dict:
    """Where and how long a cell ran (what runners pass to ``done``)."""
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "seconds": time.monotonic() - started}


def inline_runner(todo, done, progress=None, cancel=None) -> None:
    """Run the cells here, one after another (progress inside each cell too)."""
    n = max(len(todo), 1)
    for k, (i, cell) in enumerate(todo):
        check_progress(progress, cancel, k / n)
        sub = None if progress is None else (lambda f, k=k: progress((k + f) / n))
        t0 = time.monotonic()
        done(i, run_cell(cell, sub, cancel), cell_meta(t0))


def _process_cell(cell):
    """A cell in a pool process: (result, meta)."""
    from ... import threading_layer
    threading_layer.configure()
    t0 = time.monotonic()
    return run_cell(cell), cell_meta(t0)


class ProcessRunner:
    """Run the cells in ``workers`` local processes (``spawn``: a clean interpreter
    each, whatever threads or numba runtime this process has started)."""

    #: Seconds between two looks at cancel() while cells run.
    POLL_S = 0.25

    def __init__(self, workers: int):
        self.workers = check_count("workers", workers, 1, 256)

    def __call__(self, todo, done, progress=None, cancel=None) -> None:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if not todo:
            return
        pool = ProcessPoolExecutor(min(self.workers, len(todo)),
                                   mp_context=multiprocessing.get_context("spawn"))
        try:
            futures = {pool.submit(_process_cell, cell): i for i, cell in todo}
            pending, finished = set(futures), 0
            while pending:
                check_progress(progress, cancel, finished / len(todo))
                ready, pending = wait(pending, timeout=self.POLL_S, return_when=FIRST_COMPLETED)
                for fut in ready:
                    result, meta = fut.result()
                    finished += 1
                    done(futures[fut], result, meta)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


class DirCellCache:
    """Cell results as JSON files ``<key>.json`` in one directory (made 0700),
    written atomically (a temporary file renamed), so processes sharing the
    directory never read half a result."""

    def __init__(self, directory):
        self.dir = Path(directory).expanduser()
        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise UVInputError(f"cell cache {self.dir}: cannot create it: "
                               f"{err.strerror or err}") from None

    def _path(self, key: str) -> Path:
        if not (isinstance(key, str) and len(key) == 64
                and all(ch in "0123456789abcdef" for ch in key)):
            raise UVInputError("cell keys are 64 hex digits")
        return self.dir / f"{key}.json"

    def get(self, key: str) -> dict | None:
        path = self._path(key)
        try:
            value = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict) -> None:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"))
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".cell-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, self._path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def aggregate(plan: Plan, results: list):
    """The experiment's result from its cells' results (in plan order)."""
    from .phase_diagrams import fig4_aggregate
    from .route_to_chaos import fig5_aggregate
    return {"fig4": fig4_aggregate, "fig5": fig5_aggregate}[plan.experiment](plan, results)


def run_plan(plan: Plan, runner=None, cache=None, progress=None, cancel=None, on_cell=None):
    """Run ``plan``'s cells (cached ones are read, the rest given to ``runner``,
    default :func:`inline_runner`), store each result in ``cache`` as it
    arrives, report ``progress`` as the fraction of cells finished, call
    ``on_cell(index, meta)`` per cell (``meta["cached"]`` True for a cache hit)
    and return :func:`aggregate` of the results."""
    runner = runner or inline_runner
    keys = plan.keys
    results: list = [None] * len(plan.cells)
    todo = []
    for i, (key, cell) in enumerate(zip(keys, plan.cells)):
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            results[i] = hit
            if on_cell is not None:
                on_cell(i, {"cached": True})
        else:
            todo.append((i, cell))
    n, n_cached = len(plan.cells), len(plan.cells) - len(todo)

    def done(i, result, meta):
        results[i] = result
        if cache is not None:
            cache.put(keys[i], result)
        if on_cell is not None:
            on_cell(i, {**meta, "cached": False})

    def part(fraction):
        progress((n_cached + fraction * len(todo)) / max(n, 1))

    runner(todo, done, None if progress is None else part, cancel)
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:
        raise Cancelled(f"{len(missing)} of {n} cells have no result")
    check_progress(progress, None, 1.0)
    return aggregate(plan, results)
