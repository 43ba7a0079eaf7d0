"""app.shell.config: environment settings and private directories."""

import os
import stat

import pytest

from app.shell.config import (ConfigError, cache_root, env_int, env_str, private_dir, probe_dir,
                              redact_url)


def test_env_str_strips_and_treats_blank_as_unset(monkeypatch):
    monkeypatch.setenv("LAB_TEST_S", "  value \n")
    assert env_str("LAB_TEST_S") == "value"
    monkeypatch.setenv("LAB_TEST_S", "   ")
    assert env_str("LAB_TEST_S", "fallback") == "fallback"
    monkeypatch.delenv("LAB_TEST_S")
    assert env_str("LAB_TEST_S") is None


@pytest.mark.parametrize("raw, value", [("7", 7), (" 12 ", 12), ("-3", -3), ("", 5)])
def test_env_int_reads_integers_and_the_default(monkeypatch, raw, value):
    monkeypatch.setenv("LAB_TEST_I", raw)
    assert env_int("LAB_TEST_I", 5, lo=-10, hi=20) == value


@pytest.mark.parametrize("raw, message", [
    ("1.5", r"LAB_TEST_I='1.5' is not an integer"),
    ("ten", r"LAB_TEST_I='ten' is not an integer"),
    ("0x10", r"LAB_TEST_I='0x10' is not an integer"),
    ("21", r"LAB_TEST_I=21 is outside \[1, 20\]"),
    ("0", r"LAB_TEST_I=0 is outside \[1, 20\]"),
])
def test_env_int_refuses_with_one_line_naming_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("LAB_TEST_I", raw)
    with pytest.raises(ConfigError, match=message) as err:
        env_int("LAB_TEST_I", 5, lo=1, hi=20)
    assert "\n" not in str(err.value)


def test_cache_root_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "sharpness-lab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == type(tmp_path)(os.path.expanduser("~")) / ".cache" / "sharpness-lab"


def test_private_dir_is_created_with_mode_0700_and_tightened(tmp_path):
    made = private_dir(tmp_path / "a" / "b")
    assert made.is_dir() and stat.S_IMODE(made.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    assert stat.S_IMODE(private_dir(loose).stat().st_mode) == 0o700


def test_private_dir_refuses_files_links_and_other_owners(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ConfigError, match=f"^{f} is not a directory$"):
        private_dir(f)
    with pytest.raises(ConfigError, match=f"^CACHE_DIR {f}/sub: cannot create it: Not a directory$"):
        private_dir(f / "sub", "CACHE_DIR")
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(ConfigError, match="is not a directory"):
        private_dir(link)
    if os.getuid() == 0:                           # only root can give a directory away
        other = tmp_path / "other"
        other.mkdir()
        os.chown(other, 12345, 12345)
        with pytest.raises(ConfigError, match=r"is owned by uid 12345, not by this user \(0\)"):
            private_dir(other, "CACHE_DIR")


def test_probe_dir_names_the_variable_and_the_reason(tmp_path):
    assert probe_dir(tmp_path, "JOBS_DIR") is None
    assert list(tmp_path.iterdir()) == []                   # the probe file is gone
    missing = tmp_path / "missing"
    assert probe_dir(missing, "JOBS_DIR") == (
        f"JOBS_DIR {missing} is not writable: No such file or directory")


@pytest.mark.parametrize("url, shown", [
    ("redis://:s3cret@10.0.0.5:6379/0", "redis://***@10.0.0.5:6379/0"),
    ("redis://user:p@ss@host/1", "redis://***@host/1"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    (None, ""), ("", "")])
def test_a_broker_url_is_logged_without_its_password(url, shown):
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url) and "p@ss" not in redact_url(url)
