"""The Real networks view's store of finished runs: a round trip, keys a
browser may send, broken entries read as misses, and payloads that cannot be
stored as strict JSON are refused without raising."""

import math

from app.views.networks import caps, store

from .common import TINY


def test_a_stored_payload_is_read_back_under_its_key():
    key = store.cache_key(caps.parse_params(TINY)[0])
    assert store.cache_get(key) is None
    assert store.cache_put(key, {"experiment": "single", "runs": [{"loss": [1.0, None]}]})
    assert store.cache_get(key) == {"experiment": "single", "runs": [{"loss": [1.0, None]}]}


def test_unreadable_cache_entries_are_misses():
    key = store.cache_key(caps.parse_params(TINY)[0])
    with store.open_cache() as c:
        c.set(key, "{not json")
    assert store.cache_get(key) is None
    with store.open_cache() as c:
        c.set(key, "[1, 2]")                      # JSON, but not a payload
    assert store.cache_get(key) is None


def test_keys_that_are_not_hex_digests_are_never_looked_up():
    key = store.cache_key(caps.parse_params(TINY)[0])
    store.cache_put(key, {"experiment": "single"})
    for bad in (None, 5, "../../etc/passwd", "A" * 64, key[:-1], key.upper(), [key]):
        assert not store.valid_key(bad)
        assert store.cache_get(bad) is None
    assert store.valid_key(key) and store.cache_get(key) == {"experiment": "single"}


def test_a_payload_that_is_not_strict_json_is_not_stored():
    key = store.cache_key(caps.parse_params(TINY)[0])
    assert store.cache_put(key, {"loss": [math.nan]}) is False
    assert store.cache_get(key) is None
