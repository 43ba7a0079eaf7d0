"""Shared constants and a plain-Python EoS iteration for the continuation tests."""

#: With ‖x‖ = 1, y = 2: η_c = 1, so η = c.
N_EFF = 4.0


def eos_iterate(z, c, steps):
    """The EoS map of spec §3, iterated in plain Python."""
    for _ in range(steps):
        z = z * (1.0 + c - z) ** 2
    return z
