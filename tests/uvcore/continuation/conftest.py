"""The two 8-level cascades most continuation tests read (computed once per package)."""

import pytest

from uvcore import cascade

from .common import N_EFF


@pytest.fixture(scope="package")
def eos():
    return cascade(map="eos", n_eff=N_EFF, levels=8)


@pytest.fixture(scope="package")
def uv():
    return cascade(map="uv", n_eff=N_EFF, levels=8)
