"""Background jobs under faults and hostile clients, on the image's gunicorn
command (diskcache jobs): own result slots, handles useless to other pages,
a replayed handle after PID reuse, full and read-only disks.

The disk tests mount a small tmpfs and read-only bind mounts inside the test's
temporary directory, and the PID test steers the kernel's next PID through
``/proc/sys/kernel/ns_last_pid``: they need root, which CI has.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time

import psutil
import pytest

from app.core import ids

from .dashclient import (HttpDash, callback_body, eta_max_body, eta_max_summary, poll_job,
                         start_job, wait_health)
from .image import REPO, free_port, image_cmd, image_env, run_image_command

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Seconds a small job may take, polls included.
JOB_S = 60
#: Size of the "full disk" (the issue's reproduction used 3 MiB).
TMPFS_SIZE = "3m"
SECRET = "test-only-secret-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def need_root():
    if os.geteuid() != 0:
        pytest.fail("these tests mount file systems and set ns_last_pid: run them as root (CI does)")


def start(client: HttpDash, body: dict) -> dict:
    return start_job(client, body)


def finish(client: HttpDash, body: dict, handles: dict, timeout: float = JOB_S) -> dict | None:
    """The final answer (with ``response`` or ``sideUpdate``), or None when
    every poll answered 204 until ``timeout``."""
    return poll_job(client, body, handles, lambda a: "response" in a or "sideUpdate" in a,
                    timeout)


@contextlib.contextmanager
def mounted(*args: str, target):
    subprocess.run(["mount", *args, str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@contextlib.contextmanager
def read_only(directory):
    """``directory`` as a read-only bind mount of itself, for the block's time."""
    subprocess.run(["mount", "--bind", str(directory), str(directory)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(directory)], check=True)
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def test_same_inputs_get_their_own_results_and_handles_are_per_page(tmp_path, server_env,
                                                                     callback_map):
    body = eta_max_body(callback_map, grid=12)
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "2"}) as (base, _):
        for _trial in range(5):
            a, b = HttpDash(base), HttpDash(base)
            ha = start(a, body)
            time.sleep(0.2)
            hb = start(b, body)
            answers = {}
            threads = [threading.Thread(target=lambda n, c, h: answers.__setitem__(
                n, finish(c, body, h)), args=(n, c, h)) for n, c, h in
                (("a", a, ha), ("b", b, hb))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert answers["a"] and "response" in answers["a"], "first user lost the result"
            assert answers["b"] and "response" in answers["b"], "second user lost the result"
        # another page (its own signed end_id) holding a's handles reads nothing
        a, thief = HttpDash(base), HttpDash(base)
        ha = start(a, body)
        thief.load_page()
        assert finish(thief, body, ha, timeout=5) is None
        assert "response" in finish(a, body, ha)


def take_over_pid(target: int, tries: int = 20) -> subprocess.Popen:
    """A ``sleep`` whose PID is ``target``, through ``ns_last_pid`` (root)."""
    for _ in range(tries):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(target - 1))
        proc = subprocess.Popen(["sleep", "60"])
        if proc.pid == target:
            return proc
        proc.kill()
        proc.wait()
    raise AssertionError(f"could not take over PID {target}")


