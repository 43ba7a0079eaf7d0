"""A real redis-server on a free loopback port, for the tests that need one
(the Celery job queue, the deployment tests): started, stopped, started again."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis

from .deploy.image import free_port, stop

#: Seconds redis-server may take to answer its first PING.
START_S = 60


class RedisServer:
    """A redis-server on a fixed loopback port that can be stopped and started again."""

    def __init__(self, directory: Path):
        self.exe = shutil.which("redis-server")
        if self.exe is None:
            pytest.fail("redis-server is not installed: run the tests through `bash .ci/test`")
        self.dir = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.dir / "redis.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "yes",
             "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1,
                             socket_connect_timeout=1)
        deadline = time.monotonic() + START_S
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.exceptions.ConnectionError:
                    if time.monotonic() > deadline or self.proc.poll() is not None:
                        self.stop()
                        raise
                    time.sleep(0.1)
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=10)           # SIGTERM, then SIGKILL
            self.proc = None
