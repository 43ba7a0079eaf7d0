"""Parsing JSON-lines and commented CSV traces (app/views/import_trace/reader.py,
through parse.read_bytes): the probe's header surfaced, a partial last line
ignored, the file name irrelevant, and every bad header refused in one line."""

import json
import re

import numpy as np
import pytest

from app.core import traces
from app.views.import_trace import parse
from app.views.import_trace.reader import TraceReader, check_header, sniff

UV = {"eta": 0.05, "n_eff": 37.5, "x_norm": 1.2, "y": 2.5, "df0": -2.5, "lam0": 31.0,
      "method": "calibrated", "calibrated": True}
HEADER = {"format": "sharpness-lab-trace", "version": 1, "model": "mlp-3x512", "eta": 0.05,
          "loss": "mse_half_mean", "measure_batch": 1000, "dtype": "float32", "uv": UV}


def rows(n, start=0):
    """n measurements with values written out here (the independent truth)."""
    return [{"step": 10 * t, "df": -2.0 + 0.01 * t, "lam": 30.0 + 0.5 * t,
             "lam_h": 29.0 + 0.5 * t, "loss": 0.5 * (2.0 - 0.01 * t) ** 2, "eta": 0.05}
            for t in range(start, start + n)]


def jsonl(header, items, newline_at_end=True) -> bytes:
    lines = ([json.dumps({"header": header})] if header is not None else []) + \
            [json.dumps(r) for r in items]
    return ("\n".join(lines) + ("\n" if newline_at_end else "")).encode()


def refused(result, pattern):
    """The file is refused with one line matching ``pattern`` (re.search)."""
    assert result.trace is None, result.message
    assert "\n" not in result.message and re.search(pattern, result.message), result.message


def test_jsonl_with_header_reads_every_row_and_surfaces_the_header():
    res = parse.read_bytes(jsonl(HEADER, rows(40)), "probe.jsonl")
    assert res.trace is not None, res.message
    assert res.trace.step.tolist() == [10 * t for t in range(40)]
    assert np.allclose(res.trace.lam, [30.0 + 0.5 * t for t in range(40)])
    assert np.allclose(res.trace.lam_h, [29.0 + 0.5 * t for t in range(40)])
    assert res.header["model"] == "mlp-3x512" and res.header["eta"] == 0.05
    assert res.header["uv"]["n_eff"] == 37.5 and res.header["uv"]["calibrated"] is True
    assert "model mlp-3x512" in res.message and "η = 0.05" in res.message
    assert "matched UV model" in res.message and res.message.startswith("imported probe.jsonl")


def test_a_partial_last_line_is_ignored_not_an_error():
    text = jsonl(HEADER, rows(5)) + b'{"step": 50, "df": -1.9, "la'
    res = parse.read_bytes(text, "probe.jsonl")
    assert res.trace is not None and res.trace.rows == 5, res.message
    assert "ignored the incomplete last line 7" in res.message
    # a complete last row without its newline is read
    res = parse.read_bytes(jsonl(HEADER, rows(5), newline_at_end=False), "probe.jsonl")
    assert res.trace.rows == 5
    # the same for CSV
    res = parse.read_bytes(b"step,df,lam\n0,-2,1\n1,-1.5,1.2\n2,-1", "run.csv")
    assert res.trace.rows == 2 and "incomplete last line" in res.message
    # but a broken line followed by a newline is an error
    refused(parse.read_bytes(jsonl(HEADER, rows(2)) + b'{"step": 5, "df"\n', "p.jsonl"),
            r"^JSONL line 4: not valid JSON$")


