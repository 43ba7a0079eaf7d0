"""The lesson card beside the plane (app/views/phase_plane/lesson.py): the
store written by the Presets view becomes the card; anything else hides it."""

import json

import pytest

from app.core import ids
from app.views.phase_plane import lesson
from app.views.presets import callbacks as presets
from app.views.presets import teaching

from ...conftest import request_body

HOSTILE = [None, "", "abc", [], {}, [1, 2], True, 1e308, float("nan"), {"title": 3},
           {"title": "t", "text": None}, {"title": "t" * 10_000, "text": "x"},
           {"title": "t", "text": ["a"]}]


def markdown_of(body):
    return [(c.children, c.mathjax) for c in body]


def test_a_preset_becomes_the_card():
    preset = teaching.BY_KEY["chaos"]
    out = presets.apply_preset(ids.teaching_button("chaos"), "", [0, 0, 0, 0, 1, 0, 0])
    cls, title, body = lesson.lesson_outputs(out["lesson"])
    assert cls == "lesson-card" and title == preset.title == "Chaos on the edge of stability"
    (text, math1), (equation, math2) = markdown_of(body)
    assert math1 and math2
    # the explanation with its facts filled in, as the Presets tab shows it
    assert "[[" not in text and "1.42" in text and "0.4" in text and "1.302" in text
    assert equation == f"$$\n{preset.equation}\n$$"


def test_each_application_is_a_new_value():
    """So a closed card opens again when the same preset is applied again."""
    a = presets.lesson_of(teaching.BY_KEY["chaos"], [0, 1])
    b = presets.lesson_of(teaching.BY_KEY["chaos"], [0, 2])
    assert a != b and a["title"] == b["title"]
    assert presets.lesson_of(teaching.BY_KEY["chaos"], [10**400, True, "x"])["nonce"] < 2**31


@pytest.mark.parametrize("value", HOSTILE)
def test_anything_else_hides_the_card(value):
    assert lesson.lesson_outputs(value) == ("lesson-card hidden", "", [])


def test_closing_hides_it():
    good = presets.lesson_of(teaching.BY_KEY["eos-period-2"], [1])
    assert lesson.lesson_outputs(good, closed=True)[0] == "lesson-card hidden"


def test_http_the_card_answers_every_store(dash_app, client):
    key = next(k for k in dash_app.callback_map if f"{ids.LESSON_CARD}.className" in k)
    good = presets.lesson_of(teaching.BY_KEY["eos-period-2"], [1])
    for value in HOSTILE + [good]:
        body = request_body(dash_app, key, {f"{ids.LESSON}.data": value},
                            [f"{ids.LESSON}.data"])
        r = client.post("/_dash-update-component", data=json.dumps(body, allow_nan=True),
                        content_type="application/json")
        assert r.status_code == 200, (value, r.status_code)
        card = r.get_json()["response"][ids.LESSON_CARD]["className"]
        assert card == ("lesson-card" if value is good else "lesson-card hidden")
