"""A Celery worker started as the deployment docs start it, for the tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .image import REPO, stop

#: Seconds a worker may take to be ready.
START_S = 60


@contextlib.contextmanager
def celery_worker_cmd(redis_url: str, numba_cache: str, d: Path, extra_env: dict | None = None,
                      options: tuple = ("--concurrency=2",)):
    """The docs' worker command against ``redis_url`` (with ``options``), from
    ready to stopped; yields ``{"proc", "log", "env"}``."""
    d.mkdir()
    log_path = d / "worker.log"
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url,
           "NUMBA_CACHE_DIR": numba_cache, "NUMBA_CPU_NAME": "generic",
           "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
           "XDG_CACHE_HOME": str(d / "xdg"), "PYTHONPATH": str(REPO), **(extra_env or {})}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.celery_app",
                                 "worker", "--loglevel=INFO", *options],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + START_S
        while b"ready." not in log_path.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("celery worker did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
        yield {"proc": proc, "log": log_path, "env": env}
    finally:
        stop(proc)
