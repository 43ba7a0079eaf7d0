"""A reduced-size Fig 4 as cells on two real Celery workers (the dashboard's
worker command, ``celery -A app.celery_app worker``) and a real redis-server:
the cells spread over both workers, the aggregated result equals the
single-process run, the dashboard's Fig 4 job (through the image's gunicorn
command) runs as cells and outlasts JOB_TIME_LIMIT, which limits each cell,
and a worker killed (SIGKILL) mid-run loses no finished cell while its
in-flight cell is sent again and finishes on the other."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pytest
import redis

from app.core import ids
from uvcore.nets import distributed as D
from uvcore.nets.experiments import fig4, fig4_plan, result_dict

from .dashclient import HttpDash, callback_body
from .image import run_image_command
from .workers import celery_worker_cmd

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: 3 rows × (1 calibration + 4 c) = 15 cells of about 1 s each (digits, depth 3).
FIG4 = {"cs": (0.5, 1.0, 2.0, 4.0), "sigma_w2s": (0.5, 1.0, 2.0), "ss": (), "n_train": 200,
        "width": 48, "depth": 3, "steps": 800, "scale": 1.0, "seed": 1}
#: Hard limit of one cell sent by these tests (a cell takes about 1 s).
CELL_LIMIT_S = 60
#: The workers' JOB_TIME_LIMIT: what the dashboard's job gives each of its cells.
#: At DASH_SCALE one cell took 0.04-0.9 s on an idle machine (a worker's
#: first cell more: at a limit of 1 s it was stopped), while the job's 40 cells
#: took 5.7 s in all: a job run as one task under one limit would have
#: been stopped.
JOB_LIMIT_S = 2
#: The scale of the dashboard's Fig 4 job (at 0.1 its 40 cells took 1.7 s in
#: all on an idle machine, less than the limit).
DASH_SCALE = 0.25
#: Seconds the dashboard's Fig 4 job may take end to end.
DASH_JOB_S = 240
#: Seconds the whole experiment may take on the workers, kill and retry included
#: (the lost cell waits for its alive mark to lapse, ALIVE_TTL_S).
RUN_S = 150
#: Seconds to wait for worker A to be in the middle of a cell.
IN_FLIGHT_S = 60
WORKER_OPTIONS = ("--concurrency=1", "--without-gossip", "--without-mingle",
                  "--without-heartbeat")


@pytest.fixture(scope="module")
def workers(redis_url, numba_cache, tmp_path_factory):
    """Two workers, named cellsA and cellsB, each running one cell at a time."""
    root = tmp_path_factory.mktemp("cell-workers")
    extra = {"JOB_TIME_LIMIT": str(JOB_LIMIT_S)}
    with celery_worker_cmd(redis_url, numba_cache, root / "a", extra,
                           (*WORKER_OPTIONS, "-n", "cellsA@%h")) as a, \
            celery_worker_cmd(redis_url, numba_cache, root / "b", extra,
                              (*WORKER_OPTIONS, "-n", "cellsB@%h")) as b:
        yield {"A": a, "B": b}


@pytest.fixture(scope="module")
def reference():
    """The same Fig 4 in this one process (the single-process run)."""
    return result_dict(fig4(**FIG4))


@pytest.fixture
def client(redis_url):
    c = redis.Redis.from_url(redis_url)
    for k in c.scan_iter("uvcore-cell*"):      # every test starts with no cell cached
        c.delete(k)
    yield c
    c.close()


def assert_same(got: dict, want: dict) -> None:
    """Exactly equal: every cell runs the same code on the same numbers with one
    BLAS thread (small problems, uvcore.nets.train.SMALL_GEMM), and its floats
    travel as JSON, whose repr round-trips a double exactly."""
    assert got.keys() == want.keys()
    for k in want:
        a, b = np.asarray(got[k]), np.asarray(want[k])
        same = np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else \
            np.array_equal(a, b)
        assert same, (k, a, b)


def host_of(name: str) -> str:
    return name.split("@", 1)[0]


def test_cells_spread_over_both_workers_and_equal_the_single_process_run(
        workers, reference, redis_url, client):
    runner = D.celery_runner(redis_url, time_limit=CELL_LIMIT_S)
    metas = {}
    got = result_dict(fig4(runner=runner, cache=runner.cache,
                           on_cell=lambda i, m: metas.__setitem__(i, m), **FIG4))
    assert_same(got, reference)
    n = len(fig4_plan(**FIG4).cells)
    assert sorted(metas) == list(range(n)) and not any(m["cached"] for m in metas.values())
    hosts = {host_of(m["host"]) for m in metas.values()}
    assert hosts == {"cellsA", "cellsB"}, metas
    # a rerun finds every cell cached: nothing is sent
    again = {}
    rerun = result_dict(fig4(runner=runner, cache=runner.cache,
                             on_cell=lambda i, m: again.__setitem__(i, m), **FIG4))
    assert_same(rerun, reference)
    assert all(m["cached"] for m in again.values()) and len(again) == n


def networks_body(callback_map: dict, raw: dict) -> dict:
    from app.views.networks import caps
    key = next(k for k in callback_map if k.startswith(f"..{ids.NETWORKS_GRAPH}.figure"))
    merged = {**caps.DEFAULTS, **raw}
    values = {f"{cid}.value": merged[name] for name, cid in caps.CONTROLS}
    return callback_body(callback_map, key, {**values, f"{ids.NETWORKS_RUN}.n_clicks": 1,
                                             f"{ids.LARGE_FONT}.value": []})


def stored_payload(workers: dict, key: str) -> dict | None:
    """The payload the job stored in its worker's store of finished runs."""
    import diskcache
    for w in workers.values():
        path = w["env"]["XDG_CACHE_HOME"] + "/sharpness-lab/networks"
        if os.path.isdir(path):
            with diskcache.Cache(path) as c:
                raw = c.get(key)
            if raw is not None:
                return json.loads(raw)
    return None


