"""Real servers for the deployment tests: redis-server, a Celery worker and the
image's gunicorn command, each on a free loopback port, started and stopped here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from .image import REPO, free_port, stop

#: Numba cache shared by the servers of a test run, warmed once exactly as the
#: Dockerfile does (generic CPU), so each gunicorn worker starts in seconds.
NUMBA_CACHE = REPO / ".cache" / "numba-generic"
SERVICE_START_S = 60


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
def redis_url(tmp_path_factory):
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed: run the tests through `bash .ci/test`")
    port = free_port()
    d = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(d),
                             "--protected-mode", "yes", "--maxmemory", "256mb",
                             "--maxmemory-policy", "allkeys-lru"],
                            stdout=open(d / "redis.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)
    import redis
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + SERVICE_START_S
    while True:
        try:
            if client.ping():
                break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                stop(proc)
                raise
            time.sleep(0.2)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    stop(proc)


@pytest.fixture(scope="module")
def celery_worker(redis_url, numba_cache, tmp_path_factory):
    """``celery -A app.celery_app worker`` against the test Redis, until it is ready."""
    d = tmp_path_factory.mktemp("celery")
    log_path = d / "worker.log"
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url,
           "NUMBA_CACHE_DIR": numba_cache, "NUMBA_CPU_NAME": "generic",
           "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
           "XDG_CACHE_HOME": str(d / "xdg"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.celery_app", "worker",
                             "--loglevel=INFO", "--concurrency=1", "--without-gossip",
                             "--without-mingle", "--without-heartbeat"],
                            cwd=REPO, env=env, stdout=open(log_path, "wb"),  # noqa: SIM115
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + SERVICE_START_S
    while b"ready." not in log_path.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            pytest.fail("celery worker did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.3)
    yield {"log": log_path, "env": env}
    stop(proc)
