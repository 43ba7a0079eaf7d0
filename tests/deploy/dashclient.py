"""A minimal client of Dash's HTTP protocol, for tests against real servers.

It does what the renderer does: reads ``end_id`` from the page's config,
POSTs callback bodies to ``/_dash-update-component`` and, for a background
callback, polls with the signed ``cacheKey``/``job`` handles until the result
arrives.  Works over HTTP (urllib) or with a Flask test client.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

CONFIG_RE = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def output_list(output_key: str) -> list:
    """[{"id", "property"}] of a callback_map key (``..a.b...c.d..`` for several)."""
    outs = output_key[2:-2].split("...") if output_key.startswith("..") else [output_key]
    result = []
    for o in outs:
        cid, _, prop = o.rpartition(".")
        result.append({"id": cid, "property": prop})
    return result


def callback_key(callback_map: dict, fragment: str) -> str:
    """The first non-background callback whose output key contains ``fragment``."""
    return next(k for k, cb in callback_map.items()
                if fragment in k and not cb.get("background"))


def callback_body(callback_map: dict, output_key: str, values: dict | None = None,
                  changed: list | None = None) -> dict:
    """The renderer's request body for one callback.

    ``values`` maps ``"id.prop"`` to the value of an input or state (missing:
    None); ``changed`` is the list of triggering ``"id.prop"`` (default: the
    first input; one the callback does not have: ValueError).
    """
    values = values or {}
    cb = callback_map[output_key]
    outputs = output_list(output_key)
    props = {f"{d['id']}.{d['property']}" for d in [*cb["inputs"], *cb.get("state", [])]}
    unknown = sorted(set(changed or ()) - props)
    if unknown:      # a trigger this callback does not have (an old id) tests nothing
        raise ValueError(f"{output_key}: no input or state {unknown}")

    def deps(items):
        return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in items]

    first = cb["inputs"][0]
    return {
        "output": output_key,
        "outputs": outputs if output_key.startswith("..") else outputs[0],
        "inputs": deps(cb["inputs"]),
        "state": deps(cb.get("state", [])),
        "changedPropIds": changed if changed is not None
        else [f"{first['id']}.{first['property']}"],
    }


def plane_values(eta: float = 1.5, state: str = "eta=1.5", click=None) -> dict:
    """Inputs of the phase-plane callback as the browser sends them after a
    slider move to ``eta`` (or a click at ``click``) from ``state``."""
    from app.core import ids

    vals = {f"{ids.input_id(k)}.value": v for k, v in
            {"eta": eta, "width": 16, "n-eff": 16, "x-norm": 1, "y": 2, "sigma": 1,
             "steps": 1000}.items()}
    vals.update({f"{ids.SEED}.value": 0, f"{ids.PRESET}.value": "ntp",
                 f"{ids.LAYERS}.value": ["regions", "forbidden", "arrows", "nullclines",
                                         "eta-line", "fixed"],
                 f"{ids.LARGE_FONT}.value": [], f"{ids.URL}.search": "",
                 f"{ids.STATE}.data": state, f"{ids.PHASE_PLANE}.clickData": click})
    return vals


def plane_key(callback_map) -> str:
    """The phase-plane callback's key in ``callback_map``: the one writing both
    the plane's figure and the typed η (whatever the order of its outputs)."""
    from app.core import ids

    wanted = {(ids.PHASE_PLANE, "figure"), (ids.input_id("eta"), "value")}
    return next(k for k in callback_map
                if wanted <= {(o["id"], o["property"]) for o in output_list(k)})


