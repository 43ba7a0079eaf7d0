"""app.shell.celery_queue and the caps of LabCeleryManager, against a real redis-server
on loopback (no worker: admitted tasks stay in the broker)."""

from __future__ import annotations

import threading
import time

import flask
import pytest
import redis
from celery import Celery

from app.shell import celery_queue
from app.shell.celery_manager import LabCeleryManager
from app.shell.celery_queue import HeartbeatQueue, RedisLedger
from app.shell.job_queue import Limits, Refused

LIMITS = Limits(running=1, queued=2, per_client=2, result_ttl=60)
#: Seconds a thread may take to see its turn after the slot was freed.
TURN_S = 5.0


@pytest.fixture
def client(redis_url):
    c = redis.Redis.from_url(redis_url)
    c.flushdb()
    yield c
    c.close()


@pytest.fixture
def queue(client):
    return HeartbeatQueue(RedisLedger(client), LIMITS)


def test_the_ledger_lock_makes_concurrent_read_modify_writes_exact(client):
    ledger = RedisLedger(client)
    ledger.set("n", 0)

    def bump():
        for _ in range(40):
            with ledger.transact():
                value = ledger.get("n")
                time.sleep(0.0005)            # widen the window a missing lock would lose
                ledger.set("n", value + 1)

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger.get("n") == 120


def test_admission_refuses_past_the_page_share_and_the_queue_bound(queue):
    queue.admit("a")
    queue.admit("a")
    with pytest.raises(Refused, match=r"this page has 2 jobs .*JOBS_PER_CLIENT = 2"):
        queue.admit("a")
    queue.admit("b")
    with pytest.raises(Refused, match=r"3 jobs are running or waiting already"):
        queue.admit("c")


def test_only_the_cap_runs_and_the_next_starts_when_one_is_released(queue):
    first, second = queue.admit("a"), queue.admit("b")
    queue.wait_turn(first, lambda text: None)
    assert queue.status() == {"running": 1, "waiting": 1}
    assert queue.waiting(token=second)[0] == 0
    told, started = [], threading.Event()

    def run_second():
        queue.wait_turn(second, told.append)
        started.set()

    threading.Thread(target=run_second, daemon=True).start()
    time.sleep(0.6)                               # several looks of the waiting job
    assert not started.is_set()
    assert told == ["Queued: 0 job(s) ahead, 1 running at most at once; it starts by itself."]
    queue.release(token=first)
    assert started.wait(TURN_S)
    assert queue.status() == {"running": 1, "waiting": 0}


def test_entries_without_beats_and_never_taken_entries_time_out(queue, monkeypatch):
    monkeypatch.setattr(celery_queue, "BEAT_TTL_S", 1.0)
    monkeypatch.setattr(celery_queue, "MAX_WAIT_S", 1.5)
    taken, idle = queue.admit("a"), queue.admit("b")
    queue.wait_turn(taken, lambda text: None)     # seen now, then no beat
    time.sleep(1.2)
    assert queue.status() == {"running": 0, "waiting": 1}      # the taken one died
    queue.beat(idle)                                            # a worker took the other
    time.sleep(0.6)                                             # past MAX_WAIT_S since admitted
    queue.beat(idle)
    assert queue.status() == {"running": 0, "waiting": 1}      # its beats keep it
    time.sleep(1.2)
    assert queue.status() == {"running": 0, "waiting": 0}


# -- the manager ------------------------------------------------------------------------
@pytest.fixture
def manager(redis_url, client):
    celery = Celery("queue-test", broker=redis_url, backend=redis_url)
    celery.conf.update(task_serializer="json", result_serializer="json",
                       accept_content=["json"])

    @celery.task(name="queue-test-noop")
    def noop(*args):
        return None

    m = LabCeleryManager(celery, limits=LIMITS)
    m.noop = noop
    yield m
    celery.close()


CONTEXT = {"outputs_list": [{"id": "eta-max-summary", "property": "children"}]}


def start(manager, page: str, key: str):
    from app.shell.job_manager import register_message_target
    register_message_target("eta-max-summary", "children")
    with flask.Flask(__name__).test_request_context(f"/?endId={page}"):
        return manager.call_job_fn(key, manager.noop, [], dict(CONTEXT))


def test_refusals_queue_positions_and_cancels_through_the_manager(manager, client):
    jobs = [start(manager, "p1", "k1"), start(manager, "p1", "k2")]
    refused = start(manager, "p1", "k3")
    answer = manager.get_result("k3", refused)["background_callback_error"]["msg"]
    assert answer.startswith("refused: this page has 2 jobs"), answer
    assert not manager.job_running(refused)

    # no worker: nothing runs, both wait in the broker in admission order
    assert manager.get_updated_props("k1") == {"eta-max-summary": {"children": (
        "Queued: 0 job(s) ahead, 1 running at most at once; it starts by itself.")}}
    assert "1 job(s) ahead" in manager.get_updated_props("k2")["eta-max-summary"]["children"]
    assert client.llen("celery") == 2                          # both were sent

    manager.terminate_job(jobs[0])                             # cancel while in the broker
    assert "0 job(s) ahead" in manager.get_updated_props("k2")["eta-max-summary"]["children"]
    assert manager.get_updated_props("k1") == {}
    third = start(manager, "p1", "k4")                         # the page's share is free again
    assert not third.startswith("unsent-")
