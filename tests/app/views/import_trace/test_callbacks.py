"""The Import view's callbacks, called directly and through Dash's HTTP
endpoint: uploads become the trace's browser copy, hostile uploads and file
names a one-line message, Clear removes the trace; the upload limit fits the
server's request limit."""

import base64
import json
from pathlib import Path

import pytest
from dash import no_update

import app
from app.core import ids, layout, traces
from app.shell.server import max_content_length
from app.views.import_trace import callbacks as iv
from app.views.import_trace import layout as ilayout
from app.views.import_trace import parse as imported

from ...conftest import request_body

HOSTILE = [None, "", "abc", [], {}, [1, 2], {"a": [1]}, True, False, 1e308, -1e308,
           float("nan"), float("inf"), "1e999", 10**400, -1, 0, "0x1f", "5; DROP", " ", "∞"]


def data_url(raw: bytes, mime="text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def upload(contents, filename="run.csv") -> dict:
    """The import-pending store after the browser's size check."""
    return {"contents": contents, "filename": filename}


GOOD_CSV = b"step,df,lam,lam_h\n0,-2,0.5,0.6\n1,-1.5,0.7,0.75\n5,-1,0.8,0.81\n"


def test_upload_csv_and_json():
    out = iv.handle_upload(upload(data_url(GOOD_CSV), "run.csv"))
    assert out["tab"] == layout.PHASE_PLANE_TAB and out["status"].startswith("imported run.csv")
    st = traces.from_store(out["store"])
    assert st.rows == 3 and st.name == "run.csv" and set(st.series) == {"loss", "lam", "lam_h"}
    assert st.plane[0].tolist() == [0, 1, 5] and st.plane[2].tolist() == [0.5, 0.7, 0.8]
    doc = {"step": [0, 2, 4], "df": [-2, -1, 0.5], "lam": [0.5, 0.6, 0.7]}
    out = iv.handle_upload(upload(data_url(json.dumps(doc).encode(), "application/json"),
                                  "run.json"))
    st = traces.from_store(out["store"])
    assert st.rows == 3 and set(st.series) == {"loss", "lam"}
    assert st.series["loss"][1].tolist() == [2.0, 0.5, 0.125]


def test_a_trace_that_cannot_be_stored_is_a_message(monkeypatch):
    def broken(trace):
        raise ValueError("boom")
    monkeypatch.setattr(traces, "to_store", broken)
    out = iv.handle_upload(upload(data_url(GOOD_CSV)))
    assert out == {"store": no_update, "status": "⚠ upload: could not prepare the trace",
                   "status_class": "message error", "tab": no_update, "followed": no_update,
                   "header": no_update}


def _rows(n):
    return b"step,df,lam\n" + b"".join(b"%d,-1,1\n" % i for i in range(n))


HOSTILE_UPLOADS = {
    "not a string": (5, "no file received"),
    "empty": ("", "no file received"),
    "not a data URL": ("step,df,lam\n0,1,1", "not a base64 data URL"),
    "not base64": ("data:text/csv;base64,@@@###", "not valid base64"),
    "plain data URL": ("data:text/csv,step%2Cdf", "not a base64 data URL"),
    "empty file": (data_url(b""), "the file is empty"),
    "binary": (data_url(bytes(range(256)) * 10), "a binary file"),
    "not UTF-8": (data_url(b"step,df,lam\n\xff\xfe,1,1\n"), "not UTF-8 text"),
    "wrong columns": (data_url(b"a,b,c\n1,2,3\n"), "missing step, df, lam"),
    "header only": (data_url(b"step,df,lam\n"), "no rows"),
    "NaN": (data_url(b"step,df,lam\n0,nan,1\n"), "line 2: df"),
    "inf": (data_url(b"step,df,lam\n0,1,inf\n"), "line 2: lam"),
    "overflow": (data_url(b"step,df,lam\n0,1e999,1\n"), "not a finite number"),
    "huge": (data_url(b"step,df,lam\n0,1e13,1\n"), "not a finite number"),
    "text cell": (data_url(b"step,df,lam\n0,abc,1\n"), "line 2: df"),
    "ragged": (data_url(b"step,df,lam\n0,1\n"), "2 fields"),
    "repeated column": (data_url(b"step,df,lam,df\n0,1,1,1\n"), "repeated"),
    "steps not increasing": (data_url(b"step,df,lam\n0,1,1\n2,1,1\n2,1,1\n"), "increasing"),
    "negative step": (data_url(b"step,df,lam\n-1,1,1\n"), "≥ 0"),
    "too many rows": (data_url(_rows(traces.MAX_ROWS + 1)), "more than 100000 rows"),
    "10 MB": (data_url(b"step,df,lam\n" + b"0,0,0\n" * 1_800_000), "larger than 8 MB"),
    "JSON invalid": (data_url(b"{not json", "application/json"), "not valid JSON"),
    "JSON list": (data_url(b"[1, 2, 3]", "application/json"), "expected an object"),
    "JSON missing key": (data_url(b'{"step": [0], "df": [1]}'), "missing key"),
    "JSON unequal": (data_url(b'{"step": [0, 1], "df": [1], "lam": [1, 2]}'), "same length"),
    "JSON NaN": (data_url(b'{"step": [0], "df": [NaN], "lam": [1]}'), "df[0]"),
    "JSON Infinity": (data_url(b'{"step": [0], "df": [1], "lam": [Infinity]}'), "lam[0]"),
    "JSON strings": (data_url(b'{"step": ["0"], "df": [1], "lam": [1]}'), "step[0]"),
    "JSON bools": (data_url(b'{"step": [0], "df": [true], "lam": [1]}'), "df[0]"),
    "JSON nested": (data_url(b'{"step": [[0]], "df": [1], "lam": [1]}'), "step[0]"),
    "JSON not lists": (data_url(b'{"step": 0, "df": 1, "lam": 1}'), "must be a list"),
    "JSON big int": (data_url(b'{"step": [0], "df": [1' + b"0" * 400 + b'], "lam": [1]}'),
                     "df[0]"),
    "JSON deep": (data_url(b'{"step": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
                  "not valid JSON"),
}


@pytest.mark.parametrize("name", list(HOSTILE_UPLOADS))
def test_hostile_uploads_give_one_line_and_keep_the_store(name):
    contents, expected = HOSTILE_UPLOADS[name]
    filename = "x.json" if name.startswith("JSON") else "x.csv"
    trace, msg = imported.parse_upload(contents, filename)
    assert trace is None and "\n" not in msg and expected in msg, msg
    out = iv.handle_upload(upload(contents, filename))
    assert out["store"] is no_update and out["tab"] is no_update
    assert out["status"] == "⚠ " + msg and out["status_class"] == "message error"


@pytest.mark.parametrize("filename", [None, 5, "", "../../etc/passwd", "C:\\x\\run.csv",
                                      "<script>alert(1)</script>.csv", "\x00\x1b[31mred.csv",
                                      "a" * 500 + ".csv"])
def test_hostile_file_names(filename):
    out = iv.handle_upload(upload(data_url(GOOD_CSV), filename))
    st = traces.from_store(out["store"])
    assert st is not None and len(st.name) <= traces.MAX_NAME
    assert "/" not in st.name and "\\" not in st.name and "\x00" not in st.name
    assert "\x1b" not in st.name
    assert out["status"].startswith("imported ") and out["tab"] == layout.PHASE_PLANE_TAB


def test_clear_removes_the_trace():
    out = iv.handle_upload(None, clear=True)
    assert out["store"] is None and "removed" in out["status"]
    for value in HOSTILE:
        out = iv.handle_upload(value)
        assert out["store"] is no_update and out["tab"] is no_update
        assert out["status"] == "⚠ upload: no file received"


def test_the_upload_limit_fits_the_servers_request_limit():
    limit = imported.upload_limit(max_content_length())
    assert 0 < limit <= imported.MAX_BYTES
    body = len(json.dumps(_payload_for_upload(data_url(b"x" * limit))))
    assert body <= max_content_length()
    assert imported.upload_limit(10**9) == imported.MAX_BYTES and imported.upload_limit(0) == 0
    # what the browser's size check is given: the longest data URL a request may carry
    checked = ilayout.size_limit()
    assert checked["max_chars"] == max_content_length() - imported.REQUEST_OVERHEAD
    # the longest data URL it lets through still fits in one request
    assert len(json.dumps(_payload_for_upload("d" * checked["max_chars"]))) \
        <= max_content_length()
    markdown = [c for c in ilayout.make_layout().children
                if getattr(c, "className", None) == "import-formats"]
    assert checked["text"] in markdown[0].children


def test_the_size_check_is_an_asset_naming_its_limit():
    """The clientside function the callback names exists in app/assets."""
    js = (Path(app.__file__).parent / "assets" / "import_trace.js").read_text()
    assert "import_trace:" in js and "size_check: function (contents, filename, limit)" in js
    assert "limit.max_chars" in js and "limit.text" in js
    store = ilayout.make_layout().children[-1]
    assert store.id == ids.IMPORT_LIMIT and store.data == ilayout.size_limit()


def _payload_for_upload(contents):
    """A realistic callback request body carrying an upload."""
    return {"output": "..imported-trace.data...import-status.children..",
            "outputs": [{"id": "imported-trace", "property": "data"}] * 5,
            "inputs": [{"id": ids.IMPORT_PENDING, "property": "data",
                        "value": upload(contents, "a" * 255 + ".csv")},
                       {"id": ids.IMPORT_CLEAR, "property": "n_clicks", "value": 0}],
            "changedPropIds": [f"{ids.IMPORT_PENDING}.data"], "state": []}



# -- through Dash's HTTP endpoint --------------------------------------------------------

#: (output part of the callback, the props a request may carry).
ENDPOINTS = [("imported-trace.data", ["import-pending.data", "import-clear.n_clicks"])]


@pytest.mark.parametrize("value", HOSTILE)
def test_http_hostile_values_never_500(dash_app, client, value):
    for part, props in ENDPOINTS:
        for prop in props:
            body = request_body(dash_app, part, {prop: value}, [prop])
            r = client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                            content_type="application/json")
            assert r.status_code in (200, 204), (part, prop, value, r.status_code)
            if prop == "import-pending.data" and value is not None:
                resp = r.get_json()["response"]
                assert resp["import-status"]["children"] == "⚠ upload: no file received"


def test_http_hostile_uploads_never_500(dash_app, client):
    """Each hostile file, as the browser would send it; a body above the
    server's request limit is refused with 413 before reaching the callback."""
    for name, (contents, _) in HOSTILE_UPLOADS.items():
        filename = "x.json" if name.startswith("JSON") else "x.csv"
        body = request_body(dash_app, "imported-trace.data",
                            {"import-pending.data": upload(contents, filename)},
                            ["import-pending.data"])
        r = client.post("/_dash-update-component", json=body)
        if len(json.dumps(body)) > max_content_length():
            assert r.status_code == 413, name
            continue
        assert r.status_code == 200, name
        resp = r.get_json()["response"]
        assert "imported-trace" not in resp, name
        assert resp["import-status"]["children"].startswith("⚠"), name


def test_http_upload_shows_the_plane(dash_app, client):
    body = request_body(dash_app, "imported-trace.data",
                        {"import-pending.data": upload(data_url(GOOD_CSV))},
                        ["import-pending.data"])
    r = client.post("/_dash-update-component", json=body)
    resp = r.get_json()["response"]
    assert resp["imported-trace"]["data"]["name"] == "run.csv"
    assert resp["view-tabs"]["value"] == layout.PHASE_PLANE_TAB
    assert resp["import-pending"]["data"] is None          # the file leaves the browser
    body = request_body(dash_app, "imported-trace.data", {"import-clear.n_clicks": 1},
                        ["import-clear.n_clicks"])
    resp = client.post("/_dash-update-component", json=body).get_json()["response"]
    assert resp["imported-trace"]["data"] is None
    assert resp["import-status"]["children"] == "Imported trace removed."


def test_the_upload_takes_any_file_name():
    """No accept= filter: the browser would drop a .txt CSV without a word; the
    content decides (a CSV named .txt is read)."""
    upload_area = [c for c in ilayout.make_layout().children
                   if getattr(c, "id", None) == ids.IMPORT_UPLOAD][0]
    assert getattr(upload_area, "accept", None) is None
    out = iv.handle_upload(upload(data_url(GOOD_CSV, "text/plain"), "run.txt"))
    assert out["status"].startswith("imported run.txt: 3 steps")
