"""Hypothesis fuzz of /_dash-update-component on the image's gunicorn command:
random and hostile JSON for every registered callback.  No 5xx from user
values, bounded time per request, bounded memory, healthy afterwards."""

from __future__ import annotations

import collections
import json
import math
import socket
import time
import urllib.parse

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
def server(tmp_path_factory, numba_cache):
    import os
    os.environ["NUMBA_CACHE_DIR"] = numba_cache
    tmp = tmp_path_factory.mktemp("fuzz")
    with run_image_command(tmp, {"WEB_CONCURRENCY": "2", "TIMEOUT": "30"}) as (base, proc):
        c = HttpDash(base)
        c.load_page()
        yield c, proc


def rss_mb(proc) -> float:
    """Memory of the server and its children (workers, forked jobs) in MiB, as
    PSS: a forked job shares most of its pages with its worker, and summing
    RSS would count those twice."""
    p = psutil.Process(proc.pid)
    total = 0
    for x in [p, *p.children(recursive=True)]:
        try:
            total += x.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass                                  # a job that ended meanwhile
    return total / 2**20


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
    statuses: collections.Counter = collections.Counter()

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
        statuses[status] += 1
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
            statuses[status] += 1
            assert status < 500 and time.monotonic() - t0 < REQUEST_S, (status, key, value)
            assert b"Traceback" not in data
            seen[key] = seen.get(key, 0) + 1
    fuzz()
    assert set(seen) == set(callback_map), set(callback_map) - set(seen)
    # not JSON at all, a list, a huge flat list
    for raw in (b"", b"[]", b"null", b'"x"', b"{" * 10000, _json([0] * 100_000)):
        status, _, data = client.callback_raw(raw)
        statuses[status] += 1
        assert status < 500 and b"Traceback" not in data
    assert client.get("/healthz")[0] == 200
    grown = rss_mb(proc) - before
    print(f"fuzz: {sum(seen.values())} requests over {len(seen)} callbacks, slowest "
          f"{slowest[0]:.2f} s, memory growth {grown:.0f} MB, by status "
          f"{dict(sorted(statuses.items()))}")
    assert grown < MEMORY_GROWTH_MB
    assert not math.isnan(grown)


def nested(depth: int, leaf=0):
    """JSON text of a list nested ``depth`` deep (built as text: Python's own
    json cannot even write what it cannot read)."""
    return "[" * depth + json.dumps(leaf) + "]" * depth


def chunked_post(base: str, path: str, total: int, chunk: int = 65536) -> int:
    """POST ``total`` bytes with Transfer-Encoding: chunked; the answer's status."""
    u = urllib.parse.urlsplit(base)
    with socket.create_connection((u.hostname, u.port), timeout=REQUEST_S) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode())
        sent = 0
        try:
            while sent < total:
                n = min(chunk, total - sent)
                sock.sendall(f"{n:x}\r\n".encode() + b"[" * n + b"\r\n")
                sent += n
            sock.sendall(b"0\r\n\r\n")
        except OSError:                    # the server may answer and close early
            pass
        head = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(head.split()[1])


def test_pathological_bodies_are_400_or_413_never_500(server, callback_map):
    client, _proc = server
    statuses: collections.Counter = collections.Counter()
    # pattern-matching outputs ({"type": …}) are validated by Dash itself
    single = [k for k in sorted(callback_map) if not k.startswith(("..", "{"))]
    multi = [k for k in sorted(callback_map) if k.startswith("..")]
    key = single[0]
    cb = callback_map[key]
    outs = output_list(key)

    def body_with(value) -> str:
        return ('{"output": %s, "outputs": %s, "inputs": [%s], "state": [], '
                '"changedPropIds": []}' % (json.dumps(key), json.dumps(outs[0]), ", ".join(
                    '{"id": %s, "property": %s, "value": %s}'
                    % (json.dumps(d["id"]), json.dumps(d["property"]), value)
                    for d in cb["inputs"])))

    # nesting past the recursion limit: the whole body, and a value inside an envelope
    for depth in (1100, 5000, 100_000):
        for raw in (nested(depth), body_with(nested(depth)),
                    '{"a": ' * depth + "1" + "}" * depth):
            status, _, data = client.callback_raw(raw.encode())
            statuses[status] += 1
            assert status == 400 and b"Traceback" not in data, (depth, status, data[:200])
    # outputs that do not match the callback's own (Dash raises on them)
    def with_outputs(key, outputs) -> dict:
        c = callback_map[key]
        return {"output": key, "outputs": outputs,
                "inputs": [{**d, "value": None} for d in c["inputs"]],
                "state": [{**d, "value": None} for d in c.get("state", [])],
                "changedPropIds": []}

    wrong = {"id": "x", "property": "y"}
    cases = [(key, outs) for key in single for outs in (wrong, [wrong])]
    cases += [(key, [wrong, *output_list(key)[1:]]) for key in multi]
    for key, outs in cases:
        status, _, data = client.callback_raw(_json(with_outputs(key, outs)))
        statuses[status] += 1
        assert status == 400, (key, outs, status, data[:200])
    # a chunked body over MAX_CONTENT_LENGTH (1 MiB): 413, like a declared one
    for total in (2 * 2**20, 8 * 2**20):
        status = chunked_post(client.base, "/_dash-update-component", total)
        statuses[status] += 1
        assert status == 413, (total, status)
    assert client.get("/healthz")[0] == 200
    print(f"pathological bodies by status: {dict(sorted(statuses.items()))}")
