"""Compile (or load from the on-disk cache) every kernel before serving.

Numba compiles on first call; ``cache=True`` stores the machine code under
``NUMBA_CACHE_DIR`` (default: ``__pycache__`` beside the sources).  Calling
:func:`warmup` at process start moves that cost out of the first request.
"""

import time


def warmup() -> float:
    """Run every kernel once on tiny inputs; returns the seconds it took.

    The threading layer is configured first (:mod:`uvcore.threading_layer`):
    numba binds it at the first parallel launch, which happens here.
    """
    from . import threading_layer
    from .continuation import cascade
    from .maps import trajectory
    from .params import MapParams
    from .paramspace import train
    from .sweeps import bifurcation, edge_exponents, fate_map

    threading_layer.configure()
    t0 = time.perf_counter()
    params = MapParams(0.5, 4.0, 1.0, 2.0)
    trajectory(-2.0, 1.0, params, steps=8)
    bifurcation(0.5, 1.5, 4, n_eff=4.0, transient=8, keep=4)
    bifurcation(0.5, 1.5, 4, n_eff=4.0, transient=8, keep=4, warm_start=True)
    fate_map(params, (-3.0, 1.0), (0.0, 4.0), grid=4, steps=8)
    edge_exponents(params, transient=4, steps=4)
    train(4, 2, eta=0.5, steps=4, n_eff=4.0, sigma_u=1.0, sigma_v=1.0)
    cascade(map="eos", n_eff=4.0, levels=3, windows=False)
    return time.perf_counter() - t0
