"""app.core.figures: number formats shared by the views' titles and hovers."""

import pytest

from app.core.figures import fmt_value


@pytest.mark.parametrize("v, digits, text", [
    (-0.0, 4, "0"), (0.0, 4, "0"), (-2.0, 4, "-2"), (0.25, 4, "0.25"), (1.23456, 4, "1.235"),
    (-1e-20, 4, "-1e-20"), (4.2, 5, "4.2"), (123456.0, 4, "1.235e+05"), (-0.0, 6, "0")])
def test_fmt_value_never_writes_minus_zero(v, digits, text):
    assert fmt_value(v, digits) == text


@pytest.mark.parametrize("width", [8, 20, 44, 72])
def test_wrap_words_keeps_every_word_in_lines_of_at_most_width(width):
    from app.core.figures import wrap_words
    text = "trajectory 2 diverged at step 6 (drawn up to its last finite state)"
    lines = wrap_words(text, width)
    assert " ".join(lines) == text
    assert all(len(line) <= width or " " not in line for line in lines)   # or one long word
    # greedy: no line could have taken the next line's first word
    assert all(len(a) + 1 + len(b.split(" ")[0]) > width for a, b in zip(lines, lines[1:]))
    assert wrap_words("a-very-long-word here", 5) == ["a-very-long-word", "here"]


def test_notes_are_wrapped_on_the_graph():
    from app.core.figures import NOTE_LINE, note_annotation
    notes = ["trajectory 2 diverged at step 6 (drawn up to its last finite state)", "short"]
    for large in (False, True):
        lines = note_annotation(notes, large)["text"].split("<br>")
        assert all(len(line) <= NOTE_LINE[large] for line in lines) and lines[-1] == "short"
    assert note_annotation(notes, True, 20)["text"].count("<br>") >= 3
