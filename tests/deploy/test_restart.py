"""Restarts and worker settings of the image's gunicorn command on loopback:
a restart during a long background job, and THREADS > 1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import psutil
import pytest

from app.core import ids

from .dashclient import HttpDash, eta_max_body, poll_job
from .image import REPO, free_port, image_cmd, image_env, run_image_command

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: A job of several seconds here: 120² starts × 20,000 steps (about half the cap).
LONG_JOB = {"grid": 120, "state": "eta=1.5&steps=20000"}
#: Seconds the first server may take to exit after SIGTERM (GRACEFUL_TIMEOUT=1).
EXIT_S = 30
#: Seconds until the job's result must be there, served by the new server.
RESULT_S = 180


def listening(port: int) -> list:
    """PIDs with a listening TCP socket on ``port``."""
    return [c.pid for c in psutil.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port]


def poll(client: HttpDash, body: dict, handles: dict, until: str, timeout: float) -> dict:
    """Poll a job until its answer has ``until`` ("progress" or "response")."""
    answer = poll_job(client, body, handles, lambda a: until in a, timeout, poll_s=0.25)
    assert answer is not None, f"no {until} within {timeout} s"
    return answer


def test_threads_above_one_is_refused_at_start_with_one_line(tmp_path):
    env = {**os.environ, **image_env(), "THREADS": "4", "PORT": str(free_port()),
           "HOST": "127.0.0.1", "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
           "PYTHONPATH": str(REPO)}
    for var in ("XDG_CACHE_HOME", "JOBS_DIR", "CACHE_DIR", "NUMBA_CACHE_DIR"):
        env[var] = str(tmp_path / var.lower())
    proc = subprocess.run(image_cmd(), cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gunicorn_conf: THREADS=4 is refused"), \
        proc.stderr


def test_restart_during_a_long_job_serves_again_and_keeps_its_result(tmp_path, server_env,
                                                                   callback_map):
    port = free_port()
    env = {"WEB_CONCURRENCY": "1", "GRACEFUL_TIMEOUT": "1", "PORT": str(port)}
    body = eta_max_body(callback_map, LONG_JOB["grid"], LONG_JOB["state"])
    with run_image_command(tmp_path, env, log_path=tmp_path / "first.log") as (base, proc):
        first = HttpDash(base)
        first.load_page()
        status, _, data = first.callback(body)
        assert status == 200, data[:300]
        handles = json.loads(data)
        poll(first, body, handles, "progress", 60)             # the job is running
        workers = psutil.Process(proc.pid).children()
        jobs = [c for w in workers for c in w.children(recursive=True)]
        assert jobs, "no job process"
        proc.send_signal(signal.SIGTERM)                        # a restart, as systemd does
        proc.wait(timeout=EXIT_S)
        assert any(j.is_running() for j in jobs), "the job did not outlive its server"
        assert listening(port) == [], "a job process still holds the port"
    t0 = time.monotonic()
    with run_image_command(tmp_path, env, log_path=tmp_path / "second.log") as (base, _):
        restart_s = time.monotonic() - t0
        second = HttpDash(base)
        second.end_id = first.end_id            # the same page, polling on after the restart
        answer = poll(second, body, handles, "response", RESULT_S)
    heat = answer["response"][ids.ETA_MAX_GRAPH]["figure"]["data"][0]
    assert heat["type"] == "heatmap" and len(heat["z"]) == LONG_JOB["grid"]
    print(f"restart during a job: serving again {restart_s:.2f} s after the old server exited")
