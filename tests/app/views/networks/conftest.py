"""Fixtures of the Real networks view's tests: a private result store per test,
and the payloads of tiny real runs (computed once per session)."""

import pytest

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
