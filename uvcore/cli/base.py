"""Building blocks of the command line: :class:`Command` and the shared flag
types and map arguments (see :mod:`uvcore.cli`)."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any, Callable

from ..params import MapParams
from ..sweeps import default_start

__all__ = ["PROG", "Command", "finite_float", "count", "add_map_arguments", "map_params"]

PROG = "python -m uvcore"


@dataclass(frozen=True)
class Command:
    """One subcommand (see the module docstring)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], dict]
    csv: Callable[[dict], tuple[list, Any]] | None = None


#: Modules that contribute commands (each defines ``COMMANDS``).
EXTENSIONS: tuple[str, ...] = ("uvcore.cli_cascade", "uvcore.nets.cli")


# --------------------------------------------------------------------------
# parsing helpers

class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)}\n")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults, except for flags without one."""

    def _get_help_string(self, action):
        if any(action.default is v for v in (None, False, argparse.SUPPRESS)):
            return action.help
        return super()._get_help_string(action)


def _one_line(text) -> str:
    return " ".join(str(text).split())


def finite_float(text: str) -> float:
    """argparse type: a finite float ("nan", "inf" and non-numbers are refused)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return v


def count(text: str) -> int:
    """argparse type: an integer ("1000", also "1e3"); ranges are checked by the API."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v.is_integer()):
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    return int(v)


def add_map_arguments(p: argparse.ArgumentParser, eta: bool = True) -> None:
    """Flags of the function-space map: --eta (required), --n-eff, --x-norm, --y."""
    if eta:
        p.add_argument("--eta", type=finite_float, required=True, help="learning rate η > 0")
    p.add_argument("--n-eff", type=finite_float, default=1.0, help="effective width n_eff > 0")
    p.add_argument("--x-norm", type=finite_float, default=1.0, help="input norm ‖x‖ > 0")
    p.add_argument("--y", type=finite_float, default=2.0, help="target y")


def map_params(args: argparse.Namespace) -> MapParams:
    """MapParams from the flags of :func:`add_map_arguments`."""
    return MapParams(args.eta, args.n_eff, args.x_norm, args.y)


def _add_start(p: argparse.ArgumentParser) -> None:
    p.add_argument("--df0", type=finite_float, default=None,
                   help="initial residual Δf₀ (default -y, i.e. f₀ = 0)")
    p.add_argument("--lam0", type=finite_float, default=None,
                   help="initial sharpness λ₀ (default ‖x‖·max(|y|,1)/√n_eff); "
                        "must satisfy λ₀ ≥ 2‖x‖|Δf₀+y|/√n_eff")


def _start(args, params: MapParams) -> tuple[float, float]:
    d0, l0 = default_start(params)
    return (d0 if args.df0 is None else args.df0, l0 if args.lam0 is None else args.lam0)