def test_the_file_name_does_not_decide_the_format():
    csv = b"step,df,lam\n0,-2,0.5\n1,-1.5,0.6\n"
    for name in ("run.txt", "run", "run.json", "run.jsonl", "data.csv.bak"):
        res = parse.read_bytes(csv, name)
        assert res.trace is not None and res.trace.rows == 2, (name, res.message)
    res = parse.read_bytes(jsonl(HEADER, rows(3)), "probe.txt")
    assert res.trace.rows == 3 and res.header["model"] == "mlp-3x512"
    doc = json.dumps({"step": [0, 1], "df": [1, 2], "lam": [1, 2]}).encode()
    assert parse.read_bytes(doc, "x.txt").trace.rows == 2
    # a headerless JSON-lines file is rows only
    res = parse.read_bytes(jsonl(None, rows(4)), "rows.log")
    assert res.trace.rows == 4 and res.header == {}
    # what is not a trace says so in one line
    refused(parse.read_bytes(b"Dear colleague,\nhere are my results.\n", "notes.txt"),
            r"header must name the columns step,df,lam")
    assert sniff("{\n") == "json" and sniff("step,df\n") == "csv"


def test_csv_comment_header_values_are_surfaced():
    text = (b"# model: resnet-ish\n# eta: 0.02\n# not a key line\n# Sharpness Lab: x\n"
            b"step,df,lam,lam_h,loss,eta\n0,-1,10,9,0.5,0.02\n1,-0.9,11,10,0.4,0.02\n")
    res = parse.read_bytes(text, "probe.csv")
    assert res.header == {"model": "resnet-ish", "eta": 0.02}
    assert "model resnet-ish, η = 0.02" in res.message and res.trace.lam_h.tolist() == [9, 10]
    uv_line = b"# uv: " + json.dumps(UV).encode() + b"\n"
    res = parse.read_bytes(uv_line + b"step,df,lam\n0,-2.5,31\n", "probe.csv")
    assert res.header["uv"]["lam0"] == 31.0


BAD_HEADERS = {
    "not an object": (5, r"^JSONL header: expected"),
    "wrong format": ({**HEADER, "format": "other"}, r'format must be "sharpness-lab-trace"'),
    "no format": ({"version": 1}, r'format must be "sharpness-lab-trace" \(it is missing\)'),
    "version 2": ({**HEADER, "version": 2}, r"version 2 is not supported .*version 1"),
    "version string": ({**HEADER, "version": "1"}, r'version "1" is not supported'),
    "version bool": ({**HEADER, "version": True}, r"version true is not supported"),
    "eta zero": ({**HEADER, "eta": 0}, r"eta must be a finite number > 0"),
    "eta string": ({**HEADER, "eta": "0.1"}, r"eta must be a finite number > 0"),
    "model number": ({**HEADER, "model": 5}, r"model must be a string"),
    "batch float": ({**HEADER, "measure_batch": 2.5}, r"measure_batch must be a whole number"),
    "uv list": ({**HEADER, "uv": [1, 2]}, r"uv must be null or an object"),
    "uv n_eff negative": ({**HEADER, "uv": {**UV, "n_eff": -1}}, r"uv\.n_eff must be .*> 0"),
    "uv missing y": ({**HEADER, "uv": {k: v for k, v in UV.items() if k != "y"}},
                     r"uv\.y must be a finite number"),
    "uv NaN": (None, r"uv\.lam0 must be a finite number"),
}


@pytest.mark.parametrize("name", list(BAD_HEADERS))
def test_bad_headers_are_refused_in_one_line(name):
    header, pattern = BAD_HEADERS[name]
    if name == "uv NaN":
        text = (b'{"header": {"format": "sharpness-lab-trace", "version": 1, "uv": '
                b'{"eta": 1, "n_eff": 1, "x_norm": 1, "y": 1, "df0": 1, "lam0": NaN}}}\n'
                + jsonl(None, rows(2)))
    else:
        text = jsonl(header, rows(2))
    refused(parse.read_bytes(text, "probe.jsonl"), pattern)


