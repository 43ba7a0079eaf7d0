"""app.shell.job_manager: own result slots, PID identity, reported losses (in-process,
with real processes; the HTTP side is tests/deploy/test_job_faults.py)."""

import subprocess

import diskcache
import psutil
import pytest

from app.shell.job_manager import LOST_JOB, LabDiskcacheManager


@pytest.fixture
def manager(tmp_path):
    store = diskcache.Cache(str(tmp_path / "jobs"))
    yield LabDiskcacheManager(store)
    store.close()


@pytest.fixture
def sleeper():
    proc = subprocess.Popen(["sleep", "30"])
    yield proc
    proc.kill()
    proc.wait()


def _fn(x):
    return x


def test_same_arguments_get_different_slots(manager):
    a = manager.build_cache_key(_fn, [1, 2], [], None)
    b = manager.build_cache_key(_fn, [1, 2], [], None)
    assert a != b and a.split("-")[0] == b.split("-")[0]


def test_a_pid_with_another_start_time_is_not_the_job(manager, sleeper):
    started = psutil.Process(sleeper.pid).create_time()
    manager.handle.set(manager._identity_key(sleeper.pid), started - 100.0)  # noqa: SLF001
    assert not manager.owns(sleeper.pid) and not manager.job_running(sleeper.pid)
    manager.terminate_job(sleeper.pid)
    assert sleeper.poll() is None                      # not killed: not ours
    manager.handle.set(manager._identity_key(sleeper.pid), started)  # noqa: SLF001
    assert manager.owns(sleeper.pid) and manager.job_running(sleeper.pid)
    manager.terminate_job(sleeper.pid)
    assert sleeper.wait(timeout=5) is not None         # ours: killed


def test_a_pid_without_a_record_is_never_killed(manager, sleeper):
    manager.terminate_job(sleeper.pid)
    assert sleeper.poll() is None


def test_a_job_that_ended_without_a_result_is_reported(manager, sleeper):
    manager.handle.set(manager._identity_key(sleeper.pid),  # noqa: SLF001
                       psutil.Process(sleeper.pid).create_time())
    assert manager.get_result("k", sleeper.pid) is manager.UNDEFINED     # still running
    sleeper.kill()
    sleeper.wait()
    err = manager.get_result("k", sleeper.pid)
    assert err["background_callback_error"]["msg"].startswith(f"{LOST_JOB}: it was killed")


def test_a_cancelled_job_is_not_a_loss(manager, sleeper):
    manager.handle.set(manager._identity_key(sleeper.pid),  # noqa: SLF001
                       psutil.Process(sleeper.pid).create_time())
    manager.terminate_job(sleeper.pid)
    sleeper.wait(timeout=5)
    assert manager.get_result("k", sleeper.pid) is manager.UNDEFINED


def test_a_result_is_returned_once_and_a_second_poll_is_not_a_loss(manager, sleeper):
    manager.handle.set(manager._identity_key(sleeper.pid),  # noqa: SLF001
                       psutil.Process(sleeper.pid).create_time())
    manager.handle.set("k", {"answer": 42})
    sleeper.kill()
    sleeper.wait()
    assert manager.get_result("k", sleeper.pid) == {"answer": 42}
    assert manager.get_result("k", sleeper.pid) is manager.UNDEFINED
