"""Formulas of the specification written out directly (independent of uvcore).

Tests compare uvcore against these hand transcriptions of spec §2–§3.
"""

import math


def spec_step(df, lam, eta, n_eff, x_norm, y):
    """Spec §2: the exact function-space GD step, written as in the spec."""
    f = df + y
    g = eta * x_norm ** 2 / n_eff
    df_new = df * (1.0 - eta * lam + eta * g * df * f)
    lam_new = lam + g * df * (eta * lam * df - 4.0 * f)
    return df_new, lam_new


def spec_jacobian(df, lam, eta, n_eff, x_norm, y):
    """Derivatives of spec_step by hand (d/dΔf, d/dλ of each component)."""
    g = eta * x_norm ** 2 / n_eff
    b = eta * g
    return [[1.0 - eta * lam + b * (3.0 * df * df + 2.0 * df * y), -eta * df],
            [g * (2.0 * eta * lam * df - 8.0 * df - 4.0 * y), 1.0 + b * df * df]]


def edge_lam(df, n_eff, x_norm, y):
    """Spec §2.2: the forbidden edge λ = 2‖x‖|Δf + y|/√n_eff."""
    return 2.0 * x_norm * abs(df + y) / math.sqrt(n_eff)


def eos_map(z, c):
    """Spec §3: z' = z (1 + c − z)²."""
    return z * (1.0 + c - z) ** 2


def eos_slope(z, c):
    """Spec §3: g'(z) = (1 + c − z)(1 + c − 3z)."""
    return (1.0 + c - z) * (1.0 + c - 3.0 * z)
