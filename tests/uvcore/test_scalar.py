"""uvcore._scalar: the root and minimum finders against hand-derived values."""

import math

import pytest

from uvcore._scalar import minimum_in, root_in

#: Both finders go to (nearly) adjacent floats of the argument.
ROOT_TOL = 1e-14
#: Golden-section search: |f| near a minimum is flat, so the argument is known
#: to about the square root of the precision of f.
MIN_TOL = 1e-7


@pytest.mark.parametrize("f, a, b, root", [
    (lambda x: x * x - 2.0, 0.0, 2.0, math.sqrt(2.0)),
    (lambda x: math.cos(x), 0.0, 3.0, math.pi / 2),
    (lambda x: math.exp(x) - 10.0, -5.0, 5.0, math.log(10.0)),
    # infinite values (a diverged run) only force bisection steps
    (lambda x: math.inf if x > 0.7 else x - 0.3, 0.0, 1.0, 0.3),
    (lambda x: -1.0 if x < 0.25 else math.inf, 0.0, 1.0, 0.25),
])
def test_root_in(f, a, b, root):
    assert root_in(f, a, b) == pytest.approx(root, abs=ROOT_TOL)


def test_root_in_returns_an_endpoint_that_is_a_root():
    assert root_in(lambda x: x - 1.0, 1.0, 2.0) == 1.0


@pytest.mark.parametrize("f, a, b, x_min", [
    (lambda x: (x - 0.3) ** 2, -1.0, 2.0, 0.3),
    (lambda x: abs(x - 1.7), 0.0, 2.0, 1.7),           # a touching zero, as in calibration
    (lambda x: -math.sin(x), 0.0, 3.0, math.pi / 2),
])
def test_minimum_in(f, a, b, x_min):
    assert minimum_in(f, a, b) == pytest.approx(x_min, abs=MIN_TOL)
