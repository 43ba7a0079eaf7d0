"""The traces directory through a real server (werkzeug on 127.0.0.1, HTTP):
the page lists the directory's files, Follow and the poll read only files
inside it, and nothing a client sends — hostile names, forged signatures,
malformed stores — gives anything but a 200 with a one-line message."""

import json
import os

import pytest

from app.core import ids
from tests.deploy.dashclient import HttpDash, callback_body

from ...conftest import serve

INSIDE = "step,df,lam\n0,-2,0.5\n1,-1.9,0.55\n"
HOSTILE_NAMES = [None, 5, 1.5, True, [], {}, ["good.csv"], {"name": "good.csv"}, "",
                 "../secret.csv", "/etc/passwd", "runs/../../secret.csv", "link.csv",
                 "linkdir/secret.csv", "pipe.csv", "runs", "good.csv\x00", "a" * 5000,
                 "\\good.csv", "C:good.csv", "~/good.csv", "./good.csv", "missing.csv",
                 "x/" * 100 + "y"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    base = tmp_path_factory.mktemp("server")
    d = base / "traces"
    (d / "runs").mkdir(parents=True)
    (d / "good.csv").write_text(INSIDE)
    (d / "runs" / "inner.jsonl").write_text(
        json.dumps({"header": {"format": "sharpness-lab-trace", "version": 1}}) + "\n"
        + json.dumps({"step": 0, "df": -1, "lam": 1}) + "\n")
    (base / "secret.csv").write_text(INSIDE)
    os.symlink(base / "secret.csv", d / "link.csv")
    os.symlink(base, d / "linkdir")
    os.mkfifo(d / "pipe.csv")
    return d


@pytest.fixture(scope="module")
def server(root):
    from app import create_app
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACES_DIR", str(root))
        dash_app = create_app({"warmup": False})
        with serve(dash_app) as url:
            client = HttpDash(url)
            client.load_page()
            yield dash_app, client


def _key(dash_app, input_id):
    return next(k for k, cb in dash_app.callback_map.items()
                if any(i["id"] == input_id for i in cb["inputs"]))


def _call(server, input_id, values, changed):
    dash_app, client = server
    body = callback_body(dash_app.callback_map, _key(dash_app, input_id), values, changed)
    status, _, raw = client.callback(body)
    return status, (json.loads(raw) if raw else None)


def _find(node, component_id):
    """The props of the component ``component_id`` in a layout's JSON."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find(child, component_id)
        if found is not None:
            return found
    return None


def test_the_page_lists_the_traces_directory(server):
    dash_app, client = server
    status, _, raw = client.get("/_dash-layout")
    assert status == 200
    listed = [o["value"] for o in _find(json.loads(raw), ids.IMPORT_TRACES)["options"]]
    assert sorted(listed) == ["good.csv", "runs/inner.jsonl"]     # no link, pipe or secret
    status, resp = _call(server, ids.IMPORT_REFRESH, {f"{ids.IMPORT_REFRESH}.n_clicks": 1},
                         [f"{ids.IMPORT_REFRESH}.n_clicks"])
    assert status == 200
    options = resp["response"][ids.IMPORT_TRACES]["options"]
    assert sorted(o["value"] for o in options) == ["good.csv", "runs/inner.jsonl"]


def _follow(server, name):
    return _call(server, ids.IMPORT_FOLLOW,
                 {f"{ids.IMPORT_FOLLOW}.n_clicks": 1, f"{ids.IMPORT_TRACES}.value": name},
                 [f"{ids.IMPORT_FOLLOW}.n_clicks"])


def test_follow_reads_files_inside(server):
    status, resp = _follow(server, "runs/inner.jsonl")
    assert status == 200
    out = resp["response"]
    assert out[ids.IMPORTED]["data"]["rows"] == 1
    assert out[ids.IMPORT_STATUS]["children"].startswith("following inner.jsonl: 1 steps")
    followed = out[ids.IMPORT_FOLLOWED]["data"]
    assert followed["name"] == "runs/inner.jsonl" and followed["rows"] == 1
    # the poll with the signature it was given: the file did not change, nothing sent
    status, resp = _call(server, ids.IMPORT_POLL,
                         {f"{ids.IMPORT_POLL}.data": {"name": followed["name"],
                                                      "sig": followed["sig"]},
                          f"{ids.IMPORT_FOLLOWED}.data": followed},
                         [f"{ids.IMPORT_POLL}.data"])
    assert status == 204 or (status == 200 and not resp.get("response")), (status, resp)


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_hostile_names_are_refused_in_one_line_never_500(server, name):
    status, resp = _follow(server, name)
    assert status == 200, status
    out = resp["response"]
    assert ids.IMPORTED not in out
    message = out[ids.IMPORT_STATUS]["children"]
    assert message.startswith("⚠ trace: ") and "\n" not in message, message
    # the same name in a forged poll: refused, following stops
    followed = {"name": name, "sig": None, "rows": 0, "token": "t"}
    status, resp = _call(server, ids.IMPORT_POLL,
                         {f"{ids.IMPORT_POLL}.data": {"name": name},
                          f"{ids.IMPORT_FOLLOWED}.data": followed},
                         [f"{ids.IMPORT_POLL}.data"])
    assert status in (200, 204), status
    if status == 200 and resp.get("response"):
        out = resp["response"]
        assert ids.IMPORTED not in out
        assert out[ids.IMPORT_STATUS]["children"].startswith("⚠ trace: ")
        assert out[ids.IMPORT_FOLLOWED]["data"] is None


MALFORMED = [None, 5, "x", [], {}, {"name": 5}, {"name": "good.csv", "sig": "forged"},
             {"name": "good.csv", "sig": {"size": -1}}, {"name": "good.csv", "token": 5}]


@pytest.mark.parametrize("value", MALFORMED, ids=repr)
def test_malformed_poll_stores_never_500(server, value):
    for followed in (value, {"name": "good.csv", "sig": value, "rows": 1, "token": "t"}):
        status, resp = _call(server, ids.IMPORT_POLL,
                             {f"{ids.IMPORT_POLL}.data": value
                              if not isinstance(value, dict) else {**value},
                              f"{ids.IMPORT_FOLLOWED}.data": followed},
                             [f"{ids.IMPORT_POLL}.data"])
        assert status in (200, 204), (value, status)
    for prop in (f"{ids.IMPORT_STOP}.n_clicks", f"{ids.IMPORT_FIT}.n_clicks",
                 f"{ids.IMPORT_UV}.n_clicks"):
        input_id = prop.split(".")[0]
        status, _ = _call(server, input_id, {prop: value, f"{ids.IMPORTED}.data": value,
                                             f"{ids.IMPORT_HEADER}.data": value,
                                             f"{ids.IMPORT_FOLLOWED}.data": value}, [prop])
        assert status in (200, 204), (prop, value, status)


def test_following_is_off_without_traces_dir(monkeypatch):
    from app.views.import_trace import callbacks as iv
    monkeypatch.delenv("TRACES_DIR", raising=False)
    out = iv.start_following("good.csv")
    assert out["status"] == "⚠ following is off: the server's TRACES_DIR is not set"
    assert iv.refresh(1)[1] == "⚠ following is off: the server's TRACES_DIR is not set"
