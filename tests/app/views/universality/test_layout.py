"""Components of the Universality view (app.views.universality.layout): the
table of located values, checked against the cascade it is built from."""

import pytest

import uvcore
from app.core import ids
from app.views.universality import layout

#: Feigenbaum's δ, written out (not imported from the code under test).
FEIGENBAUM = 4.669201609102990671853


@pytest.fixture(scope="module")
def cascades():
    eos = uvcore.cascade(map="eos", n_eff=16.0, x_norm=1.0, y=2.0, levels=6)
    uv = uvcore.cascade(map="uv", n_eff=16.0, x_norm=1.0, y=2.0, levels=6)
    return eos, uv


def cells(row):
    return [c.children for c in row.children]


def test_values_table(cascades):
    eos, uv = cascades
    table = layout.values_table(eos, uv)
    rows = table.children
    extra = 2 + len(eos.windows) + (uv.c_max_start is not None)
    assert len(rows) == 1 + len(eos.c_flip) + extra
    for k, row in enumerate(rows[1:1 + len(eos.c_flip)], start=1):
        c = cells(row)
        assert c[0] == k and c[1] == f"{2 ** (k - 1)} → {2 ** k}"
        assert float(c[2]) == pytest.approx(eos.c_flip[k - 1], rel=1e-12)
        if 2 <= k < len(eos.c_flip):       # δ_k = (c_k − c_{k−1})/(c_{k+1} − c_k)
            cf = eos.c_flip
            dk = (cf[k - 1] - cf[k - 2]) / (cf[k] - cf[k - 1])
            assert float(c[4]) == pytest.approx(dk, rel=1e-8)
            assert float(c[6]) == pytest.approx(abs(dk - FEIGENBAUM), rel=1e-2, abs=1e-6)
        else:
            assert c[4] == "—"
    assert cells(rows[1 + len(eos.c_flip)])[0] == "c∞ (accumulation)"
    assert layout.values_table(None, None) == ""


def test_layout_ids():
    text = str(layout.make_layout())
    for cid in (ids.UNIVERSALITY_LEVELS, ids.UNIVERSALITY_GRAPH, ids.UNIVERSALITY_MESSAGE,
                ids.UNIVERSALITY_TABLE):
        assert f"id='{cid}'" in text
