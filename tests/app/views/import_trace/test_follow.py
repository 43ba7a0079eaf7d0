"""The traces directory (app/views/import_trace/follow.py): names that could
leave it are refused in one line, links (of the file or of a folder on the
way) and non-regular files are never opened, the listing shows only what may
be opened, and a followed file is read incrementally with the same result as
reading it whole."""

import json
import os
import re

import numpy as np
import pytest

from app.shell import config
from app.views.import_trace import follow, parse

ROW = "{t},{df},{lam},{lh}\n"


def csv_rows(start, n):
    return "".join(ROW.format(t=t, df=-2 + 0.01 * t, lam=0.5 + 0.004 * t, lh=0.6 + 0.004 * t)
                   for t in range(start, start + n))


@pytest.fixture
def root(tmp_path):
    d = tmp_path / "traces"
    (d / "runs" / "a").mkdir(parents=True)
    (d / "good.csv").write_text("step,df,lam,lam_h\n" + csv_rows(0, 10))
    (d / "runs" / "a" / "deep.csv").write_text("step,df,lam\n0,-1,1\n")
    outside = tmp_path / "secret.csv"
    outside.write_text("step,df,lam\n0,-1,1\n")
    os.symlink(outside, d / "link.csv")
    os.symlink(tmp_path, d / "linkdir")
    os.symlink(d / "runs", d / "runs-link")
    os.mkfifo(d / "pipe.csv")
    (d / ".hidden.csv").write_text("step,df,lam\n0,-1,1\n")
    return d


BAD_NAMES = {
    "not a string": (5, r"^trace: expected a file name from the list$"),
    "none": (None, r"^trace: expected a file name"),
    "empty": ("", r"^trace: no file chosen$"),
    "NUL": ("good.csv\x00.txt", r"^trace: the name contains a NUL byte$"),
    "control": ("good\x1b.csv", r"control characters"),
    "too long": ("a" * 1025, r"longer than 1024 characters"),
    "long segment": ("b" * 256, r"segment of the name is longer than 255 bytes"),
    "absolute": ("/etc/passwd", r"absolute paths are not allowed"),
    "backslash absolute": ("\\etc\\passwd", r"absolute paths are not allowed"),
    "drive": ("C:x.csv", r"absolute paths are not allowed"),
    "home": ("~/x.csv", r"absolute paths are not allowed"),
    "dotdot": ("../secret.csv", r"'\.\.' is not allowed"),
    "inner dotdot": ("runs/../../secret.csv", r"'\.\.' is not allowed"),
    "backslash": ("runs\\a\\deep.csv", r"backslashes are not allowed"),
    "dot": ("./good.csv", r"empty or '\.' segments"),
    "double slash": ("runs//a/deep.csv", r"empty or '\.' segments"),
    "trailing slash": ("runs/", r"empty or '\.' segments"),
    "too deep": ("a/b/c/d.csv", r"at most 3 levels"),
}


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_names_that_could_leave_the_directory_are_refused(root, case):
    name, pattern = BAD_NAMES[case]
    parts, err = follow.check_name(name)
    assert parts is None and re.search(pattern, err) and "\n" not in err, err
    fd, st, err2 = follow.open_trace(root, name)
    assert fd is None and err2 == err


OPEN_REFUSED = {
    "link.csv": r"^trace: link\.csv is a symbolic link; links are not followed$",
    "linkdir/secret.csv": r"^trace: linkdir is a symbolic link",
    "runs-link/a/deep.csv": r"^trace: runs-link is a symbolic link",
    "pipe.csv": r"^trace: pipe\.csv is not a regular file$",
    "runs": r"^trace: runs is not a regular file$",
    "good.csv/x": r"^trace: good\.csv is not a folder$",
    "missing.csv": r"^trace: no such file in the traces directory: missing\.csv$",
}


@pytest.mark.parametrize("name", list(OPEN_REFUSED))
def test_links_and_non_regular_files_are_never_opened(root, name):
    fd, st, err = follow.open_trace(root, name)
    assert fd is None and re.search(OPEN_REFUSED[name], err), err
    snap = follow.read_followed(root, name)
    assert snap.error and snap.result.trace is None and snap.result.message == err


