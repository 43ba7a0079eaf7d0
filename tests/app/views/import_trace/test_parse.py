"""Parsing of uploaded traces (app/views/import_trace/parse.py) and their
browser copy: CSV and JSON, the dashboard's own trajectory CSV read back,
and one-line messages for every hostile file."""

import base64
import json

import numpy as np

import uvcore
from app.core import traces
from app.views.import_trace import parse as imported
from app.views.phase_plane import figures as plane_figures


def data_url(raw: bytes, mime="text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def test_parse_csv_and_json():
    trace, msg = imported.parse_upload(data_url(b"step,df,lam,lam_h\n0,-2,0.5,0.6\n"
                                                b"1,-1.5,0.7,0.75\n5,-1,0.8,0.81\n"), "run.csv")
    assert trace.step.tolist() == [0, 1, 5] and trace.lam_h.tolist() == [0.6, 0.75, 0.81]
    assert msg.startswith("imported run.csv")
    doc = {"step": [0, 2, 4], "df": [-2, -1, 0.5], "lam": [0.5, 0.6, 0.7]}
    trace, msg = imported.parse_upload(data_url(json.dumps(doc).encode(), "application/json"),
                                       "run.json")
    assert trace.df.tolist() == [-2, -1, 0.5] and trace.lam_h is None
    # any order of columns, extra columns, comments, CRLF, BOM
    raw = "\ufeff# measured\r\nlam,extra,step,df\r\n0.5,x,0,-2\r\n\r\n0.6,y,1,-1\r\n"
    trace, msg = imported.parse_bytes(raw.encode(), "x.csv")
    assert trace.step.tolist() == [0, 1] and trace.lam.tolist() == [0.5, 0.6], msg


def test_the_dashboards_own_trajectory_csv_imports_back():
    traj = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(2.26, 16, 1, 2), 5000)
    text = plane_figures.trajectory_csv(traj)
    trace, msg = imported.parse_bytes(text.encode(), "trajectory.csv")
    assert trace is not None, msg
    assert np.array_equal(trace.df, traj.df) and np.array_equal(trace.lam_h, traj.lam_h)
    st = traces.from_store(traces.to_store(trace))
    assert st.gap == traces.PLANE_HEAD
    assert len(st.plane[0]) == traces.PLANE_HEAD + traces.PLANE_TAIL
    assert all(len(t) <= traces.SERIES_POINTS for t, _ in st.series.values())
    # the min/max envelope keeps the extremes and both branches of the period-2 orbit
    t, lam = st.series["lam"]
    assert np.isclose(lam.max(), traj.lam.max(), rtol=1e-5)
    assert np.isclose(lam.min(), traj.lam.min(), rtol=1e-5)
    late = lam[t >= 1000]
    for branch in (traj.lam[-1], traj.lam[-2]):
        assert np.isclose(late, branch, rtol=1e-5).sum() > 100
    assert len(json.dumps(traces.to_store(trace))) < 200_000