BAD_ROWS = {
    "row not an object": (b"[1, 2]", r"^JSONL line 2: expected an object"),
    "missing lam": (b'{"step": 1, "df": 0}', r"^JSONL line 2: lam missing$"),
    "string value": (b'{"step": 1, "df": "0", "lam": 1}', r'^JSONL line 2: df "0" is not a fin'),
    "NaN": (b'{"step": 1, "df": NaN, "lam": 1}', r"^JSONL line 2: df NaN is not a finite"),
    "huge": (b'{"step": 1, "df": 1e13, "lam": 1}', r"line 2: df .* \|value\| ≤ 1e\+12"),
    "second header": (b'{"header": {}}', r"^JSONL line 2: a second header"),
    "deep": (b'{"step": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", r"line 2: not valid JSON"),
}


@pytest.mark.parametrize("name", list(BAD_ROWS))
def test_bad_rows_are_refused_with_their_line(name):
    line, pattern = BAD_ROWS[name]
    first = json.dumps({"header": HEADER}).encode()
    refused(parse.read_bytes(first + b"\n" + line + b"\n" + jsonl(None, rows(1)), "p.jsonl"),
            pattern)


def test_caps_and_step_rules_are_the_uploads():
    many = jsonl(HEADER, [{"step": t, "df": -1, "lam": 1} for t in range(traces.MAX_ROWS + 1)])
    refused(parse.read_bytes(many, "p.jsonl"), r"JSONL: more than 100000 rows")
    back = jsonl(HEADER, [{"step": 2, "df": -1, "lam": 1}, {"step": 1, "df": -1, "lam": 1}])
    refused(parse.read_bytes(back, "p.jsonl"), r"steps must be strictly increasing")
    refused(parse.read_bytes(jsonl(HEADER, []), "p.jsonl"), r"header but no rows")
    # λᴴ is all or nothing: the first row decides
    mixed = jsonl(HEADER, [{"step": 0, "df": -1, "lam": 1, "lam_h": 1},
                           {"step": 1, "df": -1, "lam": 1}])
    refused(parse.read_bytes(mixed, "p.jsonl"), r"^JSONL line 3: lam_h missing$")


def test_feeding_in_pieces_equals_reading_at_once():
    """The follower's way (complete lines, in any pieces) against one read."""
    text = jsonl(HEADER, rows(60)).decode()
    whole = parse.read_bytes(text.encode(), "p.jsonl").trace
    reader, used = TraceReader("jsonl"), 0
    for cut in (7, 300, 301, 2000, 2500, len(text)):
        used += reader.feed_text(text[used:cut], final=False)
        assert text[:used].endswith("\n") or used == 0
    assert reader.error is None and reader.header == check_header(HEADER)[0]
    cols = reader.columns()
    assert np.array_equal(cols["step"], whole.step) and np.array_equal(cols["lam_h"],
                                                                        whole.lam_h)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_trace_written_by_the_probe_reads_back(tmp_path, suffix):
    """uvcore.probe's own writer (a second implementation of the format)."""
    from uvcore.probe.trace import Measurement, Trace   # the optional [torch] extra
    path = tmp_path / f"run{suffix}"
    trace = Trace({"model": "Sequential(mlp)", "measure_batch": 256, "dtype": "float32"},
                  path)
    trace.set_uv(UV)
    values = []
    for t in range(12):
        loss = 0.5 * (2.0 - 0.1 * t) ** 2
        m = Measurement(step=5 * t, loss=loss, lam_h=20.0 + t, lam=25.0 + t, eta=0.04,
                        eta_lam_h_half=0.02 * (20.0 + t), df=-(2 * loss) ** 0.5)
        trace.append(m)
        values.append(m)
    res = parse.read_bytes(path.read_bytes(), path.name)
    assert res.trace is not None, res.message
    assert res.trace.step.tolist() == [m.step for m in values]
    assert res.trace.df.tolist() == [m.df for m in values]
    assert res.trace.lam.tolist() == [m.lam for m in values]
    assert res.trace.lam_h.tolist() == [m.lam_h for m in values]
    assert res.header["model"] == "Sequential(mlp)" and res.header["eta"] == 0.04
    assert {k: res.header["uv"][k] for k in UV} == UV
