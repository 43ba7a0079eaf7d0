"""``SharpnessProbe``: λᴴ and the NTK eigenvalue of any PyTorch model, measured
inside its owner's own training loop, and the trace of (Δf, λ) on the UV plane.

::

    probe = SharpnessProbe(model, torch.nn.MSELoss(), (X, Y), every=10, trace="run.jsonl")
    for t in range(steps):
        probe.step(t, lr)          # the state after t optimiser steps
        ...                        # the user's own zero_grad / backward / opt.step()

Loss normalisation
------------------
Everything is measured on the probe's one loss, ``mse_half_mean``:
L(θ) = (1/2N) Σ_i ‖F(x_i; θ) − y_i‖² over the N examples of the measurement
batch (F: the model's output; k = its number of entries per example).  The
user's ``loss_fn`` says how their loss relates to it, and their learning rate
is converted so that η·λᴴ is the same product their optimiser sees:

* ``"mse_half_mean"``: the user minimizes L itself; η = lr.
* ``torch.nn.MSELoss()`` (``reduction="mean"``, over all N·k entries):
  the user's loss is (2/k)·L; η = (2/k)·lr.
* anything else (``reduction="sum"``, whose scale is the user's batch size,
  cross-entropy, any other callable) is refused with a one-line message.

Measurement batch
-----------------
``batches`` is an ``(X, Y)`` pair of tensors or an iterable of ``(x, y)``
batches (a ``DataLoader``): the first ``measure_size`` examples (default and
maximum :data:`MAX_MEASURE` = 5,000, the edge-of-stability literature's
convention of a fixed subset of at most 5,000 examples) are taken once, at
construction, and every measurement uses exactly those.  The size is
recorded as ``measure_batch`` in the trace header.

Not disturbing training
-----------------------
A measurement works on detached copies of the parameters and buffers (cast
to ``dtype`` on ``device``), so BatchNorm running statistics and every other
buffer are not updated and nothing is written into any ``.grad``.  It runs
the model in ``mode`` ("eval" by default: BatchNorm uses its running
statistics, dropout is off; "train": batch statistics with the running ones
untouched, and dropout masks fixed for the whole measurement) and restores
every module's own train/eval flag afterwards.  The CPU and CUDA random
number generators are forked and restored (``torch.random.fork_rng``); the
Lanczos starts come from the probe's own NumPy generator.

Algorithms
----------
λᴴ: Lanczos (``uvcore.nets.lanczos.lanczos_top``, full reorthogonalization,
relative tolerance ``tol``) on exact Hessian-vector products (:mod:`.hvp`),
warm-started from the previous measurement's top eigenvector.  NTK: the same
Lanczos on Gauss–Newton products v ↦ Jᵀ(J v)/N; J is never formed.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

import numpy as np
import torch

from ..nets.lanczos import DEFAULT_TOL, MAX_ITER, lanczos_top
from ..nets.matching import uv_calibrate
from ..params import UVInputError, check_count, positive
from .hvp import HVP_MODES, CurvatureOps
from .trace import LOSS, Measurement, Trace

__all__ = ["SharpnessProbe", "MAX_MEASURE", "DTYPES", "MODES", "resolve_device", "loss_scale"]

#: Largest (and default) measurement batch.
MAX_MEASURE = 5000
DTYPES = {"float32": torch.float32, "float64": torch.float64}
MODES = ("eval", "train")


def resolve_device(device) -> torch.device:
    """``"auto"`` → CUDA when a GPU is present, else the CPU; else ``torch.device(device)``."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (TypeError, RuntimeError):
        raise UVInputError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:<i>', "
                           f"got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UVInputError(f"device {device!r} asked for but no CUDA GPU is available")
    if dev.type not in ("cpu", "cuda"):
        raise UVInputError(f"device must be 'auto', 'cpu' or a CUDA device, got {device!r}")
    return dev


def loss_scale(loss_fn, k: int) -> float:
    """s with the user's loss = s · (1/2N) Σ‖F − y‖² (module docstring), or a one-line error."""
    if isinstance(loss_fn, str) and loss_fn == LOSS:
        return 1.0
    if isinstance(loss_fn, torch.nn.MSELoss):
        if loss_fn.reduction == "mean":
            return 2.0 / k
        raise UVInputError(f"MSELoss(reduction={loss_fn.reduction!r}) is not supported: its scale "
                           "depends on the training batch size; use reduction='mean' or "
                           f"loss_fn={LOSS!r}")
    raise UVInputError(f"loss_fn must be torch.nn.MSELoss() or {LOSS!r} (the probe measures the "
                       f"MSE loss (1/2N) sum |F(x)-y|^2), got {type(loss_fn).__name__}")


