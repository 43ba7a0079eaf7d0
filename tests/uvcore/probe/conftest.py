"""One torch thread for these tiny models: on a shared 2-core machine torch's
intra-op threads make each small product 10× slower, not faster."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
