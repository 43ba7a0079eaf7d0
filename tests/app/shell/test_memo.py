"""The memo cache: backend choice from the environment, JSON (not pickle)
entries that round-trip every memoized result, bounded size, normalized keys."""

import json
import os
import pickle
import stat

import numpy as np
import pytest
from flask import Flask

from app.views.phase_plane import compute
from app.shell import memo
from app.shell import cache as cache_codec
from app.shell.config import ConfigError
from app.core.state import INPUT_DIM, ViewParams, parse_controls
from app.core import compute as shared

ENV = ("CACHE_TYPE", "REDIS_URL", "CACHE_DIR", "CACHE_THRESHOLD", "WEB_CONCURRENCY",
       "SHARPNESS_LAB_PRODUCTION")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for k in ENV:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return monkeypatch


def _equal(a, b):
    """Deep equality for results holding arrays (NaN equal to NaN)."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if hasattr(a, "__dataclass_fields__"):
        return type(a) is type(b) and _equal(vars(a), vars(b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_equal, a, b))
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return a == b and type(a) is type(b)


def _results():
    p = ViewParams()
    key, win = p.map_key, p.plot_window
    return [compute.regions.__wrapped__(*key, win, 20.0),
            compute.vector_field.__wrapped__(*key, win, 6.0),
            compute.nullclines.__wrapped__(*key, win[0]),
            compute.fixed_points.__wrapped__(*key),
            shared.trajectory.__wrapped__(*key, -2.0, 0.5, 300.0),
            shared.trajectory.__wrapped__(*key, -2.0, 1e-9, 30.0),      # forbidden: error
            shared.trajectory.__wrapped__(1e4, *key[1:], -2.0, 0.5, 300.0),   # diverges
            compute.sample_start.__wrapped__(16.0, 8.0, "ntp", 1.0, 1.0, 2.0, 0.0, 16.0),
            compute.paramspace_run.__wrapped__(16.0, 8.0, "ntp", 1.0, 1.0, 2.0, 0.0, 1.5,
                                               16.0, 40.0)]


def test_every_memoized_result_round_trips_through_json():
    for value in _results():
        raw = cache_codec.dumps(value)
        json.loads(raw)                                   # plain JSON: no NaN tokens
        assert b"NaN" not in raw and b"Infinity" not in raw
        assert _equal(cache_codec.loads(raw), value), type(value)


def test_codec_refuses_foreign_classes_and_pickles():
    class Foreign:
        pass
    with pytest.raises(cache_codec.CodecError):
        cache_codec.dumps(Foreign())
    with pytest.raises(cache_codec.CodecError):
        cache_codec.loads(json.dumps({"__dc__": "os:system", "s": {}}))
    with pytest.raises(cache_codec.CodecError):
        cache_codec.loads(json.dumps({"__nd__": ["|O", [1], "AAAAAAAAAAA="]}))
    ser = cache_codec.JSONRedisSerializer()
    assert ser.loads(b"!" + pickle.dumps({"x": 1})) is None       # a pickle is a miss
    assert ser.loads(ser.dumps(7)) == 7 and ser.dumps(7) == b"7"  # INCR-compatible


def test_backend_choice(clean_env, tmp_path):
    assert memo.cache_config()["CACHE_TYPE"] == "SimpleCache"
    clean_env.setenv("WEB_CONCURRENCY", "3")
    cfg = memo.cache_config()
    assert cfg["CACHE_TYPE"] == "FileSystemCache"
    assert cfg["CACHE_THRESHOLD"] == memo.FILE_CACHE_THRESHOLD
    assert stat.S_IMODE(os.stat(cfg["CACHE_DIR"]).st_mode) == 0o700
    clean_env.setenv("CACHE_TYPE", "SimpleCache")
    with pytest.raises(ConfigError, match="per process"):
        memo.cache_config()
    clean_env.setenv("CACHE_TYPE", "Pickles")
    with pytest.raises(ConfigError):
        memo.cache_config()
    clean_env.delenv("CACHE_TYPE")
    clean_env.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    assert memo.cache_config()["CACHE_TYPE"] == "RedisCache"
    clean_env.delenv("REDIS_URL")
    clean_env.delenv("WEB_CONCURRENCY")
    clean_env.setenv("SHARPNESS_LAB_PRODUCTION", "1")
    clean_env.setenv("CACHE_DIR", str(tmp_path / "memo"))
    clean_env.setenv("CACHE_THRESHOLD", "7")
    cfg = memo.cache_config()
    assert cfg == {**cfg, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "memo"),
                   "CACHE_THRESHOLD": 7}


def test_cache_dir_owned_by_someone_else_is_refused(clean_env, tmp_path):
    if os.getuid() != 0:
        pytest.skip("needs root to chown")      # CI runs as root
    d = tmp_path / "theirs"
    d.mkdir()
    os.chown(d, 12345, 12345)
    clean_env.setenv("CACHE_TYPE", "FileSystemCache")
    clean_env.setenv("CACHE_DIR", str(d))
    with pytest.raises(ConfigError, match="owned by"):
        memo.cache_config()


def test_file_cache_stores_json_and_stays_bounded(clean_env, tmp_path):
    clean_env.setenv("CACHE_TYPE", "FileSystemCache")
    clean_env.setenv("CACHE_DIR", str(tmp_path / "memo"))
    clean_env.setenv("CACHE_THRESHOLD", "5")
    server = Flask("t")
    memo.init_cache(server)
    with server.app_context():
        for seed in range(1, 30):
            compute.sample_start(16, INPUT_DIM, "ntp", 1.0, 1.0, 2.0, seed, 16.0)
        files = [f for f in (tmp_path / "memo").iterdir() if f.is_file()]
        assert len(files) <= 5 + 2          # threshold entries + count and version files
        for f in files:
            body = f.read_bytes()[4:]       # 4-byte expiry header, then the entry
            if body:
                json.loads(body)
            assert not body.startswith(b"\x80")          # no pickle protocol header
        again = compute.sample_start(16, INPUT_DIM, "ntp", 1.0, 1.0, 2.0, 29, 16.0)
        assert again.error is None and again.lam0 > 0
    memo.init_cache(Flask("reset"))


#: CACHE_THRESHOLD of the file cache in the restart tests.
THRESHOLD = 5
#: Worker boots simulated on one CACHE_DIR.
BOOTS = 6
#: Distinct entries written between two boots (well over the threshold).
WRITES_PER_BOOT = 3 * THRESHOLD


def _file_cache_env(env, directory):
    env.setenv("CACHE_TYPE", "FileSystemCache")
    env.setenv("CACHE_DIR", str(directory))
    env.setenv("CACHE_THRESHOLD", str(THRESHOLD))


def _boot():
    """One worker boot: a fresh Flask app whose memo cache is the file cache."""
    server = Flask("worker")
    memo.init_cache(server)
    return server, server.extensions["cache"][memo.cache]


def _entry_files(backend):
    """The entry files of a FileSystemCache: neither its count file nor its
    half-written temporary files."""
    count_file = os.path.basename(backend._get_filename(backend._fs_count_file))
    return [f for f in os.listdir(backend._path)
            if f != count_file and not f.endswith(backend._fs_transaction_suffix)]


def _stored_count(backend):
    """The entry count as stored on disk (JSON after the 4-byte expiry header)."""
    with open(backend._get_filename(backend._fs_count_file), "rb") as f:
        return json.loads(f.read()[4:])


def test_file_cache_bound_holds_across_worker_boots(clean_env, tmp_path, caplog):
    # cachelib prunes before it writes a new entry, and only once the count is
    # over the threshold, down to the threshold (_prune: _remove_expired, then
    # _remove_older until count <= threshold); the entry is then written.  So
    # at most THRESHOLD + 1 entries exist after any write, and at most
    # THRESHOLD right after a boot (init_cache prunes an over-full directory).
    _file_cache_env(clean_env, tmp_path / "memo")
    seed = 0
    for boot in range(BOOTS):
        server, backend = _boot()
        assert len(_entry_files(backend)) <= THRESHOLD, boot
        with server.app_context():
            for _ in range(WRITES_PER_BOOT):
                seed += 1
                compute.sample_start(16, INPUT_DIM, "ntp", 1.0, 1.0, 2.0, seed, 16.0)
                assert len(_entry_files(backend)) <= THRESHOLD + 1, (boot, seed)
        assert _stored_count(backend) == len(_entry_files(backend))   # JSON, exact
    assert "memo cache" not in caplog.text       # the count file always read as JSON
    memo.init_cache(Flask("reset"))


def test_file_cache_prunes_an_overfull_directory_at_boot(clean_env, tmp_path):
    _file_cache_env(clean_env, tmp_path / "memo")
    _, backend = _boot()
    backend._threshold = 0                   # no counting, no pruning: fill it up
    for i in range(WRITES_PER_BOOT):
        backend.set(f"k{i}", i, timeout=memo.CACHE_TIMEOUT + i)   # k0 expires first
    assert len(_entry_files(backend)) == WRITES_PER_BOOT
    _, backend = _boot()
    assert len(_entry_files(backend)) == THRESHOLD
    assert _stored_count(backend) == THRESHOLD
    newest = range(WRITES_PER_BOOT - THRESHOLD, WRITES_PER_BOOT)     # the oldest go
    assert [backend.get(f"k{i}") for i in newest] == list(newest)
    memo.init_cache(Flask("reset"))


def _entries(server):
    return len(server.extensions["cache"][memo.cache]._cache)


def _sample(p):
    return compute.sample_start(p.width, INPUT_DIM, p.preset, p.sigma, p.x_norm, p.y, p.seed,
                                p.n_eff)


@pytest.mark.parametrize("value", [5, 5.0, "5", " 5 ", "5.0", np.float64(5)])
def test_5_and_5_0_and_quoted_5_share_one_entry(clean_env, value):
    server = Flask("t")
    memo.init_cache(server)
    with server.app_context():
        ref = parse_controls({"sigma": 5}).params
        _sample(ref)
        n = _entries(server)
        p = parse_controls({"sigma": value}).params
        assert p == ref
        _sample(p)
        raw = value if not isinstance(value, str) else 5
        compute.sample_start(16, INPUT_DIM, "ntp", raw, 1, 2, 0, 16)
        assert _entries(server) == n
    memo.init_cache(Flask("reset"))


def test_local_memo_shares_entries_across_number_types_and_freezes_results():
    shared.trajectory.memoized.cache_clear()
    a = shared.trajectory(1.5, 16, 1, 2, -2, 0.5, 100)
    b = shared.trajectory(1.5, 16.0, 1.0, 2.0, -2.0, 0.5, 100.0)
    assert a is b and shared.trajectory.memoized.cache_info().hits == 1
    with pytest.raises(ValueError, match="read-only"):
        a.traj.lam[0] = 0.0
