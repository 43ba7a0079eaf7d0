"""The Real networks view's export, read back by the Import view's own parser:
Δf = −√(2 loss), λ = the NTK eigenvalue, λᴴ; Fig 1 exports each network,
Fig 5 and Fig 4 have nothing to export, and hostile stores or choices give
the message that says why."""

import math

import pytest

from app.core import traces
from app.views.import_trace import parse as imported
from app.views.networks import callbacks as cb
from app.views.networks import export
from app.views.networks.store import cache_get

from .common import TINY, values

#: Exported numbers keep 7 significant digits.
EXPORT_REL = 1e-6


@pytest.fixture
def tiny_store():
    _fig, _status, _cls, store, options, value = cb.run_job(None, 1, *values(**TINY))
    assert options == [{"label": "network", "value": 0}] and value == 0
    return store


def test_export_is_read_back_by_the_import_parser(tiny_store):
    data, message, cls = export.download(tiny_store, 0)
    assert cls == "message note" and data["filename"] == "network-single-network.csv"
    assert message.startswith("Exported network-single-network.csv")
    trace, msg = imported.parse_bytes(data["content"].encode(), data["filename"])
    assert trace is not None, msg
    run = cache_get(tiny_store["key"])["runs"][0]
    # one row per measured step; Δf = −√(2 loss), λ = NTK, λᴴ = Hessian sharpness
    assert trace.step.tolist() == run["step"]
    for k in range(trace.rows):
        assert trace.df[k] == pytest.approx(-math.sqrt(2 * run["train_loss"][k]), rel=EXPORT_REL)
        assert 0.5 * trace.df[k] ** 2 == pytest.approx(run["train_loss"][k], rel=3 * EXPORT_REL)
        assert trace.lam[k] == pytest.approx(run["ntk"][k], rel=EXPORT_REL)
        assert trace.lam_h[k] == pytest.approx(run["sharpness"][k], rel=EXPORT_REL)
    # the browser copy the Import view keeps is valid too
    assert traces.from_store(traces.to_store(trace)) is not None


def test_fig1_exports_each_network():
    _, _, _, store, options, _ = cb.run_job(None, 1, *values(experiment="fig1", scale=0.02))
    assert [o["value"] for o in options] == [0, 1, 2]
    names = set()
    for o in options:
        data, _, _cls = export.download(store, o["value"])
        trace, msg = imported.parse_bytes(data["content"].encode(), data["filename"])
        assert trace is not None, msg
        names.add(data["filename"])
    assert len(names) == 3


def test_fig5_and_fig4_have_nothing_to_export():
    _, _, _, store, options, value = cb.run_job(None, 1, *values(experiment="fig5", scale=0.02,
                                                                 c_points=2))
    assert options == [] and value is None
    data, message, cls = export.download(store, 0)
    assert data is None and cls == "message error"
    assert message == ("⚠ Fig 5 and Fig 4 keep only λᴴ (no loss or NTK per step): nothing to "
                       "export as a trace")


@pytest.mark.parametrize("store", [None, 5, "x", {}, {"key": "../../etc/passwd"},
                                   {"key": 123}])
@pytest.mark.parametrize("which", [None, -1, 99, "0", True, [0]])
def test_a_hostile_store_asks_for_a_run(store, which):
    assert export.download(store, which) == (None, "⚠ run something first", "message error")


@pytest.mark.parametrize("which", [None, -1, 99, "0", True, [0]])
def test_a_result_no_longer_stored_asks_to_run_again(which):
    assert export.download({"key": "0" * 64}, which) == (
        None, "⚠ this result is no longer cached on the server: run it again", "message error")


@pytest.mark.parametrize("which, exported", [(None, True), ("0", True), (True, True),
                                             ([0], True), (-1, False), (99, False)])
def test_a_hostile_choice_exports_the_first_run_or_asks_for_one(tiny_store, which, exported):
    data, message, cls = export.download(tiny_store, which)
    if exported:
        assert data == export.download(tiny_store, 0)[0] and cls == "message note"
    else:
        assert (data, message, cls) == (None, "⚠ choose a run to export", "message error")


def test_a_run_without_a_finite_step_has_nothing_to_export():
    payload = {"experiment": "single", "runs": [{"step": [0, 1], "train_loss": [None, -1.0],
                                                 "ntk": [1.0, 1.0], "sharpness": [1.0, 1.0]}]}
    with pytest.raises(ValueError, match="no finite measured step"):
        export.export_csv(payload, 0)


def test_a_failure_nobody_foresaw_gives_the_export_a_message(tiny_store, monkeypatch):
    def broken(payload, index):
        raise RuntimeError("boom")
    monkeypatch.setattr(export, "export_csv", broken)
    assert export.download(tiny_store, 0) == (None, "⚠ internal error while exporting",
                                              "message error")
