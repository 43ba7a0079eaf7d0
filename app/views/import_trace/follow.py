"""Traces in the server's traces directory (``TRACES_DIR``): the listing, a
safe way to open one, and following a file that is still being written.

Only files below the configured directory are ever read.  A name a client
sends is refused (a one-line message) when it is not a string, empty, longer
than :data:`MAX_PATH` characters (or a segment longer than
:data:`MAX_SEGMENT` bytes), holds a NUL or another control character, is
absolute (``/…``, ``\\…``, ``C:…``, ``~…``), has a ``..``, ``.`` or empty
segment, or names a symbolic link — the file itself or any folder on the
way — or anything but a regular file.  Opening walks the path one segment at
a time from the directory with ``O_NOFOLLOW`` (no link is followed, and a
link swapped in between the check and the open is refused, not followed).

Following (:func:`read_followed`) reads only what was appended since the last
read when this process has read the file before (a small per-process cache
keyed by the file's device and inode), and re-reads it otherwise (another
worker, a file rewritten or truncated), always within the caps of
:mod:`.parse` (:data:`~.parse.MAX_BYTES`, ``MAX_ROWS``).  A last line
without its newline is left for the next read.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.traces import clean_name
from . import parse
from .reader import TraceReader, short, sniff

__all__ = ["MAX_PATH", "MAX_SEGMENT", "MAX_DEPTH", "MAX_LISTED", "check_name", "open_trace",
           "list_traces", "read_followed", "Snapshot"]

#: Longest name accepted (characters), longest segment (bytes, the usual NAME_MAX).
MAX_PATH = 1024
MAX_SEGMENT = 255
#: Deepest file listed and accepted (segments: ``run/seed-0/trace.jsonl`` is 3).
MAX_DEPTH = 3
#: Most files listed (the newest first).
MAX_LISTED = 200
#: Files followed at once per process (least recently read dropped first).
CACHE_SIZE = 16

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_name(name: Any) -> tuple[tuple[str, ...] | None, str | None]:
    """(segments, None) of a name relative to the traces directory, or (None, why)."""
    if not isinstance(name, str):
        return None, "trace: expected a file name from the list"
    if not name:
        return None, "trace: no file chosen"
    if "\x00" in name:
        return None, "trace: the name contains a NUL byte"
    if len(name) > MAX_PATH:
        return None, f"trace: the name is longer than {MAX_PATH} characters"
    if _CONTROL.search(name):
        return None, "trace: the name contains control characters"
    if name.startswith(("/", "\\", "~")) or _DRIVE.match(name):
        return None, ("trace: absolute paths are not allowed; give a name inside the traces "
                      "directory")
    if "\\" in name:
        return None, "trace: backslashes are not allowed; separate folders with /"
    parts = tuple(name.split("/"))
    if ".." in parts:
        return None, "trace: '..' is not allowed; the file must be inside the traces directory"
    if any(p in ("", ".") for p in parts):
        return None, "trace: empty or '.' segments are not allowed in the name"
    if len(parts) > MAX_DEPTH:
        return None, f"trace: at most {MAX_DEPTH} levels of folders and file name"
    if any(len(p.encode("utf-8", "surrogatepass")) > MAX_SEGMENT for p in parts):
        return None, f"trace: a segment of the name is longer than {MAX_SEGMENT} bytes"
    return parts, None


def _open_error(err: OSError, shown: str) -> str:
    if err.errno == errno.ENOENT:
        return f"trace: no such file in the traces directory: {shown}"
    if err.errno == errno.ELOOP:
        return f"trace: {shown} is a symbolic link; links are not followed"
    if err.errno == errno.ENOTDIR:
        return f"trace: {shown} is not a folder"
    if err.errno == errno.EACCES:
        return f"trace: permission denied: {shown}"
    return f"trace: cannot open {shown}: {err.strerror or 'error'}"


def open_trace(root: Path, name: Any) -> tuple[int | None, os.stat_result | None, str | None]:
    """(file descriptor, its stat, None) of ``name`` below ``root``, or (None, None, why).

    The caller closes the descriptor.  Never raises.
    """
    parts, err = check_name(name)
    if err:
        return None, None, err
    try:
        dirfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        return None, None, f"trace: the traces directory cannot be opened ({exc.strerror})"
    try:
        for i, part in enumerate(parts):
            shown = short("/".join(parts[: i + 1]), 80)
            try:
                st = os.stat(part, dir_fd=dirfd, follow_symlinks=False)
            except OSError as exc:
                return None, None, _open_error(exc, shown)
            last = i == len(parts) - 1
            if stat.S_ISLNK(st.st_mode):
                return None, None, f"trace: {shown} is a symbolic link; links are not followed"
            if not last and not stat.S_ISDIR(st.st_mode):
                return None, None, f"trace: {shown} is not a folder"
            if last and not stat.S_ISREG(st.st_mode):
                return None, None, f"trace: {shown} is not a regular file"
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (
                os.O_NONBLOCK if last else os.O_DIRECTORY)
            try:
                fd = os.open(part, flags, dir_fd=dirfd)
            except OSError as exc:
                return None, None, _open_error(exc, shown)
            os.close(dirfd)
            dirfd = fd
        fd, dirfd = dirfd, -1
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):     # swapped between the check and the open
            os.close(fd)
            return None, None, f"trace: {short(name, 80)} is not a regular file"
        return fd, st, None
    finally:
        if dirfd >= 0:
            os.close(dirfd)


def list_traces(root: Path | None) -> list[dict]:
    """The regular files below ``root`` (at most :data:`MAX_DEPTH` deep, no links,
    no hidden names), newest first, at most :data:`MAX_LISTED`:
    ``[{"name", "size", "mtime"}]``.  [] when ``root`` is None or unreadable."""
    if root is None:
        return []
    found: list[dict] = []

    def walk(folder: Path, prefix: str, depth: int) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            rel = prefix + entry.name
            if check_name(rel)[1]:
                continue
            try:
                if entry.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                    walk(Path(entry.path), rel + "/", depth + 1)
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    found.append({"name": rel, "size": st.st_size, "mtime": st.st_mtime})
            except OSError:
                continue

    walk(Path(root), "", 1)
    found.sort(key=lambda f: (-f["mtime"], f["name"]))
    return found[:MAX_LISTED]


@dataclass
class _Followed:
    """What this process has read of one file: up to ``offset`` (bytes)."""

    dev: int
    ino: int
    kind: str
    offset: int = 0
    reader: TraceReader | None = None
    size: int = -1
    mtime_ns: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Snapshot:
    """One read of a followed file.

    ``changed`` False: the file is as ``known`` said (nothing else is set).
    Otherwise ``result`` (a :class:`.parse.Result`; its ``trace`` None when
    there is no row yet or on an error, with ``error`` True) and the file's
    ``signature`` {"dev", "ino", "size", "mtime"} to send back next time.
    """

    changed: bool
    result: parse.Result | None = None
    error: bool = False
    signature: dict | None = None


_CACHE: "OrderedDict[tuple, _Followed]" = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _signature(st: os.stat_result) -> dict:
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime": st.st_mtime_ns}


def _entry(key: tuple, st: os.stat_result, head: bytes) -> _Followed:
    """The cached reading of a file, or a fresh one when it is new, replaced or shorter."""
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is None or (entry.dev, entry.ino) != (st.st_dev, st.st_ino) \
                or st.st_size < entry.offset:
            text = head.decode("utf-8-sig", "replace")
            kind = sniff(text, key[1])
            entry = _Followed(st.st_dev, st.st_ino, kind,
                              reader=TraceReader(kind) if kind != "json" else None)
            _CACHE[key] = entry
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return entry


def _fail(message: str, sig: dict | None = None) -> Snapshot:
    return Snapshot(True, parse.Result(None, {}, message), error=True, signature=sig)


def read_followed(root: Path, name: Any, known: Any = None) -> Snapshot:
    """Read the followed file ``name`` below ``root`` (see the module docstring).

    ``known`` is the signature of the last read the browser has; when the file
    still matches it, nothing is read (``changed`` False).  Never raises.
    """
    fd, st, err = open_trace(root, name)
    if err:
        return _fail(err)
    try:
        sig = _signature(st)
        if isinstance(known, dict) and all(known.get(k) == v for k, v in sig.items()):
            return Snapshot(False)
        if st.st_size > parse.MAX_BYTES:
            return _fail(f"trace: {short(name, 80)} is larger than "
                         f"{parse.MAX_BYTES / 1e6:g} MB; following stopped", sig)
        key = (str(root), name)
        entry = _entry(key, st, os.pread(fd, 4096, 0))
        with entry.lock:
            return _read_more(fd, st, entry, key, sig)
    except OSError as exc:
        return _fail(f"trace: cannot read {short(name, 80)}: {exc.strerror or 'error'}")
    finally:
        os.close(fd)


def _read_more(fd: int, st: os.stat_result, entry: _Followed, key: tuple,
               sig: dict) -> Snapshot:
    name = clean_name(key[1])
    if entry.kind == "json":                 # one JSON document: re-read it whole
        raw = os.pread(fd, st.st_size, 0)
        if raw.rstrip().endswith(b"}"):
            res = parse.read_bytes(raw, name)
            return Snapshot(True, res, error=res.trace is None, signature=sig)
        return Snapshot(True, parse.Result(None, {}, f"waiting for {name} to be complete"),
                        signature=sig)
    chunk = os.pread(fd, st.st_size - entry.offset, entry.offset)
    cut = chunk.rfind(b"\n") + 1
    if cut:
        text, err = parse.decode(chunk[:cut], "trace")
        if err:
            _drop(key)
            return _fail(err, sig)
        entry.reader.feed_text(text, final=False)
        entry.offset += cut
    reader = entry.reader
    if reader.error:
        _drop(key)
        return _fail(reader.error, sig)
    columns = reader.columns()
    if columns is None or not columns["step"].size:
        return Snapshot(True, parse.Result(None, dict(reader.header),
                                           f"following {name}: waiting for the first row"),
                        signature=sig)
    res = parse.validate(name, columns, reader.header, what="trace", verb="following")
    if res.trace is None:
        _drop(key)
    return Snapshot(True, res, error=res.trace is None, signature=sig)


def _drop(key: tuple) -> None:
    with _CACHE_LOCK:
        _CACHE.pop(key, None)
