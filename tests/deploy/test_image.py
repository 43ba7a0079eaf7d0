"""The image itself: built from the Dockerfile with buildah (``.ci/build-image``,
a debootstrap stand-in for the official base), then its own CMD run as its
own user on loopback: health, layout, a callback, a background job, a clean
boot log, HEALTHCHECK kept, read-only code, kernels loaded from the numba
cache baked in at build time."""

from __future__ import annotations

import json

import pytest

from app.core import ids

from .container import IMAGE, build_image, cache_snapshot, image_config, run_container, run_in_image
from .dashclient import HttpDash, callback_body, plane_key, plane_values

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Lines that must not appear in the boot log of a healthy start.
BAD_LOG_MARKERS = ("[ERROR]", "Traceback", "CRITICAL")
#: Seconds a small η_max job may take end to end.
JOB_S = 120
#: The image's user (Dockerfile: useradd --uid 10001).
APP_UID = 10001


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    build_image(tmp_path_factory.mktemp("build") / "build.log")
    return IMAGE


@pytest.fixture(scope="module")
def config(image):
    return image_config(image)


def image_env(config) -> dict:
    return dict(item.split("=", 1) for item in config["Env"])


def test_image_config_keeps_healthcheck_user_and_cmd(config):
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert "/healthz" in " ".join(config["Healthcheck"]["Test"])
    assert config["User"] == "app"
    assert config["Cmd"] == ["python", "-m", "app.serve"]
    env = image_env(config)
    assert env["SHARPNESS_LAB_PRODUCTION"] == "1" and env["NUMBA_CPU_NAME"] == "generic"


def test_code_is_not_writable_by_the_app_user(image):
    code = ("import os, pathlib, app, uvcore\n"
            "print(os.getuid())\n"
            "for d in (pathlib.Path(app.__file__).parent, pathlib.Path(uvcore.__file__).parent):\n"
            "    try:\n"
            "        (d / 'planted.py').write_text('x = 1')\n"
            "        print('writable', d)\n"
            "    except PermissionError:\n"
            "        print('read-only', d)\n")
    proc = run_in_image(code, image)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.split("\n")
    assert int(lines[0]) == APP_UID
    assert [w.split()[0] for w in lines[1:3]] == ["read-only", "read-only"], proc.stdout


def test_container_boots_clean_and_serves_a_callback_and_a_job(image, config, tmp_path,
                                                               callback_map):
    cache_dir = image_env(config)["NUMBA_CACHE_DIR"]
    with run_container(tmp_path, {"WEB_CONCURRENCY": "2"}, image) as ctr:
        assert ctr.cache_before, "the image has no numba cache"
        c = HttpDash(ctr.base)
        status, _, body = c.get("/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["threading_layer"] == "tbb"
        c.load_page()
        status, _, layout = c.get("/_dash-layout")
        assert status == 200 and ids.PHASE_PLANE.encode() in layout
        key = plane_key(callback_map)
        status, _, data = c.callback(callback_body(callback_map, key, plane_values(2.5),
                                                   changed=[f"{ids.input_id('eta')}.value"]))
        assert status == 200, data[:300]
        fig = json.loads(data)["response"][ids.PHASE_PLANE]["figure"]
        assert any(t.get("name", "").startswith("ηλ = 2") for t in fig["data"])
        job_key = next(k for k in callback_map if k.startswith(f"..{ids.ETA_MAX_GRAPH}.figure"))
        answer, _ = c.background(callback_body(callback_map, job_key, {
            f"{ids.ETA_MAX_RUN}.n_clicks": 1, f"{ids.STATE}.data": "eta=1.5",
            f"{ids.ETA_MAX_GRID}.value": 8}), timeout=JOB_S)
        heat = answer["response"][ids.ETA_MAX_GRAPH]["figure"]["data"][0]
        assert heat["type"] == "heatmap" and len(heat["z"]) == 8
        # both workers booted (warm-up ran every kernel) and served: no kernel was
        # compiled, i.e. nothing was written to the cache baked in at build time
        assert cache_snapshot(ctr.root, cache_dir) == ctr.cache_before
        boot_s = ctr.boot_s
    log = ctr.log.read_text(errors="replace")
    assert "Booting worker" in log
    bad = [line for line in log.splitlines() if any(m in line for m in BAD_LOG_MARKERS)]
    assert not bad, log[-3000:]
    print(f"image boot to healthy: {boot_s:.2f} s")
