"""uvcore.threading_layer: TBB found through the tbb wheel, the operator's
choice respected, nothing configured at import (each case in a fresh process,
since numba binds its layer once per process)."""

import os
import subprocess
import sys

import pytest

from uvcore import threading_layer

RUN_S = 300


def run(code: str, **env) -> str:
    base = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**base, **env}, timeout=RUN_S)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def test_the_tbb_library_is_found_in_the_wheel():
    path = threading_layer.tbb_library()
    assert path is not None and path.name == threading_layer.TBB_SONAME and path.is_file()


def test_parallel_kernels_run_on_tbb_after_configure():
    out = run("import uvcore\nfrom uvcore import threading_layer as t\n"
              "print(t.configure()); uvcore.warmup(); print(t.active_layer())")
    assert out.split() == ["safe", "tbb"]


def test_an_operators_layer_is_left_alone():
    out = run("import uvcore\nfrom uvcore import threading_layer as t\n"
              "print(t.configure()); uvcore.warmup(); print(t.active_layer())",
              NUMBA_THREADING_LAYER="workqueue")
    assert out.split() == ["workqueue", "workqueue"]


@pytest.mark.parametrize("module", ["uvcore", "app"])
def test_importing_configures_nothing(module):
    out = run(f"import numba, {module}\nfrom uvcore import threading_layer as t\n"
              "print(numba.config.THREADING_LAYER, t.active_layer())")
    assert out.split() == ["default", "None"]
