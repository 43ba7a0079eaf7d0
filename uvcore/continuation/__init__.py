"""Periodic orbits, their continuation in the learning rate, and the
period-doubling route to chaos on the EoS manifold (spec §3).

Everything works in the kernels' dimensionless coordinates (spec §2.1,
``docs/CONVENTIONS.md``) with the single parameter

    c = η ‖x‖ |y| / √n_eff = η / η_c,

reported side by side with η.  Two maps are studied:

``"eos"``
    the EoS map z' = g(z) = z (1 + c − z)², the 2-D map restricted to its
    invariant edge (m = 0 for y > 0, p = 0 for y < 0; z = ηλ/2 there).
``"uv"``
    the full 2-D map in (p, m).  It has a line of fixed points (line I,
    k = 0: every point of it has the multiplier +1 along the line) and, on
    the edge, the triangular Jacobian [[g'(z), *], [0, (1 + k)²]]: an edge
    orbit's multipliers are its in-edge multiplier and the transverse one
    ∏(1 + k_t)².  Newton solves on an orbit that lies exactly on the edge
    keep the transverse coordinate at exactly 0 (its equation reads
    (μ⊥ − 1) δm = 0 there, singular where μ⊥ = 1); off the edge the full
    2-D system is solved.

Method.  Newton on Fᵏ(u) = u with the analytic Jacobian of Fᵏ (the chain
rule of :func:`uvcore._kernels.pm_jacobian` along the orbit); pseudo-arclength
continuation in (u, c) with step control; multiplier crossings of −1 (flip),
+1 (fold) and of the unit circle by a complex pair are detected by sign
changes of test functions and refined by a safeguarded regula falsi
(Illinois) along the branch until the critical multiplier is within
:data:`CRITICAL_TOL` of its critical value or the bracket has shrunk to the
float64 resolution of the orbit (``residual`` reports which); flips of the
cascade are then finished in double-double arithmetic, which reaches
CRITICAL_TOL at every level (see :func:`cascade`); at a flip the period-2k
branch is entered along the critical eigenvector.  The stability
label and the bifurcation kind always come from
:func:`uvcore.analysis.classify_multipliers`.

Closed forms used as checks (derived in :func:`cascade`'s notes): the first
flip is at c₁ = 1 (η = η_c); the EoS attractor escapes at the crisis
c = 2 (η = 2 η_c), where g(z*) = 4(1 + c)³/27 reaches the escape threshold
c + 2 (point II).

Layout: :mod:`.types` (results and constants), :mod:`.newton` (the system
Fᵏ(u) − u, Newton, multipliers, test functions), :mod:`.refine` (critical
points along a branch, double-double polish), :mod:`.branch` (continuation,
branch switching, the orbit API) and :mod:`.cascade` (the driver).
"""

from .branch import follow_branch, periodic_orbit, switch_branch
from .cascade import cascade
from .types import (C_CRISIS, CRITICAL_TOL, FEIGENBAUM_DELTA, MAPS, MAX_LEVELS, Bifurcation, Branch,
                    Cascade, CascadeLevel, PeriodicOrbit, Window)

__all__ = [
    "FEIGENBAUM_DELTA", "C_CRISIS", "CRITICAL_TOL", "MAX_LEVELS", "MAPS",
    "PeriodicOrbit", "Bifurcation", "Branch", "CascadeLevel", "Window", "Cascade",
    "periodic_orbit", "follow_branch", "switch_branch", "cascade",
]
