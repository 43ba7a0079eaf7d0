"""The app factory: assets, local serving, debug switch, health check, extra views."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from dash import Input, Output, html

import app as app_pkg
from app import create_app
from app.core import ids, registry
from app.core.registry import View
from app.views import load as load_views
from app.shell import health, memo

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
#: Seconds ``python -m app`` may take to answer /healthz (imports + kernel warm-up).
STARTUP_S = 90


def test_assets_folder_is_inside_the_package():
    dash_app = create_app({"warmup": False})
    assert dash_app.config.assets_folder == os.path.join(REPO, "app", "assets")
    assert os.path.isfile(os.path.join(dash_app.config.assets_folder, "style.css"))
    assert dash_app.config.serve_locally is True
    assert not dash_app.config.external_scripts and not dash_app.config.external_stylesheets


def test_answers_are_brotli_at_the_fast_quality():
    """A brotli answer is the body compressed at BROTLI_QUALITY (1): the bytes
    brotli itself makes at that quality, not those of flask-compress's 4."""
    import brotli
    from app.shell.server import BROTLI_QUALITY
    client = create_app({"warmup": False}).server.test_client()
    r = client.get("/_dash-layout", headers={"Accept-Encoding": "br"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "br"
    raw = brotli.decompress(r.data)
    assert BROTLI_QUALITY == 1
    assert r.data == brotli.compress(raw, quality=1)
    assert r.data != brotli.compress(raw, quality=4)


def test_debug_off_unless_env(monkeypatch):
    monkeypatch.delenv("DASH_DEBUG", raising=False)
    dash_app = create_app({"warmup": False})
    assert dash_app._dev_tools.ui is False  # noqa: SLF001
    monkeypatch.setenv("DASH_DEBUG", "1")
    dash_app = create_app({"warmup": False})
    assert dash_app._dev_tools.ui is True  # noqa: SLF001


def test_importing_the_package_builds_nothing():
    code = ("import sys, numba, app\n"
            "assert 'app.wsgi' not in sys.modules, 'import app built the instance'\n"
            "assert numba.config.THREADING_LAYER == 'default', numba.config.THREADING_LAYER\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_module_level_app_and_server():
    assert app_pkg.server is app_pkg.app.server
    r = app_pkg.server.test_client().get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"


def test_redis_backend_is_chosen_from_env(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://example.invalid:6379/0")
    cfg = memo.cache_config()
    assert cfg["CACHE_TYPE"] == "RedisCache" and cfg["CACHE_REDIS_URL"].startswith("redis://")
    monkeypatch.delenv("REDIS_URL")
    assert memo.cache_config()["CACHE_TYPE"] == "SimpleCache"


def test_an_extra_view_is_given_to_create_app_without_editing_the_core():
    def register(dash_app):
        @dash_app.callback(Output("demo-out", "children"), Input(ids.STATE, "data"))
        def _echo(state):
            return f"state has {len(state or '')} chars"

    demo = View("Demo", "demo-tab", lambda: html.Div(id="demo-out"), register, order=5)
    views = load_views(("phase_plane",)) + (demo,)
    dash_app = create_app({"warmup": False, "views": views})
    page = dash_app.server.test_client().get("/_dash-layout").get_json()
    text = str(page)
    assert "demo-tab" in text and "Demo" in text and ids.VIEW_TABS in text
    assert "bifurcation-tab" not in text                   # only the views it was given
    assert any("demo-out.children" in k for k in dash_app.callback_map)
    tabs = page["props"]["children"][-1]["props"]["children"][1]["props"]["children"][0]
    assert [t["props"]["value"] for t in tabs["props"]["children"]] == [
        "phase-plane-tab", "demo-tab"]


def test_two_views_with_one_tab_value_are_refused():
    a = View("A", "same", lambda: html.Div())
    with pytest.raises(ValueError, match="two views share the tab value 'same'"):
        registry.ordered([a, View("B", "same", lambda: html.Div())])


@pytest.mark.slow
def test_python_m_app_serves_on_host_and_port():
    port = 8765 + os.getpid() % 500
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    env.pop("DASH_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + STARTUP_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


MAP = "/_dash-component-suites/dash/dcc/dash_core_components.js.map"


def test_versions_dev_routes_and_source_maps_only_in_debug(monkeypatch):
    monkeypatch.delenv("DASH_DEBUG", raising=False)
    client = create_app({"warmup": False}).server.test_client()
    page = client.get("/").data.decode()
    assert "python_version" not in page and sys.version not in page
    assert "dash_version" not in page and "plotly_version" not in page
    assert client.get("/_reload-hash").status_code == 404
    assert client.get(MAP).status_code == 404
    monkeypatch.setenv("DASH_DEBUG", "1")
    client = create_app({"warmup": False}).server.test_client()
    assert "python_version" in client.get("/").data.decode()       # the debug UI shows it
    assert client.get(MAP).status_code == 200
    # a registered resource whose file is missing is a 404, not a 500
    missing = "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.v1m1.dev.js.map"
    assert client.get(missing).status_code == 404


def test_pathological_callback_bodies_are_400(monkeypatch):
    """Nesting past the recursion limit and outputs other than the callback's
    own: 400 from the envelope guard (both used to reach Dash and answer 500)."""
    client = create_app({"warmup": False}).server.test_client()
    route = "/_dash-update-component"
    for depth in (1100, 50_000):
        for text in ("[" * depth + "]" * depth, '{"output": ' + "[" * depth + "]" * depth + "}"):
            r = client.post(route, data=text, content_type="application/json")
            assert r.status_code == 400, (depth, r.status_code)
    body = {"output": "download.data", "outputs": {"id": "x", "property": "y"},
            "inputs": [{"id": "download-csv", "property": "n_clicks", "value": 1}],
            "state": [{"id": "state", "property": "data", "value": None}],
            "changedPropIds": []}
    r = client.post(route, json=body)
    assert r.status_code == 400 and r.get_json()["error"] == "malformed callback request"
    body["outputs"] = {"id": "download", "property": "data"}       # the right one is served
    assert client.post(route, json=body).status_code in (200, 204)


def test_healthz_probes_run_at_most_once_a_second(monkeypatch):
    """The probes write and fsync a file: asking /healthz often must not repeat them."""
    calls = []
    monkeypatch.setattr(memo, "cache_problem",
                        lambda cfg: calls.append(time.monotonic()) or None)
    client = create_app({"warmup": False}).server.test_client()
    t0 = time.monotonic()
    for _ in range(20):
        assert client.get("/healthz").get_json()["status"] == "ok"
    elapsed = time.monotonic() - t0
    assert 1 <= len(calls) <= 1 + int(elapsed / health.HEALTH_PROBE_S)
