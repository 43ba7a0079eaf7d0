"""Shared pytest configuration: hypothesis profile and the browser launch."""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

# Numba compiles on first call; the first example of a property test may pay
# for it, so no per-example deadline.
settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

#: Flags that keep Chromium quiet on a machine without internet.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Point Playwright at Debian's Chromium (it cannot download its own here)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: run the tests through `bash .ci/test`")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of this test module's own, on a free loopback port."""
    from .redis_server import RedisServer
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def threading_layer():
    """Bind numba's threading layer as the app, the CLI and ``uvcore.warmup``
    do, before any test launches a parallel kernel: background jobs are forked
    from this process, and a child forked after the default layer (GNU OpenMP
    when TBB is not preloaded) ran a parallel region aborts.  Without this, a
    job test failed whenever an engine test had run a parallel kernel first."""
    from uvcore import threading_layer as layer
    layer.configure()