def _take(batches, size: int):
    """The first ``size`` examples of ``batches`` as (X, Y) tensors."""
    if isinstance(batches, (tuple, list)) and len(batches) == 2 and all(
            isinstance(t, torch.Tensor) for t in batches):
        pairs = [tuple(batches)]
    else:
        pairs, got = [], 0
        # a shuffling DataLoader draws its order from torch's global generator
        with torch.random.fork_rng(devices=[]):
            try:
                it = iter(batches)
            except TypeError:
                raise UVInputError("batches must be an (X, Y) pair of tensors or an iterable of "
                                   f"(x, y) batches, got {type(batches).__name__}") from None
            for b in it:
                if not (isinstance(b, (tuple, list)) and len(b) >= 2
                        and all(isinstance(t, torch.Tensor) for t in b[:2])):
                    raise UVInputError("every batch must be an (x, y) pair of tensors")
                pairs.append((b[0], b[1]))
                got += int(b[0].shape[0]) if b[0].ndim else 0
                if got >= size:
                    break
    for x, y in pairs:
        if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
            raise UVInputError("inputs and targets must have the same number of examples "
                               "(first dimension)")
    X = torch.cat([x.detach() for x, _ in pairs])[:size]
    Y = torch.cat([y.detach() for _, y in pairs])[:size]
    if X.shape[0] == 0:
        raise UVInputError("batches hold no examples")
    if X.is_floating_point() and not bool(torch.isfinite(X).all()):
        raise UVInputError("measurement inputs must be finite")
    if not Y.is_floating_point() or not bool(torch.isfinite(Y).all()):
        raise UVInputError("measurement targets must be finite floating-point numbers "
                           "(MSE regression targets, e.g. one-hot vectors)")
    return X, Y


