"""app.core.layout: the page a view registry and a state make."""

import math

import pytest
from dash import html

from app.core import ids, layout
from app.core.registry import View
from app.core.state import FIELDS, ViewParams

#: Relative agreement of a log slider's position with its typed value (3 digits shown).
LOG_POSITION_RTOL = 1e-3

VIEWS = (View("First", "first-tab", lambda: html.Div(id="first-body"), order=0),
         View("Second", "second-tab", lambda: html.Div(id="second-body"), order=5))


def walk(component):
    """Every component of a tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def by_id(page) -> dict:
    return {c.id: c for c in walk(page) if getattr(c, "id", None) is not None}


def test_the_tabs_are_the_views_given_in_that_order_the_first_selected():
    page = by_id(layout.make_layout(VIEWS))
    tabs = page[ids.VIEW_TABS]
    assert [t.value for t in tabs.children] == ["first-tab", "second-tab"]
    assert [t.label for t in tabs.children] == ["First", "Second"]
    assert tabs.value == "first-tab"
    assert page[ids.TAB_VALUES].data == ["first-tab", "second-tab"]
    assert "first-body" in page and "second-body" in page


def test_the_shell_holds_every_store_the_views_talk_through():
    page = by_id(layout.make_layout(VIEWS))
    for store in (ids.STATE, ids.ZOOM, ids.INTENT, ids.IMPORTED, ids.SLIDER_SPECS,
                  ids.TAB_VALUES, ids.URL, ids.DOWNLOAD):
        assert store in page, store


@pytest.mark.parametrize("p", [ViewParams(), ViewParams(eta=0.037, width=300, steps=20000),
                               ViewParams(y=-7.5, x_norm=0.02, sigma=9.0)])
def test_each_slider_sits_where_its_typed_value_is(p):
    page = by_id(layout.make_layout(VIEWS, p))
    for key, spec in FIELDS.items():
        if not spec.slider:
            continue
        slider, typed = page[key], page[ids.input_id(key)]
        assert typed.value == p.value(key)
        if spec.log:
            assert math.isclose(10 ** slider.value, typed.value, rel_tol=LOG_POSITION_RTOL)
            assert (slider.min, slider.max) == pytest.approx(
                (math.log10(spec.lo), math.log10(spec.hi)))
        else:
            assert slider.value == typed.value and (slider.min, slider.max) == (spec.lo, spec.hi)


def test_the_clientside_slider_scales_agree_with_the_sliders():
    page = by_id(layout.make_layout(VIEWS))
    specs = page[ids.SLIDER_SPECS].data
    assert set(specs) == {k for k, s in FIELDS.items() if s.slider}
    for key, spec in specs.items():
        assert (spec["lo"], spec["hi"]) == pytest.approx((page[key].min, page[key].max))
        assert spec["log"] is FIELDS[key].log


def test_n_eff_is_locked_unless_the_preset_is_custom_and_large_font_marks_the_root():
    page = by_id(layout.make_layout(VIEWS, ViewParams(preset="ntp")))
    assert page["n-eff"].disabled and page[ids.input_id("n-eff")].disabled
    page = by_id(layout.make_layout(VIEWS, ViewParams(preset="custom", large=True)))
    assert not page["n-eff"].disabled
    assert "large" in page[ids.ROOT].className.split()


def test_the_readouts_show_eta_c_and_two_over_eta_of_the_state():
    p = ViewParams(eta=0.5, n_eff=16, x_norm=1.0, y=2.0, preset="custom")
    page = by_id(layout.make_layout(VIEWS, p))
    # η_c = √n_eff / (‖x‖ |y|) (spec §2.3) written out here
    assert float(page[ids.ETA_C].children) == pytest.approx(math.sqrt(16) / (1.0 * 2.0), rel=1e-3)
    assert float(page[ids.TWO_OVER_ETA].children) == pytest.approx(2 / 0.5, rel=1e-3)
