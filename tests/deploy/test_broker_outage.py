"""A Redis outage in the middle of a job, against real servers on loopback.

One redis-server (broker, result backend and memo cache, as in the
deployment docs) on a fixed free port, a Celery worker started as the docs
start it (``--concurrency=2``, gossip, mingle and heartbeat on) and the
image's command.  A long η_max job runs; Redis is stopped (SIGTERM) for
:data:`OUTAGE_S` seconds and started again on the same port, empty (no
persistence).  During the outage polls answer 200 ("nothing yet"), never a
5xx; ``/healthz`` says ``degraded`` naming the broker; a new job start is
told in its view that it was not started.  After the restart the same worker
(same PID, no "Unrecoverable error") finishes the running job, whose result
reaches the page, ``/healthz`` says ``ok`` again and a new job runs to its
end.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis

from app.shell import celery_manager as cm
from app.core import ids

from .dashclient import HttpDash, eta_max_body, eta_max_summary, start_job
from ..redis_server import RedisServer
from .image import run_image_command
from .workers import celery_worker_cmd

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Seconds Redis stays down (well below app.shell.celery_manager.OUTAGE_S).
OUTAGE_S = 8.0
#: A job of several seconds: 120² starts × 20,000 steps.
LONG_JOB = {"grid": 120, "state": "eta=1.5&steps=20000"}
#: Seconds one poll or job start may take during the outage.
REQUEST_S = 5.0
#: Seconds, after Redis is back, until /healthz is ok and the worker is connected.
RECOVER_S = 60.0
#: Seconds, after Redis is back, until the job that ran through the outage delivers.
RESULT_S = 180.0
#: Seconds a small job may take end to end once everything is back.
JOB_S = 60.0
POLL_S = 0.25


@pytest.fixture
def redis_server(tmp_path):
    d = tmp_path / "redis"
    d.mkdir()
    server = RedisServer(d)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(redis_server, numba_cache, tmp_path):
    with celery_worker_cmd(redis_server.url, numba_cache, tmp_path / "celery") as w:
        yield w


def timed(fn, *args, **kwargs):
    t0 = time.monotonic()
    out = fn(*args, **kwargs)
    return out, time.monotonic() - t0


def poll_once(client: HttpDash, body: dict, handles: dict):
    """(status, answer or None, seconds) of one poll."""
    (status, _, data), took = timed(client.callback, body, cacheKey=handles["cacheKey"],
                                    job=handles["job"])
    answer = json.loads(data) if status == 200 and data else None
    return status, answer, took


def poll_until(client: HttpDash, body: dict, handles: dict, key: str, timeout: float) -> dict:
    """Poll until an answer has ``key``; every poll on the way answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, answer, _ = poll_once(client, body, handles)
        assert status == 200, status
        if key in answer:
            return answer
        time.sleep(POLL_S)
    raise AssertionError(f"no {key!r} within {timeout} s")


def health(client: HttpDash) -> dict:
    status, _, body = client.get("/healthz")
    assert status == 200, (status, body[:300])
    return json.loads(body)


def server_errors(log_path: Path) -> list:
    """Access-log lines of requests answered with a 5xx."""
    bad = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"status"' in line:
            try:
                if int(json.loads(line).get("status", 0)) >= 500:
                    bad.append(line)
            except (ValueError, TypeError, AttributeError):
                pass
    return bad


def worker_alive(worker) -> None:
    assert worker["proc"].poll() is None, \
        "the worker exited:\n" + worker["log"].read_text()[-3000:]