def test_regular_files_inside_open(root):
    for name in ("good.csv", "runs/a/deep.csv", ".hidden.csv"):
        fd, st, err = follow.open_trace(root, name)
        assert err is None and os.read(fd, 4) == b"step"
        os.close(fd)


def test_the_listing_shows_only_what_may_be_opened(root):
    names = [f["name"] for f in follow.list_traces(root)]
    assert sorted(names) == ["good.csv", "runs/a/deep.csv"]
    assert follow.list_traces(None) == []
    assert follow.list_traces(root / "nowhere") == []


def test_traces_dir_is_off_by_default_and_checked(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACES_DIR", raising=False)
    assert config.traces_dir() is None
    monkeypatch.setenv("TRACES_DIR", str(tmp_path))
    assert config.traces_dir() == tmp_path.resolve()
    (tmp_path / "f").write_text("x")
    monkeypatch.setenv("TRACES_DIR", str(tmp_path / "f"))
    with pytest.raises(config.ConfigError, match=r"^TRACES_DIR .*/f is not a directory$"):
        config.traces_dir()
    monkeypatch.setenv("TRACES_DIR", str(tmp_path / "absent"))
    with pytest.raises(config.ConfigError, match=r"^TRACES_DIR .*absent: No such file"):
        config.traces_dir()


def test_a_growing_file_is_read_incrementally(root):
    path = root / "live.csv"
    path.write_text("# model: mlp\nstep,df,lam,lam_h\n" + csv_rows(0, 20) + "20,-1.8")
    first = follow.read_followed(root, "live.csv")
    assert first.changed and not first.error and first.result.trace.rows == 20
    assert first.result.header == {"model": "mlp"}
    assert first.result.message.startswith("following live.csv: 20 steps")
    # nothing changed: nothing read
    again = follow.read_followed(root, "live.csv", first.signature)
    assert not again.changed and again.result is None
    # the partial row completes and more rows arrive: only the new bytes are read
    with open(path, "a") as f:
        f.write(",0.58,0.68\n" + csv_rows(21, 30))
    entry = follow._CACHE[(str(root), "live.csv")]
    offset_before = entry.offset
    grown = follow.read_followed(root, "live.csv", first.signature)
    assert entry.offset > offset_before and entry.offset == path.stat().st_size
    whole = parse.read_bytes(path.read_bytes(), "live.csv").trace
    assert grown.result.trace.rows == 51 == whole.rows
    for key in ("step", "df", "lam", "lam_h"):
        assert np.array_equal(getattr(grown.result.trace, key), getattr(whole, key))
    # another worker (no cache) re-reads and gets the same
    follow._CACHE.clear()
    fresh = follow.read_followed(root, "live.csv")
    assert np.array_equal(fresh.result.trace.lam, whole.lam)
    # a rewritten (shorter) file is read again from the start
    path.write_text("step,df,lam\n0,-1,1\n")
    short = follow.read_followed(root, "live.csv", grown.signature)
    assert short.result.trace.rows == 1 and short.result.trace.lam_h is None


def test_a_followed_jsonl_file_and_its_errors(root):
    path = root / "probe.jsonl"
    header = {"format": "sharpness-lab-trace", "version": 1, "model": "m", "uv": None}
    path.write_text(json.dumps({"header": header}) + "\n")
    empty = follow.read_followed(root, "probe.jsonl")
    assert not empty.error and empty.result.trace is None and "waiting" in empty.result.message
    with open(path, "a") as f:
        f.write(json.dumps({"step": 0, "df": -1, "lam": 2}) + "\n" + '{"step": 1, "d')
    one = follow.read_followed(root, "probe.jsonl", empty.signature)
    assert one.result.trace.rows == 1 and one.result.header["model"] == "m"
    with open(path, "a") as f:
        f.write('f": -0.5, "lam": 2.5}\n{"step": 1, "df": 0, "lam": 3}\n')
    bad = follow.read_followed(root, "probe.jsonl", one.signature)
    assert bad.error and re.search(r"steps must be strictly increasing", bad.result.message)
    big = root / "big.csv"
    big.write_bytes(b"step,df,lam\n" + b"0,0,0\n" * 1_400_000)
    snap = follow.read_followed(root, "big.csv")
    assert snap.error and "larger than 8 MB; following stopped" in snap.result.message
