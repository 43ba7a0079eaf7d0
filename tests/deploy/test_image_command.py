"""The Docker image's exact command line (gunicorn + app/gunicorn_conf.py, the
image's ENV) run on this machine: health, layout, a callback, limits, headers.
(The image itself is built and booted by test_image.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request

import pytest

from app.core import ids

from .dashclient import HttpDash, callback_body, plane_key, plane_values
from .image import REPO, image_cmd, image_env, run_image_command

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Response headers every answer carries.
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")
TRACEBACK_MARKERS = (b"Traceback", b'File "', b"werkzeug", b".py\", line")


def check_headers(headers: dict, body: bytes) -> None:
    for h in SECURITY_HEADERS:
        assert h in headers, (h, headers)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors" in headers["Content-Security-Policy"]
    assert not any(m in body for m in TRACEBACK_MARKERS), body[:500]


def test_dockerfile_runs_the_front_and_gunicorn():
    assert image_cmd() == ["python", "-m", "app.serve"]     # nginx in front of gunicorn
    env = image_env()
    assert env["SHARPNESS_LAB_PRODUCTION"] == "1" and env["NUMBA_CPU_NAME"] == "generic"
    text = (REPO / "Dockerfile").read_text()
    assert "USER app" in text and "HEALTHCHECK" in text and "EXPOSE 8050" in text


def test_image_command_serves_health_layout_and_a_callback(tmp_path, server_env,
                                                           callback_map):
    log = tmp_path / "server.log"
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "2", "DASH_DEBUG": "1"},
                           log_path=log) as (base, _proc):
        c = HttpDash(base)
        status, headers, body = c.get("/healthz")
        assert status == 200 and json.loads(body)["cache"] == "FileSystemCache"
        check_headers(headers, body)
        cfg = c.load_page()
        assert cfg["ui"] is False and cfg["props_check"] is False     # DASH_DEBUG ignored
        status, headers, body = c.get("/_dash-layout")
        assert status == 200 and ids.PHASE_PLANE.encode() in body
        check_headers(headers, body)
        key = plane_key(callback_map)
        body = callback_body(callback_map, key, plane_values(2.5),
                             changed=[f"{ids.input_id('eta')}.value"])
        status, headers, data = c.callback(body)
        assert status == 200, data[:300]
        answer = json.loads(data)["response"]
        fig = answer[ids.PHASE_PLANE]["figure"]
        assert any(t.get("name", "").startswith("ηλ = 2") for t in fig["data"])
        check_headers(headers, data)
        # gzip for clients that accept it
        req = urllib.request.Request(base + "/_dash-layout", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.headers["Content-Encoding"] == "gzip"
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    assert any(r["path"] == "/_dash-update-component" and r["status"] == 200
               and r["output"] == key[:120] and r["duration_ms"] >= 0 for r in lines)
    assert {"ts", "method", "path", "status", "duration_ms", "bytes", "pid"} <= set(lines[0])


def test_body_over_max_content_length_is_413(tmp_path, server_env, callback_map):
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1",
                                      "MAX_CONTENT_LENGTH": "65536"}) as (base, _):
        c = HttpDash(base)
        big = json.dumps({"output": plane_key(callback_map), "pad": "x" * 70_000}).encode()
        status, headers, body = c.post_json("/_dash-update-component", big)
        assert status == 413 and json.loads(body)["status"] == 413
        check_headers(headers, body)
        # chunked: no Content-Length, the limit applies while reading
        def chunks():
            for _ in range(20):
                yield b"[" + b"0," * 4000 + b"0]"
        req = urllib.request.Request(base + "/_dash-update-component", data=chunks(),
                                     method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Transfer-Encoding": "chunked"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == 413
        assert c.get("/healthz")[0] == 200


def test_error_answers_are_json_without_tracebacks(tmp_path, server_env):
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1"}) as (base, _):
        c = HttpDash(base)
        for method, path, body in [("POST", "/_dash-update-component", b"{not json"),
                                   ("POST", "/_dash-update-component", b'{"output": 5}'),
                                   ("GET", "/_dash-update-component", None),
                                   ("PUT", "/healthz", b"x"),
                                   ("GET", "/_dash-component-suites/nope/x.js", None)]:
            status, headers, data = c.request(method, path, body,
                                              {"Content-Type": "application/json"})
            assert status < 500, (method, path, status, data[:200])
            check_headers(headers, data)


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {**os.environ, **image_env(), "PYTHONPATH": str(REPO)}
    env.pop("SECRET_KEY", None)
    env["PATH"] = os.environ["PATH"]
    r = subprocess.run(image_cmd(), cwd=REPO, env=env, capture_output=True, timeout=60)
    assert r.returncode != 0 and b"SECRET_KEY is not set" in r.stdout + r.stderr


def raw_request(base: str, data: bytes) -> tuple[int, bytes]:
    """Send raw bytes on one connection; (status, head) of the answer."""
    import socket
    import urllib.parse
    u = urllib.parse.urlsplit(base)
    with socket.create_connection((u.hostname, u.port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0]
    return int(head.split()[1]), head


def check_error_pages(base: str, cases: dict) -> None:
    """Each raw request gets its status and a page with nosniff and a strict CSP."""
    for data, expected in cases.items():
        status, head = raw_request(base, data)
        assert status == expected, (status, head)
        assert b"Content-Security-Policy: default-src 'none'" in head, head
        assert b"X-Content-Type-Options: nosniff" in head, head


def test_production_publishes_no_versions_no_dev_routes_no_source_maps(tmp_path, server_env):
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1"}) as (base, _):
        c = HttpDash(base)
        cfg = c.load_page()
        leaked = {"python_version", "dash_version", "plotly_version", "dash_version_url"}
        assert not leaked & set(cfg), sorted(leaked & set(cfg))
        status, _, page = c.get("/")
        import sys
        assert sys.version.encode() not in page
        assert c.get("/_reload-hash")[0] == 404
        for path in ("/_dash-component-suites/dash/dcc/dash_core_components.js.map",
                     "/_dash-component-suites/dash/dash_table/bundle.js.map"):
            status, headers, _ = c.get(path)
            assert status == 404 and "Content-Security-Policy" in headers, (path, status)


def test_the_servers_own_error_pages_carry_the_security_headers(tmp_path, server_env):
    """nginx answers these itself (400 for too large a header, where gunicorn
    said 431); gunicorn's own pages carry the headers too (test below)."""
    with run_image_command(tmp_path, {"WEB_CONCURRENCY": "1"}) as (base, _):
        cases = {
            b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n": 414,
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n": 400,
            b"BAD\r\n\r\n": 400,
        }
        check_error_pages(base, cases)
        assert HttpDash(base).get("/healthz")[0] == 200


GUNICORN_ONLY = ["gunicorn", "--config", "app/gunicorn_conf.py", "app:server"]


def test_gunicorns_own_error_pages_carry_the_security_headers(tmp_path, server_env,
                                                              monkeypatch):
    """gunicorn without the front (as `docs/deployment.md` allows behind another proxy)."""
    import tests.deploy.image as image
    monkeypatch.setattr(image, "image_cmd", lambda: GUNICORN_ONLY)
    with image.run_image_command(tmp_path, {"WEB_CONCURRENCY": "1"}) as (base, _):
        cases = {
            b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n": 414,
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n": 431,
            b"BAD\r\n\r\n": 400,
        }
        check_error_pages(base, cases)
