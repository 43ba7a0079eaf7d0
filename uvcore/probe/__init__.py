"""Sharpness of any PyTorch model during its own training loop (optional extra).

``SharpnessProbe`` (:mod:`.probe`) measures the loss, the Hessian's top
eigenvalue λᴴ, the NTK's top eigenvalue and ηλᴴ/2 every few steps of a
user's own training loop, without disturbing it, and streams the trace
(Δf, λ) = (−√(2·loss), λ_NTK) in the Import view's format (:mod:`.trace`)
beside the matched UV model.  Modules: :mod:`.hvp` (Hessian and
Gauss–Newton products through ``torch.func``), :mod:`.probe`, :mod:`.trace`.
The Lanczos iteration is ``uvcore.nets.lanczos``.

Needs PyTorch: ``pip install '.[torch]'`` (or ``pip install -r
requirements-torch.txt``).  Nothing else in ``uvcore`` or ``app`` imports
this package.
"""

try:
    import torch  # noqa: F401
except ImportError:
    raise ImportError("uvcore.probe needs PyTorch: pip install '.[torch]' "
                      "(or pip install -r requirements-torch.txt)") from None

from .probe import DTYPES, MAX_MEASURE, MODES, SharpnessProbe, loss_scale, resolve_device  # noqa: E402
from .trace import FORMAT, LOSS, VERSION, Measurement, Trace  # noqa: E402

__all__ = ["SharpnessProbe", "Measurement", "Trace", "MAX_MEASURE", "DTYPES", "MODES",
           "FORMAT", "VERSION", "LOSS", "loss_scale", "resolve_device"]
