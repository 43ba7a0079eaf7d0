"""Real servers for the deployment tests: redis-server, a Celery worker and the
image's gunicorn command, each on a free loopback port, started and stopped here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .image import REPO
from .workers import celery_worker_cmd

#: Numba cache shared by the servers of a test run, warmed once exactly as the
#: Dockerfile does (generic CPU), so each gunicorn worker starts in seconds.
NUMBA_CACHE = REPO / ".cache" / "numba-generic"


@pytest.fixture(scope="session")
def numba_cache():
    env = {**os.environ, "NUMBA_CACHE_DIR": str(NUMBA_CACHE), "NUMBA_CPU_NAME": "generic",
           "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", "import uvcore; uvcore.warmup()"], cwd=REPO, env=env,
                   check=True, timeout=600)
    return str(NUMBA_CACHE)


@pytest.fixture(scope="session")
def callback_map():
    """The app's callbacks (as the renderer addresses them), with the cancel
    callbacks Dash adds at its first request."""
    from app import create_app
    dash_app = create_app({"warmup": False})
    dash_app.server.test_client().get("/")
    return dash_app.callback_map


@pytest.fixture
def server_env(numba_cache, monkeypatch):
    """Environment for run_image_command: the warm numba cache."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", numba_cache)
    return {}


@pytest.fixture(scope="module")
def celery_worker(redis_url, numba_cache, tmp_path_factory):
    """``celery -A app.celery_app worker`` against the test Redis, until it is ready."""
    d = tmp_path_factory.mktemp("celery") / "worker"
    with celery_worker_cmd(redis_url, numba_cache, d,
                           options=("--concurrency=1", "--without-gossip", "--without-mingle",
                                    "--without-heartbeat")) as worker:
        yield worker
