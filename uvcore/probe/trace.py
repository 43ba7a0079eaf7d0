"""A probe's trace: its measurements in memory and, optionally, in a file the
Import view reads (format version 1; ``docs/probe.md``).

Mapping to the UV plane (the Real networks view's export,
``app/views/networks/export.py``): with the training loss in the probe's
normalisation ``mse_half_mean``, L = (1/2N) Σ_i ‖F(x_i) − y_i‖²,

    df  := −√(2 L)     (the residual of a one-example model with the same loss)
    lam := top eigenvalue of the NTK Gram matrix J Jᵀ/N
    lam_h := top eigenvalue of the loss Hessian ∇²L

JSON lines (``.jsonl``)
-----------------------
The first line is the header, then one object per measurement::

    {"header": {"format": "sharpness-lab-trace", "version": 1, "model": str,
                "eta": float, "loss": "mse_half_mean", "measure_batch": int,
                "dtype": str, "uv": null | {"eta": float, "n_eff": float,
                "x_norm": float, "y": float, "df0": float, "lam0": float,
                "method": "calibrated", "calibrated": bool}}}
    {"step": int, "df": float, "lam": float, "lam_h": float, "loss": float, "eta": float}

``eta`` is the learning rate on the ``mse_half_mean`` loss (the user's own
learning rate times the factor their loss carries, :mod:`.probe`); the
header's is the first measurement's, each row carries its own.

CSV (``.csv``)
--------------
The same header as ``# key: value`` comment lines (``uv`` as one JSON
object or ``null``), then ``step,df,lam,lam_h,loss,eta,eta_lam_h_half``
(the Import view reads the first five and ignores the rest; it skips lines
starting with ``#``).

Both are written and flushed line by line (the header with the first
measurement written), so a growing file can be followed while training
runs.  A measurement with a non-finite value (a diverged run) stays in
memory but is not written: the Import view takes finite numbers only.
Changing this layout means bumping ``version``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass

__all__ = ["FORMAT", "VERSION", "LOSS", "FORMATS", "Measurement", "Trace", "trace_format"]

FORMAT = "sharpness-lab-trace"
VERSION = 1
#: The one loss normalisation of a trace (module docstring).
LOSS = "mse_half_mean"
#: File formats, by suffix.
FORMATS = {".jsonl": "jsonl", ".csv": "csv"}
CSV_COLUMNS = ("step", "df", "lam", "lam_h", "loss", "eta", "eta_lam_h_half")
HEADER_KEYS = ("format", "version", "model", "eta", "loss", "measure_batch", "dtype", "uv")


@dataclass(frozen=True)
class Measurement:
    """One measurement (what :meth:`SharpnessProbe.step` returns).

    Attributes
    ----------
    step : int
    loss : float
        (1/2N) Σ‖F(x_i) − y_i‖² on the measurement batch.
    lam_h : float
        Top Hessian eigenvalue λᴴ.
    lam : float
        Top NTK eigenvalue (NaN when the probe was made with ``ntk=False``).
    eta : float
        Learning rate on that loss.
    eta_lam_h_half : float
        ηλᴴ/2 (1 at the edge of stability).
    df : float
        −√(2 loss).
    lanczos_iters, ntk_iters : int
        Products used by the two estimates (0 for the NTK when not measured).
    seconds_h, seconds_ntk : float
        Wall time of the two estimates (the loss and copies count with λᴴ).
    """

    step: int
    loss: float
    lam_h: float
    lam: float
    eta: float
    eta_lam_h_half: float
    df: float
    lanczos_iters: int = 0
    ntk_iters: int = 0
    seconds_h: float = 0.0
    seconds_ntk: float = 0.0

    @property
    def point(self) -> tuple[float, float]:
        """The trace point (Δf, λ) on the UV plane."""
        return self.df, self.lam

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.loss, self.lam_h, self.lam, self.eta))

    def row(self) -> dict:
        """The JSON-lines object of this measurement."""
        return {"step": int(self.step), "df": self.df, "lam": self.lam, "lam_h": self.lam_h,
                "loss": self.loss, "eta": self.eta}


def trace_format(path, fmt=None) -> str:
    """"jsonl" or "csv" from ``fmt`` or the file's suffix; ValueError otherwise."""
    if fmt is not None:
        if fmt not in FORMATS.values():
            raise ValueError(f"trace_format must be one of {', '.join(FORMATS.values())}, "
                             f"got {fmt!r}")
        return fmt
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in FORMATS:
        raise ValueError(f"trace file must end in .jsonl or .csv (or give trace_format), "
                         f"got {os.fspath(path)!r}")
    return FORMATS[suffix]


