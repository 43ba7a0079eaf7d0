"""Independent references shared by the uvcore.nets tests.

Reference values are independent computations: a loss written out here with
plain NumPy (no code from uvcore.nets), finite differences of it, dense
``numpy.linalg.eigvalsh``, and the UV model's function-space map and
closed-form Hessian sharpness (spec §2, §4).
"""

import numpy as np

#: Lanczos run to tol 1e-12 vs dense eigvalsh.
LANCZOS_RTOL = 1e-9
#: Identities that hold to rounding.
EXACT_RTOL = 1e-12
#: Top eigenvalue of a finite-difference Hessian / Jacobian (step 1e-4 / 1e-6).
FD_EIG_RTOL = 1e-5


# -- independent reference: the loss written out directly ---------------------
def ref_loss(ws, mult, act, X, Y):
    """(1/2N) Σ ‖F − Y‖², F = mult_L φ(… φ(mult_1 X w_1ᵀ) …) w_Lᵀ; no biases."""
    phi = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z}[str(act)]
    h = X
    for w, m in zip(ws[:-1], mult[:-1]):
        h = phi(m * h @ w.T)
    F = mult[-1] * h @ ws[-1].T
    return 0.5 * np.sum((F - Y.reshape(F.shape)) ** 2) / X.shape[0]


def dense_hessian_fd(f, theta, h=1e-4):
    """Hessian of a scalar function by central second differences (loss only)."""
    P = theta.size
    H = np.empty((P, P))
    E = np.eye(P) * h
    for i in range(P):
        for j in range(i, P):
            v = (f(theta + E[i] + E[j]) - f(theta + E[i] - E[j])
                 - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j])) / (4 * h * h)
            H[i, j] = H[j, i] = v
    return H

