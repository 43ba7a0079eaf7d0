"""Hypothesis fuzz of /_dash-update-component on the image's gunicorn command:
random and hostile JSON for every registered callback.  No 5xx from user
values, bounded time per request, bounded memory, healthy afterwards."""

from __future__ import annotations

import json
import math
import time

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .dashclient import HttpDash, output_list
from .image import run_image_command

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Seconds one fuzzed request may take (gunicorn's TIMEOUT is 60).
REQUEST_S = 10.0
#: Most growth of the server's memory (all processes, RSS) over the whole fuzz run.
MEMORY_GROWTH_MB = 400
EXAMPLES = 300

HOSTILE_VALUES = [None, float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 5e-324, 0,
                  -1, 2**63, -(2**63), True, "", "5", "NaN", "1e999", "x" * 5000, "☃",
                  "<script>", "../../etc/passwd", [], {}, list(range(5000)), [[[[[[]]]]]],
                  {"points": [{"x": 1e308}]}, {"points": [{"x": "nan", "y": None}]}]
HOSTILE = st.sampled_from(HOSTILE_VALUES)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=50))
VALUES = st.recursive(SCALARS, lambda c: st.one_of(st.lists(c, max_size=6),
                                                   st.dictionaries(st.text(max_size=8), c,
                                                                   max_size=6)),
                      max_leaves=30) | HOSTILE


@pytest.fixture(scope="module")
def callback_map():
    from app import create_app
    return create_app({"warmup": False}).callback_map


@pytest.fixture(scope="module")
def server(tmp_path_factory, numba_cache):
    import os
    os.environ["NUMBA_CACHE_DIR"] = numba_cache
    tmp = tmp_path_factory.mktemp("fuzz")
    with run_image_command(tmp, {"WEB_CONCURRENCY": "2", "TIMEOUT": "30"}) as (base, proc):
        c = HttpDash(base)
        c.load_page()
        yield c, proc


def rss_mb(proc) -> float:
    p = psutil.Process(proc.pid)
    return sum(x.memory_info().rss for x in [p, *p.children(recursive=True)]) / 2**20


def _json(obj) -> bytes:
    return json.dumps(obj, allow_nan=True).encode()      # NaN/Infinity tokens as browsers can't


def body_strategy(callback_map):
    keys = sorted(callback_map)

    @st.composite
    def bodies(draw):
        key = draw(st.sampled_from(keys))
        cb = callback_map[key]
        kind = draw(st.sampled_from(["values", "values", "values", "envelope"]))
        deps = lambda items: [{**d, "value": draw(VALUES)} for d in items]  # noqa: E731
        outs = output_list(key)
        body = {"output": key, "outputs": outs if key.startswith("..") else outs[0],
                "inputs": deps(cb["inputs"]), "state": deps(cb.get("state", [])),
                "changedPropIds": draw(st.lists(st.sampled_from(
                    [f"{d['id']}.{d['property']}" for d in cb["inputs"]] + ["x.y", ""]),
                    max_size=3))}
        if kind == "envelope":
            field = draw(st.sampled_from(["output", "outputs", "inputs", "state",
                                          "changedPropIds", "drop", "unknown-id"]))
            if field == "drop":
                body.pop(draw(st.sampled_from(sorted(body))))
            elif field == "unknown-id":
                body["inputs"] = [{**d, "id": draw(st.text(max_size=20))} for d in body["inputs"]]
            else:
                body[field] = draw(VALUES)
        return key, body
    return bodies()


def test_every_callback_survives_random_and_hostile_bodies(server, callback_map):
    client, proc = server
    before = rss_mb(proc)
    seen: dict = {}
    slowest = [0.0]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body_strategy(callback_map))
    def fuzz(case):
        key, body = case
        t0 = time.monotonic()
        status, headers, data = client.callback_raw(_json(body))
        dt = time.monotonic() - t0
        slowest[0] = max(slowest[0], dt)
        seen[key] = seen.get(key, 0) + 1
        assert status < 500, (status, key, data[:300])
        assert dt < REQUEST_S, (dt, key)
        assert b"Traceback" not in data
        assert "Content-Security-Policy" in headers

    # every registered callback, each input and state set to each hostile value
    for key in sorted(callback_map):
        cb = callback_map[key]
        outs = output_list(key)
        for value in HOSTILE_VALUES:
            body = {"output": key, "outputs": outs if key.startswith("..") else outs[0],
                    "inputs": [{**d, "value": value} for d in cb["inputs"]],
                    "state": [{**d, "value": value} for d in cb.get("state", [])],
                    "changedPropIds": [f"{d['id']}.{d['property']}" for d in cb["inputs"]]}
            t0 = time.monotonic()
            status, _, data = client.callback_raw(_json(body))
            assert status < 500 and time.monotonic() - t0 < REQUEST_S, (status, key, value)
            assert b"Traceback" not in data
            seen[key] = seen.get(key, 0) + 1
    fuzz()
    assert set(seen) == set(callback_map), set(callback_map) - set(seen)
    # not JSON at all, a list, a huge flat list
    for raw in (b"", b"[]", b"null", b'"x"', b"{" * 10000, _json([0] * 100_000)):
        status, _, data = client.callback_raw(raw)
        assert status < 500 and b"Traceback" not in data
    assert client.get("/healthz")[0] == 200
    grown = rss_mb(proc) - before
    print(f"fuzz: {sum(seen.values())} requests over {len(seen)} callbacks, slowest "
          f"{slowest[0]:.2f} s, memory growth {grown:.0f} MB")
    assert grown < MEMORY_GROWTH_MB
    assert not math.isnan(grown)