class HttpDash:
    """Talk to a Dash server at ``base`` (e.g. ``http://127.0.0.1:8050``)."""

    def __init__(self, base: str, timeout: float = 30.0):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.end_id = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None):
        """(status, headers, body bytes); HTTP errors are answers, not exceptions."""
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path: str):
        return self.request("GET", path)

    def post_json(self, path: str, payload, headers: dict | None = None):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request("POST", path, data, {"Content-Type": "application/json",
                                                  **(headers or {})})

    def load_page(self) -> dict:
        status, _, page = self.get("/")
        assert status == 200, status
        cfg = json.loads(CONFIG_RE.search(page.decode()).group(1))
        self.end_id = cfg["end_id"]
        return cfg

    def callback(self, body: dict, **query):
        q = {"endId": self.end_id, **query} if self.end_id else dict(query)
        path = "/_dash-update-component" + ("?" + urllib.parse.urlencode(q) if q else "")
        return self.post_json(path, body)

    def callback_raw(self, data: bytes):
        """POST raw bytes as a callback request (for fuzzing)."""
        q = {"endId": self.end_id} if self.end_id else {}
        path = "/_dash-update-component" + ("?" + urllib.parse.urlencode(q) if q else "")
        return self.post_json(path, data)

    def background(self, body: dict, timeout: float = 60.0, poll: float = 0.25,
                   poll_with: "HttpDash | None" = None):
        """Run a background callback to the end: (final JSON, progress values seen).

        The job is started here and polled through ``poll_with`` (default:
        this client), e.g. another server process sharing the job store; like
        a browser, it sends this page load's signed ``endId``.
        """
        if self.end_id is None:
            self.load_page()
        poller = poll_with or self
        poller.end_id = self.end_id
        status, _, data = self.callback(body)
        assert status == 200, (status, data[:300])
        handles = json.loads(data)
        assert "cacheKey" in handles and "job" in handles, handles
        progress = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(poll)
            status, _, data = poller.callback(body, cacheKey=handles["cacheKey"],
                                              job=handles["job"])
            assert status in (200, 204), (status, data[:300])
            if status == 204 or not data:
                continue
            answer = json.loads(data)
            if "progress" in answer:
                progress.append(answer["progress"])
            if "response" in answer:
                return answer, progress
        raise AssertionError(f"background job not done after {timeout} s")


def eta_max_body(callback_map: dict, grid: int = 8, state: str = "eta=1.5") -> dict:
    """The η_max view's background job (grid² starts, the state's steps)."""
    from app.core import ids

    key = next(k for k in callback_map if k.startswith(f"..{ids.ETA_MAX_GRAPH}.figure"))
    return callback_body(callback_map, key, {f"{ids.ETA_MAX_RUN}.n_clicks": 1,
                                             f"{ids.STATE}.data": state,
                                             f"{ids.ETA_MAX_GRID}.value": grid})


def start_job(client: HttpDash, body: dict) -> dict:
    """Start a background job as the renderer does; its signed handles."""
    if client.end_id is None:
        client.load_page()
    status, _, data = client.callback(body)
    assert status == 200, data[:300]
    return json.loads(data)


def poll_job(client: HttpDash, body: dict, handles: dict, done, timeout: float,
             poll_s: float = 0.2):
    """Poll a job until ``done(answer)`` holds for an answer; that answer, or
    None when none did within ``timeout`` (every other poll: 200 or 204)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, data = client.callback(body, cacheKey=handles["cacheKey"], job=handles["job"])
        assert status in (200, 204), (status, data[:300])
        if status == 200 and data:
            answer = json.loads(data)
            if done(answer):
                return answer
        time.sleep(poll_s)
    return None


def eta_max_summary(answer: dict) -> str:
    """The η_max view's summary line in a final answer (an output or a side update)."""
    from app.core import ids

    if ids.ETA_MAX_SUMMARY in answer.get("response", {}):
        return str(answer["response"][ids.ETA_MAX_SUMMARY]["children"])
    return str(answer.get("sideUpdate", {}).get(ids.ETA_MAX_SUMMARY, {}).get("children", ""))


#: Seconds /healthz may take to show a change (its probes run at most once a
#: second per server process).
HEALTH_WAIT_S = 10.0


def wait_health(client: HttpDash, status: str, timeout: float = HEALTH_WAIT_S) -> dict:
    """Poll /healthz until its ``status`` is ``status``; that answer."""
    deadline = time.monotonic() + timeout
    while True:
        code, _, body = client.get("/healthz")
        assert code == 200, code
        health = json.loads(body)
        if health["status"] == status:
            return health
        assert time.monotonic() < deadline, f"/healthz not {status} within {timeout} s: {health}"
        time.sleep(0.2)