def ride_out(c: HttpDash, redis_server, worker, long_body, long_job, small_body) -> dict:
    """Redis stopped for OUTAGE_S: every poll answers 200 with nothing yet,
    /healthz turns degraded naming the broker, a new start is told it was
    not started, and the worker stays up."""
    redis_server.stop()
    t_down = time.monotonic()
    polls, slowest, seen_health, refused = [], 0.0, None, None
    while time.monotonic() - t_down < OUTAGE_S:
        status, answer, took = poll_once(c, long_body, long_job)
        polls.append(status)
        slowest = max(slowest, took)
        assert status == 200, f"poll during the outage answered {status}"
        assert "response" not in answer, answer      # nothing yet: the page polls on
        if seen_health is None or seen_health["status"] != "degraded":
            seen_health = health(c)        # its probes run at most once a second
        if refused is None:
            (st, _, data), start_s = timed(c.callback, small_body)
            assert st == 200, (st, data[:300])
            st, answer, _ = poll_once(c, small_body, json.loads(data))
            assert st == 200 and "response" in answer, (st, answer)
            refused = (eta_max_summary(answer), start_s)
        worker_alive(worker)
        time.sleep(POLL_S)
    assert seen_health["status"] == "degraded", seen_health
    assert any("broker" in p and redis_server.url.rsplit("/", 1)[0] in p
               for p in seen_health["problems"]), seen_health
    assert refused[0].startswith("Job failed: the job was not started") \
        and "broker" in refused[0] and "unreachable" in refused[0], refused
    assert refused[1] < REQUEST_S, f"a job start took {refused[1]:.1f} s during the outage"
    assert slowest < REQUEST_S, f"a poll took {slowest:.1f} s during the outage"
    return {"t_down": t_down, "polls": len(polls), "slowest": slowest, "refused": refused}


def recover(c: HttpDash, redis_server, worker, long_body, long_job, small_body) -> dict:
    """Redis back, empty: /healthz ok, the same worker reconnected, the job
    that ran through the outage delivers and a new job runs."""
    redis_server.start()
    t_up = time.monotonic()
    deadline = t_up + RECOVER_S
    while health(c)["status"] != "ok":
        assert time.monotonic() < deadline, health(c)
        time.sleep(POLL_S)
    healthy_s = time.monotonic() - t_up
    while worker["log"].read_text(errors="replace").count("Connected to") < 2:
        worker_alive(worker)
        assert time.monotonic() < deadline, "the worker did not reconnect"
        time.sleep(POLL_S)
    reconnect_s = time.monotonic() - t_up
    answer = poll_until(c, long_body, long_job, "response", RESULT_S)
    result_s = time.monotonic() - t_up
    heat = answer["response"][ids.ETA_MAX_GRAPH]["figure"]["data"][0]
    assert heat["type"] == "heatmap" and len(heat["z"]) == LONG_JOB["grid"]
    assert "η_max" in eta_max_summary(answer), eta_max_summary(answer)
    t0 = time.monotonic()
    answer, _ = c.background(small_body, timeout=JOB_S, poll=POLL_S)
    new_job_s = time.monotonic() - t0
    assert "η_max" in eta_max_summary(answer), eta_max_summary(answer)
    assert len(answer["response"][ids.ETA_MAX_GRAPH]["figure"]["data"][0]["z"]) == 12
    return {"t_up": t_up, "healthy_s": healthy_s, "reconnect_s": reconnect_s,
            "result_s": result_s, "new_job_s": new_job_s}


def test_jobs_ride_out_a_redis_outage(tmp_path, server_env, redis_server, worker, callback_map):
    long_body = eta_max_body(callback_map, LONG_JOB["grid"], LONG_JOB["state"])
    small_body = eta_max_body(callback_map, 12, "eta=1.5&steps=2000")
    env = {"CELERY_BROKER_URL": redis_server.url, "REDIS_URL": redis_server.url,
           "WEB_CONCURRENCY": "2"}
    server_log = tmp_path / "server.log"
    with run_image_command(tmp_path, env, log_path=server_log) as (base, _):
        c = HttpDash(base)
        assert health(c)["status"] == "ok"
        long_job = start_job(c, long_body)
        poll_until(c, long_body, long_job, "progress", 60)      # it runs on the worker
        task_id = long_job["job"].rpartition("~")[0]
        r = redis.Redis.from_url(redis_server.url)
        assert r.exists(cm.SENT_KEY.format(task_id), cm.ALIVE_KEY.format(task_id)) == 2
        r.close()
        down = ride_out(c, redis_server, worker, long_body, long_job, small_body)
        up = recover(c, redis_server, worker, long_body, long_job, small_body)
    log = worker["log"].read_text(errors="replace")
    worker_alive(worker)
    assert "Unrecoverable error" not in log, log[-5000:]
    assert server_errors(server_log) == []
    refused = down["refused"]
    print(f"redis outage: down {up['t_up'] - down['t_down']:.1f} s; {down['polls']} polls "
          f"meanwhile, all 200, slowest {down['slowest']:.2f} s; a job start meanwhile "
          f"answered in {refused[1]:.2f} s: {refused[0]!r}; after the restart: the job that "
          f"ran through the outage delivered in {up['result_s']:.1f} s, /healthz ok in "
          f"{up['healthy_s']:.1f} s, the worker reconnected in {up['reconnect_s']:.1f} s, a new "
          f"job ran in {up['new_job_s']:.1f} s; same worker PID {worker['proc'].pid}")


