"""Job caps on the image's gunicorn command, with jobs in diskcache and on
Celery workers: 16 job starts, at most JOBS_MAX_RUNNING computing at once,
queued jobs told their position, the rest refused in the view with the
reason, the phase plane answering meanwhile."""

from __future__ import annotations

import json
import statistics
import threading
import time

import pytest
import redis

from app.core import ids

from .dashclient import (HttpDash, callback_body, eta_max_body, eta_max_summary, plane_key,
                         plane_values, poll_job, start_job)
from .image import run_image_command
from .workers import celery_worker_cmd

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

CAPS = {"JOBS_MAX_RUNNING": "2", "JOBS_MAX_QUEUED": "4", "JOBS_PER_CLIENT": "2"}
#: A job of a few seconds: 60² starts × 20,000 steps.
JOB = {"grid": 60, "state": "eta=1.5&steps=20000"}
STARTS = 16
#: Seconds until every admitted job has finished.
ALL_DONE_S = 240
#: Seconds one phase-plane request may take while the jobs run (a hang is a failure).
REQUEST_S = 10.0


def poll_all(client: HttpDash, body: dict, handles: dict, seen: list, done: dict, name,
             computing: list):
    """Poll one job to its end (its figure, or a refusal or failure in its
    summary), keeping every summary text it showed and the times its polls
    saw, with its progress value (None: none)."""
    def finished(answer: dict) -> bool:
        computing.append((time.monotonic(), json.dumps(answer.get("progress"))
                          if "progress" in answer else None))
        text = eta_max_summary(answer)
        if text:
            seen.append(text)
        return ids.ETA_MAX_GRAPH in answer.get("response", {}) \
            or text.startswith(("Job refused", "Job failed"))

    answer = poll_job(client, body, handles, finished, ALL_DONE_S, poll_s=0.3)
    if answer is not None:
        done[name] = answer


def computing_span(polls: list):
    """A time span inside the time a job computed, from its polls' (end time,
    progress) pairs, or None.  It starts when a poll has seen progress (it
    was written after the job began); it ends at the end of the poll before
    the one that saw the old progress value last (the new value was written
    after that read, while the job still computed)."""
    seen = [i for i, (_, v) in enumerate(polls) if v is not None]
    changes = [i for i in seen[1:] if polls[i - 1][1] is not None and polls[i][1] != polls[i - 1][1]]
    if not seen or not changes or changes[-1] < 2:
        return None
    start, end = polls[seen[0]][0], polls[changes[-1] - 2][0]
    return (start, end) if end > start else None


def most_at_once(spans: list) -> int:
    """The largest number of (start, end) spans that overlap at one time."""
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans],
                    key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def start_sixteen(base: str, body: dict) -> list:
    """16 starts: 3 from one page, one from each of 13 others."""
    pages = [HttpDash(base) for _ in range(STARTS - 1)]
    jobs = [(pages[0], start_job(pages[0], body)) for _ in range(3)]      # one page: 3 starts
    jobs += [(p, start_job(p, body)) for p in pages[1:STARTS - 2]]
    assert len(jobs) == STARTS
    return jobs


def run_sixteen(base: str, callback_map) -> dict:
    """Start 16 jobs, poll each to its end while probing the phase plane, and
    check the caps.  How many computed at once is told by the jobs' own
    progress reports (:func:`computing_span`), not by the server's record:
    no more than the cap of those spans may overlap."""
    body = eta_max_body(callback_map, JOB["grid"], JOB["state"])
    jobs = start_sixteen(base, body)
    seen: dict = {i: [] for i in range(STARTS)}
    computing: dict = {i: [] for i in range(STARTS)}
    done: dict = {}
    threads = [threading.Thread(target=poll_all,
                                args=(c, body, h, seen[i], done, i, computing[i]))
               for i, (c, h) in enumerate(jobs)]
    for t in threads:
        t.start()
    latencies = []
    probe = HttpDash(base)
    plane = callback_body(callback_map, plane_key(callback_map), plane_values(2.5),
                          changed=[f"{ids.input_id('eta')}.value"])
    while any(t.is_alive() for t in threads):
        t0 = time.monotonic()
        status, _, _ = probe.callback(plane)
        latencies.append(time.monotonic() - t0)
        assert status == 200 and latencies[-1] < REQUEST_S
        time.sleep(0.2)
    for t in threads:
        t.join()
    texts = {i: " ".join(v) for i, v in seen.items()}
    finished = [i for i, a in done.items() if ids.ETA_MAX_GRAPH in a.get("response", {})]
    refused = [i for i, t in texts.items() if "Job refused" in t]
    assert len(done) == STARTS, "a job start was dropped silently"
    spans = [sp for sp in map(computing_span, computing.values()) if sp]
    peak = most_at_once(spans)
    assert len(spans) >= len(finished) // 2, "too few progress reports to count with"
    assert 1 <= peak <= int(CAPS["JOBS_MAX_RUNNING"]), (peak, spans)
    assert "this page has 2 jobs" in texts[2]                       # the third of page 0
    assert len(finished) == int(CAPS["JOBS_MAX_RUNNING"]) + int(CAPS["JOBS_MAX_QUEUED"])
    assert len(refused) == STARTS - len(finished)
    assert any("Queued:" in texts[i] for i in finished), texts
    lat = sorted(latencies)
    return {"finished": len(finished), "refused": len(refused), "peak": peak,
            "p50": 1000 * statistics.median(lat), "p95": 1000 * lat[int(0.95 * (len(lat) - 1))],
            "n": len(lat)}


def report(path: str, r: dict) -> None:
    print(f"job caps ({path}): {r['finished']} ran (peak {r['peak']} at once), {r['refused']} "
          f"refused; phase plane meanwhile p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms "
          f"over {r['n']} requests")


def test_sixteen_starts_are_capped_queued_and_refused_visibly(tmp_path, server_env,
                                                             callback_map):
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "2", **CAPS}) as (base, _):
        report("diskcache", run_sixteen(base, callback_map))


def test_sixteen_starts_are_capped_on_celery_workers(tmp_path, server_env, redis_url,
                                                     numba_cache, callback_map):
    """Four worker processes, so the cap, not the pool, is what limits."""
    env = {"CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url, "WEB_CONCURRENCY": "2",
           **CAPS}
    redis.Redis.from_url(redis_url).flushdb()
    with celery_worker_cmd(redis_url, numba_cache, tmp_path / "celery",
                           options=("--concurrency=4",)), \
            run_image_command(tmp_path, env) as (base, _):
        result = run_sixteen(base, callback_map)
        health = json.loads(HttpDash(base).get("/healthz")[2])
    assert health["jobs"]["max_running"] == int(CAPS["JOBS_MAX_RUNNING"]), health
    report("celery", result)