def test_the_dashboards_fig4_job_runs_as_cells_each_under_job_time_limit(
        workers, redis_url, client, tmp_path, server_env, callback_map):
    from app.views.networks import caps
    from app.views.networks.compute import run_experiment
    raw = {"experiment": "fig4", "scale": DASH_SCALE}
    env = {"CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url,
           "WEB_CONCURRENCY": "1", "JOB_TIME_LIMIT": str(JOB_LIMIT_S)}
    with run_image_command(tmp_path, env) as (base, _):
        t0 = time.monotonic()
        answer, progress = HttpDash(base).background(networks_body(callback_map, raw),
                                                     timeout=DASH_JOB_S)
        elapsed = time.monotonic() - t0
    status = answer["response"][ids.NETWORKS_STATUS]["children"]
    assert status.startswith("Done: "), status
    results = [json.loads(client.get(k)) for k in client.scan_iter("uvcore-cell-[0-9a-f]*")]
    assert len(results) == 5 * (7 + 1)                   # 5 rows × (7 c + 1 calibration)
    # the job's cells took longer than one JOB_TIME_LIMIT in all (a job run as
    # one task under that limit would have been stopped), and each kept to it
    seconds = [r["meta"]["seconds"] for r in results]
    assert sum(seconds) > JOB_LIMIT_S and max(seconds) < JOB_LIMIT_S, (sum(seconds), seconds)
    assert elapsed > max(seconds)
    # the bar counts finished cells: every value it showed is a whole number of cells
    shown = [int(p[f"{ids.NETWORKS_PROGRESS}.value"]) for p in progress if p]
    assert shown and all(v % 25 == 0 for v in shown), shown       # 1000 / 40 cells
    # the payload equals the same experiment run here in one process
    p, _, err = caps.parse_params(raw)
    assert err is None
    key = answer["response"][ids.NETWORKS_RESULT]["data"]["key"]
    assert stored_payload(workers, key) == run_experiment(p)


def test_a_failing_cell_fails_the_run_with_its_reason_and_the_time_limit_holds(
        workers, redis_url, client):
    from uvcore import UVInputError
    from uvcore.nets.experiments.cells import net_cell
    net = {"data": "digits", "depth": 4, "width": 256, "activation": "relu", "param": "sp",
           "sigma_w2": 2.0, "seed": 0, "dtype": "float32"}
    bad = net_cell("fig4", c=1.0, n_train=1600, steps=10, **net)      # digits: at most 1500
    with pytest.raises(UVInputError, match=r"cell 0 \(fig4, c = 1\): .*1500"):
        D.celery_runner(redis_url, time_limit=CELL_LIMIT_S)([(0, bad)], lambda *a: None)
    slow = net_cell("fig4", c=1.0, n_train=1000, steps=1000, **net)    # about 15 s
    t0 = time.monotonic()
    with pytest.raises(UVInputError, match="exceeded its time limit"):
        D.celery_runner(redis_url, time_limit=1)([(0, slow)], lambda *a: None)
    assert time.monotonic() - t0 < 60


def in_flight_on(client, keys: list, host: str):
    """A cell key that ``host`` has started and not finished (alive), or None."""
    for key in keys:
        start = client.get(D.START_KEY.format(key))
        if start and host_of(json.loads(start)["host"]) == host \
                and client.exists(D.ALIVE_KEY.format(key)) \
                and not client.exists(D.RESULT_KEY.format(key)):
            return key
    return None


def finished_by(client, keys: list, host: str) -> list:
    out = []
    for key in keys:
        raw = client.get(D.RESULT_KEY.format(key))
        if raw and host_of(json.loads(raw)["meta"]["host"]) == host:
            out.append(key)
    return out


def test_a_killed_worker_loses_no_finished_cell_and_its_cell_is_sent_again(
        workers, reference, redis_url, client):
    keys = fig4_plan(**FIG4).keys
    runner = D.celery_runner(redis_url, time_limit=CELL_LIMIT_S)
    box: dict = {}

    def run():
        try:
            box["result"] = result_dict(fig4(runner=runner, cache=runner.cache, **FIG4))
        except BaseException as err:  # noqa: BLE001  (reported by the assertion below)
            box["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + IN_FLIGHT_S
    victim = None
    while victim is None:
        assert time.monotonic() < deadline and thread.is_alive(), "worker A never ran a cell"
        if finished_by(client, keys, "cellsA"):
            victim = in_flight_on(client, keys, "cellsA")
        if victim is None:
            time.sleep(0.02)
    before = finished_by(client, keys, "cellsA")
    os.killpg(workers["A"]["proc"].pid, signal.SIGKILL)
    workers["A"]["proc"].wait(timeout=10)
    thread.join(RUN_S)
    assert not thread.is_alive(), "the experiment did not finish after the worker was killed"
    assert "error" not in box, box.get("error")
    assert_same(box["result"], reference)
    # the finished cells of the killed worker are still there, and were not run again
    assert before and set(before) <= set(finished_by(client, keys, "cellsA"))
    assert all(int(client.get(D.RUNS_KEY.format(k))) == 1 for k in before)
    # its in-flight cell ran again, on the other worker
    assert int(client.get(D.RUNS_KEY.format(victim))) >= 2
    assert host_of(json.loads(client.get(D.RESULT_KEY.format(victim)))["meta"]["host"]) \
        == "cellsB"
    assert all(client.exists(D.RESULT_KEY.format(k)) for k in keys)
