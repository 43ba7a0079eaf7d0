"""Numba's parallel runtime: TBB, loadable in any install (system, venv, image).

Why TBB.  The dashboard runs the parallel kernels in its web workers, then
starts background jobs by forking those workers (Dash's diskcache manager)
or Celery's prefork pool does the same.  GNU OpenMP aborts a forked child
that launches a parallel region, and numba's built-in ``workqueue`` layer is
neither thread-safe nor fork-safe; TBB is both (numba's ``"safe"`` choice).

Why a preload.  The ``tbb`` wheel puts ``libtbb.so.12`` in ``<prefix>/lib``
(for a virtual environment ``<venv>/lib``, in the image ``/opt/venv/lib``),
which the dynamic loader does not search, so numba's ``tbbpool`` extension
fails to load with "No threading layer could be loaded" unless the
interpreter happens to have that directory on its own library path.  Loading
the library by its full path first (``RTLD_GLOBAL``) satisfies the
extension's ``NEEDED libtbb.so.12`` entry: the loader reuses a library that
is already loaded under that soname.  Nothing needs ``LD_LIBRARY_PATH``.

:func:`configure` is called by whatever starts work that may fork
(``app.create_app``, the Celery worker, the command line), never at import.
"""

from __future__ import annotations

import ctypes
import os
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["configure", "tbb_library", "active_layer", "INTENDED_LAYER", "TBB_SONAME"]

#: numba's name for "thread- and fork-safe", which only TBB satisfies.
INTENDED_LAYER = "safe"
#: The soname numba's tbbpool extension links against (TBB 2021 and later).
TBB_SONAME = "libtbb.so.12"

_preloaded: list[str] = []


def tbb_library() -> Path | None:
    """Full path of the ``tbb`` distribution's ``libtbb.so.12``, or None.

    Looked up in the distribution's own file list (the wheel records it as
    ``../../libtbb.so.12`` relative to site-packages), then in
    ``sys.prefix/lib`` and ``sys.base_prefix/lib``.
    """
    try:
        files = metadata.files("tbb") or []
    except metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == TBB_SONAME:
            path = Path(f.locate()).resolve()
            if path.is_file():
                return path
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        path = Path(prefix) / "lib" / TBB_SONAME
        if path.is_file():
            return path
    return None


def _preload_tbb() -> str | None:
    """Load libtbb globally once; returns its path (None when none was found)."""
    if _preloaded:
        return _preloaded[0]
    path = tbb_library()
    if path is None:
        return None
    ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    _preloaded.append(str(path))
    return str(path)


def configure() -> str:
    """Make TBB loadable and ask numba for the thread- and fork-safe layer.

    Must run before the first parallel kernel of the process (numba binds its
    layer at the first launch).  ``NUMBA_THREADING_LAYER``, when set, is the
    operator's choice and is left alone.  Idempotent.

    Returns
    -------
    str
        The layer numba was asked for (``"safe"``, or the operator's choice).
    """
    import numba  # noqa: PLC0415  (heavy; only when configuring)

    _preload_tbb()
    if os.environ.get("NUMBA_THREADING_LAYER", "").strip():
        return str(numba.config.THREADING_LAYER)
    numba.config.THREADING_LAYER = INTENDED_LAYER
    return INTENDED_LAYER


def active_layer() -> str | None:
    """The layer numba launched (``"tbb"``, ``"omp"``, ``"workqueue"``), or
    None when no parallel kernel has run in this process yet."""
    import numba  # noqa: PLC0415

    try:
        return str(numba.threading_layer())
    except ValueError:            # "Threading layer is not initialized."
        return None
