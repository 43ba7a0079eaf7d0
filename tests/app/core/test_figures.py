"""app.core.figures: number formats shared by the views' titles and hovers."""

import pytest

from app.core.figures import fmt_value


@pytest.mark.parametrize("v, digits, text", [
    (-0.0, 4, "0"), (0.0, 4, "0"), (-2.0, 4, "-2"), (0.25, 4, "0.25"), (1.23456, 4, "1.235"),
    (-1e-20, 4, "-1e-20"), (4.2, 5, "4.2"), (123456.0, 4, "1.235e+05"), (-0.0, 6, "0")])
def test_fmt_value_never_writes_minus_zero(v, digits, text):
    assert fmt_value(v, digits) == text