def _json(value) -> str:
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


class Trace:
    """Measurements in order, and the file they are streamed to (module docstring).

    Parameters
    ----------
    header : dict
        ``model``, ``measure_batch``, ``dtype`` (``format``, ``version``,
        ``loss`` are filled in; ``eta`` comes with the first measurement;
        ``uv`` is None until :meth:`set_uv`).
    path : str or PathLike, optional
        File to stream to; it is truncated when the first line is written.
    fmt : {"jsonl", "csv"}, optional
        Default: from the suffix.
    """

    def __init__(self, header: dict, path=None, fmt=None):
        self.header = {"format": FORMAT, "version": VERSION, "model": str(header["model"]),
                       "eta": None, "loss": LOSS, "measure_batch": int(header["measure_batch"]),
                       "dtype": str(header["dtype"]), "uv": None}
        self.path = None if path is None else os.fspath(path)
        self.fmt = None if path is None else trace_format(path, fmt)
        self.measurements: list[Measurement] = []
        self.hold = False           # keep the file unwritten (a UV match is still to come)
        self._written = 0           # measurements already handed to the file
        self._header_done = False

    def __len__(self):
        return len(self.measurements)

    def column(self, name: str) -> list:
        """One field of every measurement (e.g. ``trace.column("lam_h")``)."""
        return [getattr(m, name) for m in self.measurements]

    @property
    def started(self) -> bool:
        """Whether the file's header is written (the header can no longer change)."""
        return self._header_done

    def set_uv(self, uv: dict | None):
        if self.started:
            raise ValueError("the trace file's header is already written; match the UV model "
                             "before the first measurement is written (uv_calibration=) or "
                             "write the trace again with Trace.write")
        self.header["uv"] = uv

    def append(self, m: Measurement):
        """Record ``m`` and stream whatever is due to the file."""
        if self.header["eta"] is None:
            self.header["eta"] = m.eta
        self.measurements.append(m)
        if self.path is not None and not self.hold:
            self._flush()

    def _flush(self):
        pending = [m for m in self.measurements[self._written:] if m.finite]
        self._written = len(self.measurements)
        if not pending:
            return
        first = not self._header_done
        with open(self.path, "w" if first else "a", encoding="utf-8") as fh:
            if first:
                fh.write(self.header_text(self.fmt))
                self._header_done = True
            for m in pending:
                fh.write(self.row_text(m, self.fmt))
                fh.flush()

    def release(self):
        """Stop holding the file back and write what is due (after a UV match)."""
        self.hold = False
        if self.path is not None:
            self._flush()

    # -- text ------------------------------------------------------------------------
    def header_text(self, fmt: str) -> str:
        if fmt == "jsonl":
            return _json({"header": self.header}) + "\n"
        lines = [f"# {k}: {_json(self.header[k]) if k == 'uv' else self.header[k]}"
                 for k in HEADER_KEYS]
        return "\n".join(lines + [",".join(CSV_COLUMNS)]) + "\n"

    @staticmethod
    def row_text(m: Measurement, fmt: str) -> str:
        if fmt == "jsonl":
            return _json(m.row()) + "\n"
        vals = (m.df, m.lam, m.lam_h, m.loss, m.eta, m.eta_lam_h_half)
        return f"{int(m.step)}," + ",".join(repr(float(v)) for v in vals) + "\n"

    def write(self, path, fmt=None):
        """The whole trace (finite measurements), with the current header, to ``path``."""
        fmt = trace_format(path, fmt)
        if self.header["eta"] is None:
            raise ValueError("the trace is empty: nothing to write")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.header_text(fmt))
            for m in self.measurements:
                if m.finite:
                    fh.write(self.row_text(m, fmt))

    def as_dict(self) -> dict:
        """Header and measurements as plain data."""
        return {"header": dict(self.header), "measurements": [asdict(m) for m in self.measurements]}
