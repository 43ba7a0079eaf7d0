"""app.shell.job_queue: admission, order, the running cap, dead entries, expiry."""

import subprocess
import time

import diskcache
import pytest

from app.shell.config import ConfigError
from app.shell.job_manager import LabDiskcacheManager
from app.shell.job_queue import JobQueue, Limits, Refused

LIMITS = Limits(running=2, queued=3, per_client=2, result_ttl=10)


@pytest.fixture
def store(tmp_path):
    s = diskcache.Cache(str(tmp_path / "jobs"))
    yield s
    s.close()


@pytest.fixture
def sleepers():
    procs = []

    def make():
        p = subprocess.Popen(["sleep", "30"])
        procs.append(p)
        return p
    yield make
    for p in procs:
        p.kill()
        p.wait()


def test_per_page_share_and_queue_bound_refuse_with_the_reason(store):
    q = JobQueue(store, LIMITS)
    q.admit("a")
    q.admit("a")
    with pytest.raises(Refused, match=r"this page has 2 jobs .*JOBS_PER_CLIENT = 2"):
        q.admit("a")
    for page in "bcd":                             # 5 = JOBS_MAX_RUNNING + JOBS_MAX_QUEUED
        q.admit(page)
    with pytest.raises(Refused, match=r"5 jobs are running or waiting already "
                                      r"\(JOBS_MAX_RUNNING \+ JOBS_MAX_QUEUED = 2 \+ 3\)"):
        q.admit("e")


def test_at_most_the_cap_run_and_the_oldest_waiting_goes_first(store, sleepers):
    q = JobQueue(store, LIMITS)
    tokens = []
    for page in "abc":
        t = q.admit(page)
        q.attach(t, sleepers().pid)
        tokens.append(t)
    told = []
    q.wait_turn(tokens[0], told.append)
    q.wait_turn(tokens[1], told.append)
    assert q.status() == {"running": 2, "waiting": 1} and told == []
    assert q._try_start(tokens[2]) == 1                       # next, but the cap is reached
    q.release(token=tokens[0])
    q.wait_turn(tokens[2], told.append)
    assert q.status() == {"running": 2, "waiting": 0}


def test_a_waiting_job_is_told_its_position(store, sleepers, monkeypatch):
    q = JobQueue(store, Limits(running=1, queued=5, per_client=5, result_ttl=10))
    first = q.admit("a")
    q.attach(first, sleepers().pid)
    q.wait_turn(first, lambda _t: None)
    second = q.admit("a")
    q.attach(second, sleepers().pid)
    told = []
    monkeypatch.setattr("app.shell.job_queue.MAX_WAIT_S", 0.0)
    with pytest.raises(Refused, match="waited 0 s"):
        q.wait_turn(second, told.append)
    assert told and told[0].startswith("Queued: 0 job(s) ahead, 1 running at most")


def test_entries_of_dead_processes_are_dropped(store, sleepers):
    q = JobQueue(store, LIMITS)
    p = sleepers()
    t = q.admit("a")
    q.attach(t, p.pid)
    q.wait_turn(t, lambda _t: None)
    assert q.status()["running"] == 1
    p.kill()
    p.wait()
    assert q.status() == {"running": 0, "waiting": 0}
    q.admit("a")
    q.admit("a")                                   # the dead job no longer counts


def test_limits_come_from_the_environment_with_clear_errors(monkeypatch):
    monkeypatch.setenv("JOBS_MAX_RUNNING", "3")
    monkeypatch.setenv("JOB_RESULT_TTL", "60")
    lim = Limits.from_env()
    assert lim.running == 3 and lim.result_ttl == 60
    monkeypatch.setenv("JOBS_MAX_QUEUED", "many")
    with pytest.raises(ConfigError, match="JOBS_MAX_QUEUED='many' is not an integer"):
        Limits.from_env()


def test_a_refused_start_and_an_expired_result_are_reported(store, tmp_path):
    q = JobQueue(store, Limits(running=1, queued=0, per_client=5, result_ttl=10))
    m = LabDiskcacheManager(store, queue=q)
    job = m.call_job_fn("k1", lambda *a: time.sleep(1.0), [1], {})
    assert job > 0
    refused = m.call_job_fn("k2", lambda *a: None, [1], {})
    assert refused == 0
    msg = m.get_result("k2", refused)["background_callback_error"]["msg"]
    assert msg.startswith("refused: 1 jobs are running or waiting already")
    # a finished job whose result has gone (expired) says so
    store.set("done-k3", 1)
    sleeper = subprocess.Popen(["true"])
    sleeper.wait()
    msg = m.get_result("k3", sleeper.pid)["background_callback_error"]["msg"]
    assert msg.startswith("the result expired before it was fetched (JOB_RESULT_TTL = 10 s)")


class FailingStore:
    """A real store whose next ``fails`` transactions raise, as a read-only
    disk (sqlite) or a restarting Redis would."""

    def __init__(self, store, error: Exception):
        self.store, self.error, self.fails = store, error, 0

    def transact(self):
        if self.fails:
            self.fails -= 1
            raise self.error
        return self.store.transact()

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_failing_job_store_fails_the_waiting_job_at_once(store, sleepers):
    import sqlite3
    flaky = FailingStore(store, sqlite3.OperationalError("attempt to write a readonly database"))
    q = JobQueue(flaky, LIMITS)
    token = q.admit("a")
    q.attach(token, sleepers().pid)
    flaky.fails = 1
    t0 = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        q.wait_turn(token, lambda text: None)
    assert time.monotonic() - t0 < 1.0                  # no waiting on a broken disk


def test_a_queue_that_rides_out_outages_waits_for_the_store_to_answer_again(store, sleepers):
    flaky = FailingStore(store, ConnectionError("Redis is restarting"))
    q = JobQueue(flaky, LIMITS)
    q.rides_out_outages = True
    token = q.admit("a")
    q.attach(token, sleepers().pid)
    flaky.fails = 3                                     # three looks fail, the fourth passes
    q.wait_turn(token, lambda text: None)
    assert flaky.fails == 0 and q.status() == {"running": 1, "waiting": 0}
