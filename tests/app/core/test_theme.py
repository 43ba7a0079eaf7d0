"""app.core.theme: the log-axis ticks whose every label carries its decade, and
the graph config."""

import math

import pytest

from app.core import theme

#: Superscript digits, written out here (not the code's table).
SUP = {"⁻": "-", "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
       "⁷": "7", "⁸": "8", "⁹": "9"}


def label_value(text: str) -> float:
    """The number a tick label names: ``0.5``, ``2×10⁻⁵``, ``10⁶``."""
    if "10" in text and any(c in SUP for c in text):
        mant, _, power = text.rpartition("10")
        exp = int("".join(SUP[c] for c in power))
        return (float(mant.rstrip("×")) if mant else 1.0) * 10.0 ** exp
    return float(text)


@pytest.mark.parametrize("lo, hi, values, labels", [
    # the Universality axis of the issue: 0.5 is "0.5", never a bare "5"
    (0.3, 12, [0.5, 1, 2, 5, 10], ["0.5", "1", "2", "5", "10"]),
    (0.4, 60, [0.5, 1, 2, 5, 10, 20, 50], ["0.5", "1", "2", "5", "10", "20", "50"]),
    # four decades: 1 and 3 per decade
    (1.0, 1e4 * 0.999, [1, 3, 10, 30, 100, 300, 1000, 3000],
     ["1", "3", "10", "30", "100", "300", "1000", "3000"]),
    # six decades: powers only, all in one style
    (1e-6, 1.0, [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1],
     ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]),
    (1e-5, 3e-3, [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3],
     ["10⁻⁵", "2×10⁻⁵", "5×10⁻⁵", "10⁻⁴", "2×10⁻⁴", "5×10⁻⁴", "10⁻³", "2×10⁻³"]),
    # inside one decade
    (2.1, 4.3, [3, 4], ["3", "4"]),
    # thirty decades: every fourth one
    (1.0, 1e30, [1, 1e4, 1e8, 1e12, 1e16, 1e20, 1e24, 1e28],
     ["10⁰", "10⁴", "10⁸", "10¹²", "10¹⁶", "10²⁰", "10²⁴", "10²⁸"]),
])
def test_log_ticks_against_lists_written_out(lo, hi, values, labels):
    t = theme.log_ticks(lo, hi)
    assert t["tickmode"] == "array"
    assert t["tickvals"] == pytest.approx(values, rel=1e-12)
    assert t["ticktext"] == labels


@pytest.mark.parametrize("lo, hi", [(1e-300, 1e300), (0.0123, 0.0456), (7.0, 7000.0),
                                    (3e-9, 4e-2), (0.9, 1.1e6), (1.5, 8.5), (2e-3, 9e-3)])
def test_every_label_names_the_value_where_it_sits_inside_the_range(lo, hi):
    t = theme.log_ticks(lo, hi)
    assert 2 <= len(t["tickvals"]) <= 9
    for v, text in zip(t["tickvals"], t["ticktext"]):
        assert lo <= v <= hi
        assert math.isclose(label_value(text), v, rel_tol=1e-9), (text, v)
    assert t["tickvals"] == sorted(set(t["tickvals"]))


@pytest.mark.parametrize("lo, hi", [(0, 1), (-1, 10), (5, 5), (10, 1), (math.nan, 1),
                                    (1, math.inf), (2.1, 2.9)])
def test_unusable_or_too_narrow_ranges_leave_plotlys_defaults(lo, hi):
    assert theme.log_ticks(lo, hi) == {}


def test_graph_config_exports_the_format_asked():
    assert theme.graph_config("x")["toImageButtonOptions"] == {"format": "png",
                                                               "filename": "x", "scale": 2}
    assert theme.graph_config("x", "svg")["toImageButtonOptions"]["format"] == "svg"
