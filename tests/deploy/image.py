"""The Docker image's command and environment, read from the Dockerfile.

There is no Docker engine on the CI machine, so the tests and the load
benchmark run the image's exact ``CMD`` with the image's ``ENV`` on the host
(directories moved to a temporary folder, HOST/PORT to a free loopback port).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
#: Seconds a fresh gunicorn may take to answer /healthz (imports, numba cache load).
STARTUP_S = 120
#: Variables of the image whose value is a directory of the container.
DIR_VARS = ("XDG_CACHE_HOME", "JOBS_DIR", "CACHE_DIR", "NUMBA_CACHE_DIR")


def _instructions(text: str):
    """(keyword, argument) pairs of the last stage, continuation lines joined."""
    lines, buf = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        lines.append(buf + line)
        buf = ""
    out = []
    for line in lines:
        kw, _, arg = line.strip().partition(" ")
        if kw.upper() == "FROM":
            out = []                       # only the final (runtime) stage counts
        out.append((kw.upper(), arg.strip()))
    return out


def image_env() -> dict:
    env = {}
    for kw, arg in _instructions(DOCKERFILE.read_text()):
        if kw == "ENV":
            for item in shlex.split(arg):
                k, _, v = item.partition("=")
                env[k] = v.replace("$PATH", os.environ.get("PATH", ""))
    return env


def image_cmd() -> list:
    cmds = [json.loads(arg) for kw, arg in _instructions(DOCKERFILE.read_text()) if kw == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    return cmds[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen | None = None,
                 timeout: float = STARTUP_S, poll_s: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base}/healthz did not answer within {timeout} s")
        time.sleep(poll_s)


@contextlib.contextmanager
def run_image_command(tmp: Path, extra_env: dict | None = None, log_path: Path | None = None):
    """Start the image's CMD with the image's ENV on a free loopback port.

    Yields (base URL, Popen).  Container directories are mapped into ``tmp``;
    NUMBA_CACHE_DIR keeps the host's cache when one is set (warm start).
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CELERY_", "REDIS_", "CACHE_", "JOBS_", "DASH_"))}
    env.update(image_env())
    for var in DIR_VARS:
        env[var] = str(tmp / var.lower())
    if os.environ.get("NUMBA_CACHE_DIR"):
        env["NUMBA_CACHE_DIR"] = os.environ["NUMBA_CACHE_DIR"]
    env["HOST"] = "127.0.0.1"
    env["PORT"] = str(free_port())
    env.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdef")
    env["PYTHONPATH"] = str(REPO)
    env.update(extra_env or {})
    cmd = image_cmd()
    log = open(log_path or tmp / "server.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_healthy(base, proc)
        yield base, proc
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group we started, then SIGKILL if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