def test_the_manager_never_raises_and_bounds_the_wait(redis_server, monkeypatch):
    """LabCeleryManager on its own against the real Redis.  Known losses are
    reported: a task Celery marked failed, a job Redis no longer knows (after
    VANISHED_S), a start that could not be sent.  With Redis stopped every
    method answers at once, polls say "nothing yet" until the outage outlasts
    OUTAGE_S, and then the job is reported lost."""
    from celery import Celery

    app = Celery("outage-test", broker=redis_server.url, backend=redis_server.url)
    app.conf.update(redis_socket_timeout=2, redis_socket_connect_timeout=2)
    m = cm.LabCeleryManager(app)
    monkeypatch.setattr(cm.LabCeleryManager, "_problem",
                        staticmethod(lambda fallback: "Celery broker … is unreachable"))
    undefined = m.UNDEFINED

    # a task Celery marked failed, without a result: known lost
    app.backend.mark_as_failure("failed-task", RuntimeError("boom"))
    err = m.get_result("no-result-key", "failed-task")["background_callback_error"]
    assert err["msg"] == ("the job stopped without a result: its Celery task failed "
                          "(RuntimeError: boom); see the worker's log"), err
    # a job Redis no longer knows (restarted empty) and no worker marks alive:
    # nothing yet, then lost once that has lasted VANISHED_S; with its start
    # record or an alive mark, nothing yet
    assert m.get_result("no-result-key", "vanished-task") is undefined
    m._missing["vanished-task"] -= cm.VANISHED_S
    err = m.get_result("no-result-key", "vanished-task")["background_callback_error"]
    assert err["msg"] == ("the job stopped without a result: Redis no longer knows it "
                          "(restarted without its data?) and no worker has run it for "
                          f"{cm.VANISHED_S} s"), err
    r = redis.Redis.from_url(redis_server.url)
    r.set(cm.SENT_KEY.format("queued-task"), 1)
    r.set(cm.ALIVE_KEY.format("running-task"), 1)
    r.close()
    for job in ("queued-task", "running-task"):
        m._missing[job] = time.monotonic() - cm.VANISHED_S
        assert m.get_result("no-result-key", job) is undefined
        assert job not in m._missing

    # a start that could not be sent, and its first poll
    job = m.call_job_fn("key", None, [], {})
    assert job.startswith(cm.UNSENT_PREFIX) and not m.job_running(job)
    err = m.get_result("key", job)["background_callback_error"]
    assert err["msg"] == "the job was not started: Celery broker … is unreachable", err

    redis_server.stop()
    t0 = time.monotonic()
    assert m.get_progress("key") is None
    assert m.get_updated_props("key") == {}
    assert m.result_ready("key") is False
    assert m.get_result("key", "running-task") is undefined              # nothing yet
    assert m.job_running("running-task") is True                          # the page polls on
    m.terminate_job("running-task")                                       # lost, not raised
    assert time.monotonic() - t0 < REQUEST_S
    m._down_since -= cm.OUTAGE_S + 1                                      # the outage outlasts it
    err = m.get_result("key", "running-task")["background_callback_error"]
    assert err["msg"].startswith("the job is lost: the result backend has been unreachable for "
                                 f"{cm.OUTAGE_S + 1} s (longer than {cm.OUTAGE_S} s)"), err
    assert m.job_running("running-task") is False

    redis_server.start()
    assert m.get_result("key", "running-task") is undefined and m._down_since is None