def test_a_replayed_handle_does_not_kill_a_process_that_reuses_the_pid(tmp_path, server_env,
                                                                        callback_map):
    body = eta_max_body(callback_map)
    cancel = callback_body(callback_map, f"{ids.ETA_MAX_CANCEL}.id",
                           {f"{ids.ETA_MAX_CANCEL}.n_clicks": 1})
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1"}) as (base, _):
        c = HttpDash(base)
        handles = start(c, body)
        assert "response" in finish(c, body, handles)
        job_pid = int(handles["job"].partition("~")[0])        # the signed value is the PID
        deadline = time.monotonic() + 10
        while psutil.pid_exists(job_pid) and time.monotonic() < deadline:
            time.sleep(0.05)                                   # the finished job is reaped
        victim = take_over_pid(job_pid)
        try:
            # replay, as a browser of that page would send them: a cancel, an old
            # job to supersede, a poll; each used to SIGKILL whatever had the PID
            for query in ({"cancelJob": handles["job"]}, {"oldJob": handles["job"]},
                          {"cacheKey": handles["cacheKey"], "job": handles["job"]}):
                status, _, data = c.callback(cancel if "cancelJob" in query else body, **query)
                assert status in (200, 204), (query, data[:200])
            time.sleep(0.5)
            assert victim.poll() is None, "a replayed handle killed an unrelated process"
        finally:
            victim.kill()
            victim.wait()
        # and a running job is still cancelled by its own handle
        long_body = eta_max_body(callback_map, grid=120, state="eta=1.5&steps=20000")
        handles = start(c, long_body)
        job_pid = int(handles["job"].partition("~")[0])
        assert psutil.pid_exists(job_pid)
        status, _, _ = c.callback(cancel, cancelJob=handles["job"])
        assert status in (200, 204)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and psutil.pid_exists(job_pid) \
                and psutil.Process(job_pid).status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.05)
        assert not psutil.pid_exists(job_pid) \
            or psutil.Process(job_pid).status() == psutil.STATUS_ZOMBIE, "cancel did not stop the job"


def test_full_job_disk_is_reported_by_the_view_and_healthz(tmp_path, server_env, callback_map):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    with mounted("-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", target=jobs):
        with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1",
                                          "JOBS_DIR": str(jobs)}) as (base, _):
            c = HttpDash(base)
            wait_health(c, "ok")
            filler = jobs / "filler"
            with open(filler, "wb") as f, contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            h = wait_health(c, "degraded")
            assert any("JOBS_DIR" in p and "No space left" in p for p in h["problems"]), h
            answer = finish(c, eta_max_body(callback_map), start(c, eta_max_body(callback_map)))
            assert answer is not None, "the failed job was silent"
            text = eta_max_summary(answer)
            assert text.startswith("Job failed:") and "No space left" in text, answer
            filler.unlink()
            wait_health(c, "ok")
            assert "response" in finish(c, eta_max_body(callback_map),
                                        start(c, eta_max_body(callback_map)))


def test_read_only_job_disk_at_run_time_is_reported(tmp_path, server_env, callback_map):
    jobs = tmp_path / "jobs"
    jobs.mkdir(mode=0o700)
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1", "JOBS_DIR": str(jobs)}) as (base, _):
        c = HttpDash(base)
        c.load_page()
        wait_health(c, "ok")
        with read_only(jobs):
            h = wait_health(c, "degraded")
            assert any("Read-only" in p for p in h["problems"]), h
            answer = finish(c, eta_max_body(callback_map), start(c, eta_max_body(callback_map)))
            assert answer is not None, "the failed job was silent"
            assert eta_max_summary(answer).startswith("Job failed:"), answer
        wait_health(c, "ok")


@pytest.mark.parametrize("var", ["JOBS_DIR", "CACHE_DIR"])
def test_read_only_directory_at_start_is_one_line_naming_it(tmp_path, var):
    d = tmp_path / "ro"
    d.mkdir(mode=0o700)
    env = {**os.environ, **image_env(), "PORT": str(free_port()), "HOST": "127.0.0.1",
           "SECRET_KEY": SECRET, "PYTHONPATH": str(REPO), "WEB_CONCURRENCY": "1"}
    for v in ("XDG_CACHE_HOME", "JOBS_DIR", "CACHE_DIR", "NUMBA_CACHE_DIR"):
        env[v] = str(tmp_path / v.lower())
    env.update({k: os.environ[k] for k in ("NUMBA_CACHE_DIR",) if k in os.environ})
    env[var] = str(d)
    with read_only(d):
        proc = subprocess.run(image_cmd(), cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"sharpness-lab: {var} {d} is not writable: Read-only file system" in out, out[-2000:]
    assert "Traceback" not in out, out[-3000:]
