"""Job caps on the image's gunicorn command: 16 job starts, at most
JOBS_MAX_RUNNING computing at once, queued jobs told their position, the rest
refused in the view with the reason, the phase plane answering meanwhile."""

from __future__ import annotations

import json
import statistics
import threading
import time

import pytest

from app import ids

from .dashclient import (HttpDash, callback_body, eta_max_body, eta_max_summary, plane_key,
                         plane_values, poll_job, start_job)
from .image import run_image_command

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

CAPS = {"JOBS_MAX_RUNNING": "2", "JOBS_MAX_QUEUED": "4", "JOBS_PER_CLIENT": "2"}
#: A job of a few seconds: 60² starts × 20,000 steps.
JOB = {"grid": 60, "state": "eta=1.5&steps=20000"}
STARTS = 16
#: Seconds until every admitted job has finished.
ALL_DONE_S = 240
#: Seconds one phase-plane request may take while the jobs run (a hang is a failure).
REQUEST_S = 10.0


def poll_all(client: HttpDash, body: dict, handles: dict, seen: list, done: dict, name):
    """Poll one job to its end (its figure, or a refusal or failure in its
    summary), keeping every summary text it showed."""
    def finished(answer: dict) -> bool:
        text = eta_max_summary(answer)
        if text:
            seen.append(text)
        return ids.ETA_MAX_GRAPH in answer.get("response", {}) \
            or text.startswith(("Job refused", "Job failed"))

    answer = poll_job(client, body, handles, finished, ALL_DONE_S, poll_s=0.3)
    if answer is not None:
        done[name] = answer


def test_sixteen_starts_are_capped_queued_and_refused_visibly(tmp_path, server_env,
                                                             callback_map):
    body = eta_max_body(callback_map, JOB["grid"], JOB["state"])
    env = {"WEB_CONCURRENCY": "2", **CAPS}
    with run_image_command(tmp_path, env) as (base, _):
        pages = [HttpDash(base) for _ in range(STARTS - 1)]
        jobs = [(pages[0], start_job(pages[0], body)) for _ in range(3)]      # one page: 3 starts
        jobs += [(p, start_job(p, body)) for p in pages[1:STARTS - 2]]
        assert len(jobs) == STARTS
        seen: dict = {i: [] for i in range(STARTS)}
        done: dict = {}
        threads = [threading.Thread(target=poll_all, args=(c, body, h, seen[i], done, i))
                   for i, (c, h) in enumerate(jobs)]
        for t in threads:
            t.start()
        peak, latencies = 0, []
        probe = HttpDash(base)
        key = plane_key(callback_map)
        plane = callback_body(callback_map, key, plane_values(2.5),
                              changed=[f"{ids.input_id('eta')}.value"])
        while any(t.is_alive() for t in threads):
            status, _, h = probe.get("/healthz")
            peak = max(peak, json.loads(h)["jobs"]["running"])
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
    assert peak <= int(CAPS["JOBS_MAX_RUNNING"]), peak
    assert "this page has 2 jobs" in texts[2]                       # the third of page 0
    assert len(finished) == int(CAPS["JOBS_MAX_RUNNING"]) + int(CAPS["JOBS_MAX_QUEUED"])
    assert len(refused) == STARTS - len(finished)
    assert any("Queued:" in texts[i] for i in finished), texts
    lat = sorted(latencies)
    print(f"job caps: {len(finished)} ran (peak {peak} at once), {len(refused)} refused; "
          f"phase plane meanwhile p50 {1000 * statistics.median(lat):.0f} ms, "
          f"p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms over {len(lat)} requests")
