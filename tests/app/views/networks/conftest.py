"""Fixtures of the Real networks view's tests: a private result store per test,
and the payloads of tiny real runs (computed once per session)."""

import os

import pytest

from ...conftest import serve
from .common import payload_of


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NETWORKS_CACHE_DIR", str(tmp_path / "networks"))


@pytest.fixture(scope="session")
def payloads():
    return {
        "single": payload_of(experiment="single", depth=2, width=4, activation="linear",
                             param="sp", sigma_w2=2.0, data="gaussian", n_train=32, lr=1.2,
                             steps=30, every=3, seed=3),
        "structural": payload_of(experiment="single", width=8, n_train=32, steps=20, every=5,
                                 matching="structural", data="teacher"),
        "fig1": payload_of(experiment="fig1", scale=0.02),
        "fig5": payload_of(experiment="fig5", scale=0.02, c_points=3),
        "fig4": payload_of(experiment="fig4", scale=0.02),
        "fig4s": payload_of(experiment="fig4s", scale=0.02),
    }


@pytest.fixture(scope="module")
def networks_url(tmp_path_factory):
    """The app with a fresh result cache and a fresh job store (Dash keys a job's
    result by its arguments, so a result left in a shared store by an earlier
    session with the same clicks and controls would answer at once)."""
    dirs = {"NETWORKS_CACHE_DIR": tmp_path_factory.mktemp("networks-cache"),
            "JOBS_DIR": tmp_path_factory.mktemp("jobs")}
    old = {k: os.environ.get(k) for k in dirs}
    os.environ.update({k: str(v) for k, v in dirs.items()})
    from app import create_app
    try:
        with serve(create_app()) as url:
            yield url
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
