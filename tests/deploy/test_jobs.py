"""The η_max background job end to end against real servers: a real
redis-server and Celery worker, and the diskcache default with 3 gunicorn
workers (the result must be fetchable whichever worker answers the poll)."""

from __future__ import annotations

import json
import threading

import pytest
import redis

from app.core import ids

from .dashclient import HttpDash, callback_body
from .image import run_image_command

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Seconds one small η_max job may take end to end, polls included.
JOB_S = 60


#: A job long enough (tens of ms, dozens of progress updates) for polls to see its
#: progress: a poll reads progress before the result, and a job that ends inside
#: one poll's handling would show none.
LONG_JOB = "eta=1.5&steps=20000"


def job_body(callback_map, grid: int = 12, state: str = LONG_JOB) -> dict:
    key = next(k for k in callback_map if k.startswith(f"..{ids.ETA_MAX_GRAPH}.figure"))
    return callback_body(callback_map, key, {f"{ids.ETA_MAX_RUN}.n_clicks": 1,
                                             f"{ids.STATE}.data": state,
                                             f"{ids.ETA_MAX_GRID}.value": grid})


def check_answer(answer: dict, progress: list, grid: int) -> None:
    fig = answer["response"][ids.ETA_MAX_GRAPH]["figure"]
    heat = fig["data"][0]
    assert heat["type"] == "heatmap" and len(heat["x"]) == grid and len(heat["z"]) == grid
    assert any(v is not None for row in heat["z"] for v in row)
    text = answer["response"][ids.ETA_MAX_SUMMARY]["children"]
    assert "η_max" in text and "η_c = 2" in text
    final = progress[-1] if progress else answer.get("progress", {})
    assert final, "no progress was reported"
    assert int(final[f"{ids.ETA_MAX_PROGRESS}.value"]) <= int(final[f"{ids.ETA_MAX_PROGRESS}.max"])


def test_job_through_redis_and_a_celery_worker(tmp_path, server_env, redis_url, celery_worker,
                                               callback_map):
    env = {"CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url, "WEB_CONCURRENCY": "2"}
    with run_image_command(tmp_path, env) as (base, _):
        c = HttpDash(base)
        status, _, body = c.get("/healthz")
        assert json.loads(body)["cache"] == "RedisCache"
        answer, progress = c.background(job_body(callback_map, grid=14), timeout=JOB_S)
        check_answer(answer, progress, 14)
        # the bifurcation diagram fills the shared memo cache in Redis, as JSON
        # (the phase plane's millisecond layers stay in each worker's memory)
        key = next(k for k in callback_map if k.startswith(f"..{ids.BIFURCATION_GRAPH}.figure..."))
        status, _, _ = c.callback(callback_body(
            callback_map, key,
            {f"{ids.state_for(ids.BIFURCATION_TAB)}.data": "eta=1.7",
             f"{ids.VIEW_TABS}.value": ids.BIFURCATION_TAB,
             f"{ids.BIFURCATION_QUANTITY}.value": "lam",
             f"{ids.BIFURCATION_EOS_START}.value": "half-c",
             f"{ids.BIFURCATION_GUIDES}.value": ["guides"]},
            changed=[f"{ids.state_for(ids.BIFURCATION_TAB)}.data"]))
        assert status == 200
    log = celery_worker["log"].read_text()
    assert "succeeded" in log and "background_callback_" in log
    r = redis.Redis.from_url(redis_url)
    keys = r.keys("sharpness-lab:*")
    assert keys, "nothing memoized in Redis"
    values = [r.get(k) for k in keys[:50]]
    blobs = [v for v in values if v and v.startswith(b"!")]
    assert blobs and all(v[1:2] in (b"{", b"[", b'"') for v in blobs)   # JSON, never pickle
    for v in blobs:
        json.loads(v[1:])


def test_jobs_on_diskcache_with_three_gunicorn_workers(tmp_path, server_env, callback_map):
    """Three jobs at once on the image's command with 3 workers and the
    default diskcache manager, each polled to its end."""
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "3"}) as (base, _):
        results, errors = [], []

        def one(grid):
            try:
                c = HttpDash(base)
                results.append((grid, *c.background(job_body(callback_map, grid), JOB_S,
                                                    poll=0.01)))
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(g,)) for g in (24, 28, 32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(JOB_S + 30)
        assert not errors, errors
        assert len(results) == 3
        for grid, answer, progress in results:
            check_answer(answer, progress, grid)


def test_a_job_started_by_one_server_process_is_fetched_by_another(tmp_path, server_env,
                                                                    callback_map):
    """Which worker answers a poll is up to the kernel, so this is shown
    deterministically: two servers on the same JOBS_DIR and SECRET_KEY; the
    job is started on one and polled to its end on the other only."""
    env = {"WEB_CONCURRENCY": "1"}
    with run_image_command(tmp_path, env, log_path=tmp_path / "a.log") as (a, _), \
            run_image_command(tmp_path, env, log_path=tmp_path / "b.log") as (b, _):
        answer, progress = HttpDash(a).background(job_body(callback_map, 32), JOB_S, poll=0.01,
                                                   poll_with=HttpDash(b))
        check_answer(answer, progress, 32)
