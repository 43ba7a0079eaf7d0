"""A fresh virtual environment with the project installed by ``pip install .``,
made as a user makes one: from Debian's own ``/usr/bin/python3`` when it can
make venvs (else the interpreter this venv was made from), outside the
checkout, with nothing on ``LD_LIBRARY_PATH`` or ``PYTHONPATH``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .image import REPO

#: Debian's interpreter, which is what users of a fresh Debian 12 have.
DEBIAN_PYTHON = Path("/usr/bin/python3")
#: Seconds `pip install .` may take (wheels from pip's cache; a cold cache downloads).
INSTALL_S = 900
#: What a source checkout needs for `pip install .` (the rest is tests and docs).
SOURCE_ITEMS = ("pyproject.toml", "requirements.txt", "requirements-torch.txt", "README.md", "app",
                "uvcore")


def base_python() -> str:
    """Debian's python3 when it has venv support, else the base of this venv."""
    if DEBIAN_PYTHON.exists() and subprocess.run(
            [str(DEBIAN_PYTHON), "-c", "import ensurepip"], capture_output=True).returncode == 0:
        return str(DEBIAN_PYTHON)
    return getattr(sys, "_base_executable", None) or sys.executable


def clean_env(**extra: str) -> dict:
    """The environment of a user's shell: no loader or import paths set by hand."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME",
                        "VIRTUAL_ENV", "NUMBA_THREADING_LAYER", "NUMBA_CACHE_DIR")
           and not k.startswith(("CELERY_", "REDIS_", "CACHE_", "JOBS_", "DASH_"))}
    env.update(extra)
    return env


def make_installed_venv(root: Path) -> Path:
    """Copy the sources to ``root/src``, make ``root/venv`` and ``pip install`` them.

    Returns the venv's directory.  Raises ``CalledProcessError`` with pip's
    output when the install fails.
    """
    src = root / "src"
    src.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    for item in SOURCE_ITEMS:
        path = REPO / item
        if path.is_dir():
            shutil.copytree(path, src / item, ignore=ignore)
        else:
            shutil.copy2(path, src / item)
    venv = root / "venv"
    subprocess.run([base_python(), "-m", "venv", str(venv)], check=True, env=clean_env(),
                   timeout=300)
    proc = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet",
                           "--disable-pip-version-check", str(src)],
                          capture_output=True, text=True, env=clean_env(), timeout=INSTALL_S,
                          cwd=root)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args,
                                            proc.stdout[-3000:], proc.stderr[-3000:])
    return venv
