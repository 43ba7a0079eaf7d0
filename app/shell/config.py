"""Deployment settings read from the environment (one place for every variable).

Every variable is documented in ``docs/deployment.md``.  The helpers here
never print secrets; bad values fail at start with a one-line message
(:class:`ConfigError`) rather than later inside a request.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["ConfigError", "env_int", "env_str", "private_dir", "cache_root", "probe_dir",
           "redact_url", "traces_dir"]

#: Bytes written by :func:`probe_dir`: enough that a full file system refuses them.
PROBE_BYTES = 4096

#: Application name used in default directory names.
APP_DIR_NAME = "sharpness-lab"


class ConfigError(RuntimeError):
    """A deployment setting is unusable (raised at start, never in a request)."""


def env_str(name: str, default: str | None = None) -> str | None:
    """``$name`` stripped, or ``default`` when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int, lo: int | None = None, hi: int | None = None) -> int:
    """``$name`` as an integer in [lo, hi] (default when unset or blank)."""
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name}={value} is outside [{lo}, {hi}]")
    return value


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/sharpness-lab`` (``~/.cache/sharpness-lab`` by default)."""
    base = env_str("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_DIR_NAME


def private_dir(path: str | os.PathLike, name: str | None = None) -> Path:
    """Create ``path`` (and parents) if needed and make sure only we can use it.

    The directory must be owned by the current user; its mode is set to 0700.
    A directory owned by someone else (e.g. pre-created in a shared /tmp) is
    refused, since whoever owns it could plant cache entries, and so is one
    that cannot take a file now (:func:`probe_dir`; ``name``, the variable
    that chose it, starts the message).
    """
    p = Path(path).expanduser().absolute()
    try:
        p.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"{p} is not a directory") from None
    except OSError as err:
        label = f"{name} {p}" if name else str(p)
        raise ConfigError(f"{label}: cannot create it: {err.strerror or err}") from None
    st = p.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"{p} is not a directory")
    if st.st_uid != os.getuid():
        raise ConfigError(f"{p} is owned by uid {st.st_uid}, not by this user ({os.getuid()})")
    if stat.S_IMODE(st.st_mode) != 0o700:
        try:
            os.chmod(p, 0o700)
        except OSError as err:
            raise ConfigError(f"{p}: cannot make it private (mode 0700): {err.strerror}") from None
    problem = probe_dir(p, name)
    if problem:
        raise ConfigError(problem)
    return p


def probe_dir(path: str | os.PathLike, name: str | None = None) -> str | None:
    """Why ``path`` cannot take a small file now, in one line (None: it can).

    Writes :data:`PROBE_BYTES` bytes to a new file, syncs and removes it, so a
    read-only or full file system answers here rather than in a job.
    ``name`` (e.g. ``"JOBS_DIR"``) starts the message.
    """
    label = f"{name} {path}" if name else str(path)
    try:
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-")
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as err:
        return f"{label} is not writable: {err.strerror or err}"
    return None


def redact_url(url: str | None) -> str:
    """A broker URL without its password (for logs)."""
    if not url or "@" not in url:
        return url or ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def traces_dir() -> Path | None:
    """``TRACES_DIR``: the directory of traces the Import view lists and follows.

    None when unset (the default: the server lists no files).  Otherwise the
    directory's real path; one that does not exist, is not a directory or
    cannot be read raises :class:`ConfigError`.  Files are only ever read
    below it (``app.views.import_trace.follow`` refuses ``..``, links and
    absolute paths).
    """
    raw = env_str("TRACES_DIR")
    if raw is None:
        return None
    p = Path(raw).expanduser().absolute()
    try:
        st = p.stat()
    except OSError as err:
        raise ConfigError(f"TRACES_DIR {p}: {err.strerror or err}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"TRACES_DIR {p} is not a directory")
    if not os.access(p, os.R_OK | os.X_OK):
        raise ConfigError(f"TRACES_DIR {p} cannot be read by this user")
    return Path(os.path.realpath(p))
