"""Importing a module does no work: no Flask or Dash app is built, no kernel is
compiled, and no global configuration (environment, numba's threading layer,
NumPy's error state, warnings, logging) changes.  Entry modules, whose job is
to build the instance, are the exception: ``app.wsgi``, ``app.celery_app``,
``app.gunicorn_conf`` (gunicorn's settings file) and ``__main__`` modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = ("app.wsgi", "app.celery_app", "app.gunicorn_conf", "app.__main__",
                "uvcore.__main__")

PROBE = r"""
import json, logging, os, pkgutil, sys, warnings, importlib
import numpy as np
import flask, dash, numba
try:        # the optional extra: torch adds its own warning filters when imported
    import torch
except ImportError:
    torch = None
from numba.core.dispatcher import Dispatcher

built = []
for cls in (flask.Flask, dash.Dash):
    init = cls.__init__
    def counted(self, *a, __init=init, __name=cls.__name__, **k):
        built.append(__name)
        return __init(self, *a, **k)
    cls.__init__ = counted
compiled = []
compile_ = Dispatcher.compile
def counting_compile(self, sig):
    compiled.append(getattr(self, "__name__", "?"))
    return compile_(self, sig)
Dispatcher.compile = counting_compile

def snapshot():
    return {"env": dict(os.environ), "layer": numba.config.THREADING_LAYER,
            "err": np.geterr(), "warnings": len(warnings.filters),
            "root_level": logging.getLogger().level,
            "root_handlers": len(logging.getLogger().handlers)}

entry = set(sys.argv[1].split(","))
names = []
for top in ("uvcore", "app"):
    pkg = importlib.import_module(top)
    names.append(top)
    for info in pkgutil.walk_packages(pkg.__path__, top + "."):
        if torch is None and info.name.startswith("uvcore.probe"):
            continue    # needs the [torch] extra (its ImportError: tests/uvcore/probe)
        if info.name not in entry and not info.name.endswith("__main__"):
            names.append(info.name)
before = snapshot()
changed = {}
for name in names:
    ref = snapshot()
    importlib.import_module(name)
    now = snapshot()
    diff = sorted(k for k in ref if ref[k] != now[k])
    if diff:
        changed[name] = diff
print(json.dumps({"imported": names, "built": built, "compiled": compiled,
                  "changed": changed}))
"""


def test_importing_any_module_builds_nothing_and_configures_nothing():
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL",)}
    out = subprocess.run([sys.executable, "-c", PROBE, ",".join(ENTRY_POINTS)], cwd=ROOT,
                         env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(report["imported"]) > 60              # every package and module was reached
    assert "app.views.phase_plane.callbacks" in report["imported"]
    assert report["built"] == [], report["built"]
    assert report["compiled"] == [], report["compiled"]
    assert report["changed"] == {}, report["changed"]