class SharpnessProbe:
    """Sharpness of a PyTorch model during its own training loop (module docstring).

    Parameters
    ----------
    model : torch.nn.Module
    loss_fn : torch.nn.MSELoss or "mse_half_mean"
        The user's loss (module docstring: only its normalisation is used).
    batches : (X, Y) tensors or iterable of (x, y) batches
        Source of the fixed measurement batch.
    every : int
        :meth:`step` measures at steps 0, every, 2·every, …
    ntk : bool
        Also measure the NTK top eigenvalue (needed for a trace file and a UV match).
    device : "auto", "cpu", "cuda", ...
    dtype : "float32" (default) or "float64"
    measure_size : int
        Examples in the measurement batch (1 … :data:`MAX_MEASURE`).
    chunk : int, optional
        Examples per forward pass (default: all at once).
    tol : float
        Relative accuracy of both eigenvalues (Lanczos).
    mode : "eval" or "train"
    hvp_mode : "auto", "forward" or "backward" (:mod:`.hvp`)
    trace : path, optional
        File the trace is streamed to (``.jsonl`` or ``.csv``, :mod:`.trace`).
    trace_format : "jsonl" or "csv", optional
    uv_calibration : int, optional
        Match the UV model (:meth:`match_uv`) on the first ``uv_calibration``
        steps and put it in the trace header; the file is then written once
        that many steps are measured, and streamed from there.
    name : str, optional
        The model's name in the header (default: class name and parameter count).
    seed : int
        Seed of the Lanczos starts and of the measurement's dropout masks.
    """

    def __init__(self, model, loss_fn, batches, every: int = 1, ntk: bool = True,
                 device="auto", dtype: str = "float32", measure_size: int = MAX_MEASURE,
                 chunk: int | None = None, tol: float = DEFAULT_TOL, mode: str = "eval",
                 hvp_mode: str = "auto", trace=None, trace_format=None,
                 uv_calibration: int | None = None, name: str | None = None, seed: int = 0):
        if not isinstance(model, torch.nn.Module):
            raise UVInputError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.names = [k for k, p in model.named_parameters() if p.requires_grad]
        if not self.names:
            raise UVInputError("model has no trainable parameters")
        self.every = check_count("every", every, 1, 10 ** 9)
        self.ntk = bool(ntk)
        self.device = resolve_device(device)
        if dtype not in DTYPES:
            raise UVInputError(f"dtype must be float32 or float64, got {dtype!r}")
        self.dtype_name, self.dtype = dtype, DTYPES[dtype]
        self.measure_size = check_count("measure_size", measure_size, 1, MAX_MEASURE)
        self.tol = positive("tol", tol)
        if mode not in MODES:
            raise UVInputError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if hvp_mode not in HVP_MODES:
            raise UVInputError(f"hvp_mode must be one of {', '.join(HVP_MODES)}, got {hvp_mode!r}")
        self.mode, self.hvp_mode = mode, hvp_mode
        self.seed = check_count("seed", seed, 0, 2 ** 63 - 1)
        X, Y = _take(batches, self.measure_size)
        self.N = int(X.shape[0])
        self.chunk = self.N if chunk is None else check_count("chunk", chunk, 1, MAX_MEASURE)
        self.X = X.to(self.device, self.dtype if X.is_floating_point() else X.dtype)
        self.Y = Y.to(self.device, self.dtype)
        self._check_outputs()
        self.k = int(self.Y[0].numel())
        self.scale = loss_scale(loss_fn, self.k)
        # the UV model's target scale y = √(mean_i ‖y_i‖²)
        self.y_norm = math.sqrt(float((self.Y.double() ** 2).sum()) / self.N)
        if trace is not None and not self.ntk:
            raise UVInputError("a trace file needs the NTK eigenvalue: make the probe with ntk=True")
        if uv_calibration is not None:
            if not self.ntk:
                raise UVInputError("a UV match needs the NTK eigenvalue: make the probe with ntk=True")
            uv_calibration = check_count("uv_calibration", uv_calibration, 1, 10 ** 9)
        self.uv_calibration = uv_calibration
        self.uv_error = None
        n_params = sum(p.numel() for k, p in model.named_parameters() if k in self.names)
        label = name if name is not None else f"{type(model).__name__} ({n_params:,} parameters)"
        try:
            self.trace = Trace({"model": label, "measure_batch": self.N, "dtype": dtype},
                               trace, trace_format)
        except ValueError as exc:
            raise UVInputError(str(exc)) from None
        self.trace.hold = uv_calibration is not None
        self._rng = np.random.default_rng(self.seed)
        self._vh = self._vn = None
        self._last_step = None

    # -- set-up ------------------------------------------------------------------------
    def _check_outputs(self):
        with self._measuring():
            p = self._copies()
            with torch.no_grad():
                # two examples: a BatchNorm in train mode needs more than one
                out = self._ops(p).outputs(p[0], self.X[:2])
        if tuple(out.shape) != tuple(self.Y[:2].shape):
            raise UVInputError(f"model outputs have shape {tuple(out.shape[1:])} per example but "
                               f"targets {tuple(self.Y.shape[1:])}; give targets of the outputs' "
                               "shape")

    def _copies(self):
        """Detached copies of the trainable parameters and of every buffer and frozen parameter."""
        params, buffers = {}, {}
        for k, p in self.model.named_parameters():
            t = p.detach().to(self.device, self.dtype).clone()
            (params if k in self.names else buffers)[k] = t
        for k, b in self.model.named_buffers():
            buffers[k] = b.detach().to(self.device, self.dtype if b.is_floating_point()
                                       else b.dtype).clone()
        return params, buffers

    def _ops(self, copies) -> CurvatureOps:
        params, buffers = copies
        return CurvatureOps(self.model, params, buffers, self.X, self.Y, self.chunk,
                            self.hvp_mode, reseed=lambda: torch.manual_seed(self.seed))

    @contextmanager
    def _measuring(self):
        """Mode set, RNG forked, running statistics frozen; all restored on exit."""
        modes = [(m, m.training) for m in self.model.modules()]
        bns = [m for m in self.model.modules()
               if isinstance(m, torch.nn.modules.batchnorm._NormBase)]
        tracking = [(m, m.track_running_stats) for m in bns]
        gpus = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        try:
            with torch.random.fork_rng(devices=gpus):
                self.model.train(self.mode == "train")
                if self.mode == "train":
                    # batch statistics, no running-statistics update (even on the copies)
                    for m in bns:
                        m.track_running_stats = False
                yield
        finally:
            for m, flag in tracking:
                m.track_running_stats = flag
            for m, flag in modes:
                m.training = flag

    # -- measuring ------------------------------------------------------------------------
    def _top(self, op, n: int, v0):
        np_dtype = np.float64 if self.dtype == torch.float64 else np.float32

        def matvec(q):
            v = torch.from_numpy(np.ascontiguousarray(q, dtype=np_dtype)).to(self.device)
            return op(v).detach().cpu().numpy()

        return lanczos_top(matvec, n, v0, self.tol, rng=self._rng, max_iter=MAX_ITER,
                           dtype=np_dtype)

    def measure(self, t: int, lr: float) -> Measurement:
        """Measure now, as step ``t`` with learning rate ``lr``; append to the trace."""
        t = check_count("step", t, 0, 2 ** 62)
        lr = positive("lr", lr)
        if self._last_step is not None and t <= self._last_step:
            raise UVInputError(f"steps must increase: got {t} after {self._last_step}")
        t0 = time.perf_counter()
        with self._measuring():
            ops = self._ops(self._copies())
            loss = ops.loss()
            h = self._top(ops.hvp, ops.n, self._vh)
            t1 = time.perf_counter()
            lam, n_it = math.nan, 0
            if self.ntk:
                g = self._top(ops.gnvp, ops.n, self._vn)
                lam, n_it, self._vn = g.value, g.iterations, g.vector
        t2 = time.perf_counter()
        self.hvp_mode = ops.hvp_mode
        self._vh = h.vector
        self._last_step = t
        eta = lr * self.scale
        df = -math.sqrt(2.0 * loss) if loss >= 0 else math.nan
        m = Measurement(t, loss, h.value, lam, eta, eta * h.value / 2.0, df, h.iterations, n_it,
                        t1 - t0, t2 - t1)
        self.trace.append(m)
        self._maybe_calibrate()
        return m

    def step(self, t: int, lr: float) -> Measurement | None:
        """After the user's optimiser step: measure if ``t`` is a multiple of ``every``.

        Returns the :class:`~.trace.Measurement` (also appended to :attr:`trace`)
        or None when ``t`` is not a measured step.
        """
        t = check_count("step", t, 0, 2 ** 62)
        if t % self.every:
            return None
        return self.measure(t, lr)

    # -- the UV model ------------------------------------------------------------------------
    def match_uv(self, upto: int | None = None) -> dict:
        """The matched UV model, as the trace header's ``uv`` object.

        ``uv_calibrate`` (the Real networks view's calibration) on this run
        itself: the UV model starts at the first measurement (Δf₀ = −√(2L₀),
        λ₀ = its NTK eigenvalue, ‖x‖ = 1, y = √(mean_i ‖y_i‖²) of the
        measurement batch), runs at the run's η, and n_eff is fitted so that
        after the same number of steps its NTK ratio equals the network's
        between the first measurement and the last one at step ≤ ``upto``
        (default: the last).  Needs a constant learning rate over that window.
        """
        ms = [m for m in self.trace.measurements if m.finite]
        if upto is not None:
            upto = check_count("upto", upto, 0, 2 ** 62)
            ms = [m for m in ms if m.step <= upto]
        if len(ms) < 2:
            raise UVInputError("a UV match needs at least two finite measurements with the NTK "
                               "eigenvalue")
        first, last = ms[0], ms[-1]
        if any(not math.isclose(m.eta, first.eta, rel_tol=1e-12) for m in ms):
            raise UVInputError("a UV match needs a constant learning rate over its calibration "
                               "window")
        if not (first.lam > 0 and last.lam > 0 and first.lam_h > 0):
            raise UVInputError("a UV match needs positive NTK and Hessian eigenvalues")
        u = uv_calibrate(first.loss, first.lam, self.y_norm, last.lam / first.lam, first.eta,
                         last.step - first.step, 1.0 / first.lam_h, first.eta * first.lam_h,
                         method="calibrated")
        return {"eta": u.params.eta, "n_eff": u.n_eff, "x_norm": u.params.x_norm,
                "y": u.params.y, "df0": u.df0, "lam0": u.lam0, "method": "calibrated",
                "calibrated": bool(u.calibrated)}

    def _maybe_calibrate(self):
        """With ``uv_calibration``: match once the window is measured (or the run
        stopped being finite), put the match in the header and release the file."""
        if not self.trace.hold:
            return
        ms = [m for m in self.trace.measurements if m.finite]
        broke = not self.trace.measurements[-1].finite
        if not broke and (not ms or ms[-1].step - ms[0].step < self.uv_calibration):
            return
        try:
            self.trace.set_uv(self.match_uv())
        except UVInputError as exc:
            self.uv_error = str(exc)
        self.trace.release()
