"""End to end: a user's own PyTorch training loop with a SharpnessProbe
attached writes a JSON-lines trace into the server's TRACES_DIR, and the
dashboard (headless Chromium, 1366×768, large font) follows it live on the
phase plane and draws the matched UV model beside it.

The loop is ordinary PyTorch (``nn.MSELoss``, ``optim.SGD``) plus the probe's
lines; the test trains in two bursts and checks that the plane grows by
exactly the rows the probe wrote, and that "Show the matched UV model" sets
the plane to the UV parameters recorded in the trace's header.  Every wait
is on a condition in the page.
"""

import json

import pytest
import torch

from app.core import ids
from uvcore.probe import SharpnessProbe

from ...conftest import PLOT
from .test_browser_follow import (TIMEOUT_MS, follow_newest, follow_url, newest,  # noqa: F401
                                  points, show_uv_model, traces_root, wait_text)

pytestmark = pytest.mark.browser

#: Relative agreement of a parameter shown in an input (written to the state's
#: significant digits) with the header's value.
SHOWN_RTOL = 1e-3


def _users_loop(path, steps_first):
    """A small tanh MLP on a fixed regression set, trained by full-batch SGD."""
    torch.manual_seed(0)
    X = torch.randn(64, 5)
    Y = torch.sin(X @ torch.randn(5, 2))
    model = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.Tanh(), torch.nn.Linear(32, 2))
    loss_fn = torch.nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    probe = SharpnessProbe(model, loss_fn, (X, Y), every=1, trace=path,   # the user's 1st line
                           uv_calibration=steps_first, name="tanh-mlp")

    def train(t0, t1):
        for t in range(t0, t1):
            probe.step(t, 0.3)                                           # the user's 2nd line
            opt.zero_grad()
            loss_fn(model(X), Y).backward()
            opt.step()
    return train


def _rows(path):
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])["header"]
    return header, [json.loads(s) for s in lines[1:]]


def test_a_users_torch_loop_is_followed_live_beside_its_uv_model(page, follow_url,
                                                                  traces_root):
    path = traces_root / "users-run.jsonl"
    train = _users_loop(path, steps_first=12)
    train(0, 13)         # steps 0..12 span the calibration: the header (with the UV model)
    header, rows = _rows(path)
    assert header["model"] == "tanh-mlp" and header["uv"] is not None and len(rows) == 13
    newest(path)
    follow_newest(page, follow_url)
    wait_text(page, ids.IMPORT_STATUS, "following users-run.jsonl: 13 steps")
    wait_text(page, ids.IMPORT_STATUS, "with a matched UV model")
    show_uv_model(page)
    uv = header["uv"]
    # the plane has taken the model's η (the default trajectory's star is there from the start)
    page.wait_for_function(
        f"() => Math.abs(parseFloat(document.getElementById('eta-input').value) - {uv['eta']!r})"
        f" <= {SHOWN_RTOL} * {uv['eta']!r} && {PLOT} && {PLOT}.data && {PLOT}.data.some("
        f"t => t.name && t.name.endsWith('(selected) start') && "
        f"Math.abs(t.x[0] - {uv['df0']!r}) <= {SHOWN_RTOL} * Math.abs({uv['df0']!r}))",
        timeout=TIMEOUT_MS)
    for key, name in (("eta", "eta-input"), ("n_eff", "n-eff-input"),
                      ("x_norm", "x-norm-input"), ("y", "y-input")):
        shown = float(page.input_value(f"#{name}"))
        assert shown == pytest.approx(uv[key], rel=SHOWN_RTOL), (key, shown, uv[key])
    start = page.evaluate(f"() => {PLOT}.data.find(t => t.name && "
                          "t.name.endsWith('(selected) start'))")
    assert start["x"][0] == pytest.approx(uv["df0"], rel=SHOWN_RTOL)
    assert start["y"][0] == pytest.approx(uv["lam0"], rel=SHOWN_RTOL)
    page.wait_for_function(f"() => {{ const name = 'users-run.jsonl'; "
                           "const g = " + PLOT + "; const t = g && g.data && "
                           "g.data.find(t => t.name === 'imported: ' + name); "
                           "return t && t.x.length === 13; }", timeout=TIMEOUT_MS)

    train(13, 30)                           # the loop goes on; the plane follows it
    _, rows = _rows(path)
    assert len(rows) == 30
    page.wait_for_function(f"() => {{ const name = 'users-run.jsonl'; "
                           "const g = " + PLOT + "; const t = g && g.data && "
                           "g.data.find(t => t.name === 'imported: ' + name); "
                           "return t && t.x.length === 30; }", timeout=TIMEOUT_MS)
    x = page.evaluate("(name) => " + PLOT + ".data.find(t => t.name === 'imported: ' + name).x",
                      "users-run.jsonl")
    assert x == pytest.approx([r["df"] for r in rows], rel=1e-5)
    assert points(page, "users-run.jsonl") == 30
