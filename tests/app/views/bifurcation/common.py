"""Shared constants and helpers of the Bifurcation view's tests."""

import math

import numpy as np

#: Relative tolerance for η values that went through a rescaling c → η.
RESCALE_RTOL = 1e-12
#: Agreement of flip points located independently at different parameters
#: (continuation + double-double refinement: a few ulps of c).
FLIP_RTOL = 1e-9
#: The figure rounds η to 7 significant digits of the window's span.
ETA_ROUND_ATOL_REL = 1e-6

N_EFF, X_NORM, Y = 4.0, 1.0, 2.0          # η_c = √4/(1·2) = 1
ETA_C = math.sqrt(N_EFF) / (X_NORM * abs(Y))
WINDOW = (0.6, 2.3)                       # c from 0.6 to 2.3: both maps diverge at the top


def traces(fig, **meta):
    """The traces of ``fig`` whose ``meta`` holds every item of ``meta``."""
    return [t for t in fig["data"]
            if all((t.get("meta") or {}).get(k) == v for k, v in meta.items())]


def eos_orbit(c, z0, n):
    """z₀ … z_n of the EoS map z' = z(1 + c − z)² (spec §3), iterated here."""
    z = [z0]
    for _ in range(n):
        z.append(z[-1] * (1 + c - z[-1]) ** 2)
    return np.array(z)
