"""``pip install .`` into a fresh venv (Debian's own python3 where there is
one), then the installed console scripts, run as a user runs them.

This is the regression test of numba's threading layer in a venv: the
``tbb`` wheel puts ``libtbb.so.12`` in ``<venv>/lib``, which the dynamic
loader does not search, so without :mod:`uvcore.threading_layer` the app
dies at start with "No threading layer could be loaded".
"""

from __future__ import annotations

import json
import subprocess

import pytest

from app.core import ids

from .dashclient import HttpDash, callback_body, plane_key, plane_values
from .image import free_port, stop, wait_healthy
from .venv import clean_env, make_installed_venv

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

#: Seconds the installed app may take to answer /healthz on its first start
#: (numba compiles every kernel into the venv's cache then).
FIRST_START_S = 300
#: Seconds a small η_max job may take end to end.
JOB_S = 120


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    return make_installed_venv(tmp_path_factory.mktemp("install"))


def run_py(venv, code: str, cwd, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=cwd,
                          capture_output=True, text=True, env=clean_env(**env), timeout=600)


def test_the_install_is_the_package_not_the_checkout(venv, tmp_path):
    proc = run_py(venv, "import app, uvcore, os; print(app.__file__); print(uvcore.__file__);"
                        "print(os.path.isfile(os.path.join(app.ASSETS_FOLDER, 'style.css')))",
                  tmp_path)
    assert proc.returncode == 0, proc.stderr
    app_file, uvcore_file, has_css = proc.stdout.split()
    assert app_file.startswith(str(venv)) and uvcore_file.startswith(str(venv))
    assert has_css == "True"


def test_this_venv_reproduces_the_loader_problem(venv, tmp_path):
    """Without the preload, numba cannot load TBB here: the environment is one
    where the regression shows (a test run where it would not is no test)."""
    code = ("import numba, numpy as np\n"
            "numba.config.THREADING_LAYER = 'safe'\n"
            "@numba.njit(parallel=True)\n"
            "def f(x):\n"
            "    s = 0.0\n"
            "    for i in numba.prange(x.size):\n"
            "        s += x[i]\n"
            "    return s\n"
            "f(np.ones(4))\n")
    proc = run_py(venv, code, tmp_path)
    assert proc.returncode != 0 and "No threading layer could be loaded" in proc.stderr
    assert (venv / "lib" / "libtbb.so.12").exists()


def test_parallel_kernels_run_on_tbb_in_the_venv(venv, tmp_path):
    code = ("import uvcore, numba\n"
            "from uvcore import threading_layer\n"
            "uvcore.warmup()\n"
            "print(threading_layer.active_layer(), numba.get_num_threads())\n")
    proc = run_py(venv, code, tmp_path, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    layer, _threads = proc.stdout.split()
    assert layer == "tbb"


def test_uvcore_console_script_is_the_module_cli(venv, tmp_path):
    args = ["fixed-points", "--eta", "1.5", "--n-eff", "16"]
    script = subprocess.run([str(venv / "bin" / "uvcore"), *args], cwd=tmp_path,
                            capture_output=True, text=True, env=clean_env(), timeout=300)
    module = subprocess.run([str(venv / "bin" / "python"), "-m", "uvcore", *args],
                            cwd=tmp_path, capture_output=True, text=True, env=clean_env(),
                            timeout=300)
    assert script.returncode == 0, script.stderr
    assert json.loads(script.stdout) == json.loads(module.stdout)
    bad = subprocess.run([str(venv / "bin" / "uvcore"), "fixed-points", "--eta", "-1"],
                         cwd=tmp_path, capture_output=True, text=True, env=clean_env(),
                         timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_sharpness_lab_serves_a_callback_and_a_background_job(venv, tmp_path, callback_map):
    port = free_port()
    env = clean_env(HOST="127.0.0.1", PORT=str(port), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(venv / "bin" / "sharpness-lab")], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, timeout=FIRST_START_S)
        c = HttpDash(base)
        status, _, body = c.get("/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok"
        assert health["threading_layer"] == "tbb"          # warm-up ran a parallel kernel
        c.load_page()
        key = plane_key(callback_map)
        status, _, data = c.callback(callback_body(callback_map, key, plane_values(2.5),
                                                   changed=[f"{ids.input_id('eta')}.value"]))
        assert status == 200, data[:300]
        job_key = next(k for k in callback_map if k.startswith(f"..{ids.ETA_MAX_GRAPH}.figure"))
        body = callback_body(callback_map, job_key, {f"{ids.ETA_MAX_RUN}.n_clicks": 1,
                                                     f"{ids.STATE}.data": "eta=1.5",
                                                     f"{ids.ETA_MAX_GRID}.value": 8})
        answer, _progress = c.background(body, timeout=JOB_S)
        heat = answer["response"][ids.ETA_MAX_GRAPH]["figure"]["data"][0]
        assert heat["type"] == "heatmap" and len(heat["z"]) == 8
        assert any(v is not None for row in heat["z"] for v in row)
    finally:
        stop(proc)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "No threading layer" not in text, text[-3000:]


def test_sharpness_lab_bad_port_is_one_line(venv, tmp_path):
    proc = subprocess.run([str(venv / "bin" / "sharpness-lab")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env=clean_env(PORT="80a", XDG_CACHE_HOME=str(tmp_path / "xdg")))
    assert proc.returncode != 0
    assert proc.stderr.strip() == "sharpness-lab: PORT='80a' is not an integer"
