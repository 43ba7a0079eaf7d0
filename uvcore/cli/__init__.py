"""Command line of uvcore: ``python -m uvcore COMMAND [options]``.

Every command parses its flags, calls the public :mod:`uvcore` API and prints
the result: one JSON object on stdout by default (non-finite numbers become
``null``; floats are plain JSON numbers), or CSV with ``--csv`` for the
tabular commands.  The commands, flags and fields are documented in
``docs/cli.md`` and by ``python -m uvcore COMMAND --help``.

Exit codes
----------
0 success; 2 bad input (unknown command or flag, a value that is not a finite
number, anything :class:`uvcore.UVInputError` refuses: forbidden start,
n_eff ≤ 0, sizes past the caps, …) with exactly one line on stderr and nothing
on stdout; 1 an internal error (a bug: the traceback is printed).

Adding a command
----------------
A command is a :class:`Command`: its name, a one-line help, a function
``add_arguments(parser)`` that declares its flags, a function
``run(args) -> dict`` that returns the JSON payload (numpy arrays allowed;
raise :class:`uvcore.UVInputError` for bad input), and optionally
``csv(payload) -> (header, rows)`` which enables ``--csv``.  The built-in
commands are :data:`COMMANDS`.  Another module adds its own commands by
defining a module-level list ``COMMANDS`` of :class:`Command` and adding its
import path to :data:`EXTENSIONS` here (a one-line edit), e.g.::

    # uvcore/networks_cli.py
    from uvcore.cli import Command, add_map_arguments, count, finite_float

    def _add(p): p.add_argument("--width", type=count, default=100, help="...")
    def _run(args):
        from uvcore.networks import ...    # heavy imports inside run()
        return {...}

    COMMANDS = [Command("network", "train a real network", _add, _run)]

    # uvcore/cli/__init__.py
    EXTENSIONS = ("uvcore.networks_cli",)

Extension modules are imported on every invocation, so keep their top level
light.  Flag types :func:`finite_float`, :func:`count` and the shared
:func:`add_map_arguments` / :func:`map_params` are meant for reuse.

Layout: :mod:`.base` (:class:`Command`, flag types, map arguments),
:mod:`.commands` (the built-in commands), :mod:`.cascade` (``cascade``, an
extension) and this module (the registry and the driver :func:`main`).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import math
import os
import sys
import warnings

import numpy as np
import orjson

from .. import threading_layer
from ..params import UVInputError
from .base import (PROG, Command, _Formatter, _one_line, _Parser, add_map_arguments, count,
                   finite_float, map_params)
from .commands import COMMANDS, _num

__all__ = ["Command", "COMMANDS", "EXTENSIONS", "main", "build_parser", "finite_float",
           "count", "add_map_arguments", "map_params", "dumps"]

#: Modules that contribute commands (each defines ``COMMANDS``).
EXTENSIONS: tuple[str, ...] = ("uvcore.cli.cascade", "uvcore.nets.cli")


# --------------------------------------------------------------------------
# driver

def _all_commands() -> list[Command]:
    cmds = list(COMMANDS)
    for name in EXTENSIONS:
        cmds.extend(importlib.import_module(name).COMMANDS)
    return cmds


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per registered command."""
    parser = _Parser(prog=PROG, description="UV model of sharpness dynamics "
                     "(Kalra, He, Barkeshli, arXiv:2311.02076). JSON on stdout; "
                     "exit code 2 on bad input. See docs/cli.md.",
                     formatter_class=_Formatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for cmd in _all_commands():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help,
                           formatter_class=_Formatter)
        cmd.add_arguments(p)
        if cmd.csv is not None:
            p.add_argument("--csv", action="store_true",
                           help="print CSV (header row; empty cell = null) instead of JSON")
        p.set_defaults(_command=cmd)
    return parser


def _default(obj):
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            return np.ascontiguousarray(obj, dtype=float)
        return obj.tolist()
    if isinstance(obj, complex):
        return {"re": _num(obj.real), "im": _num(obj.imag)}
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def dumps(payload) -> bytes:
    """JSON bytes of a payload: numpy arrays as lists, non-finite floats as null."""
    return orjson.dumps(payload, default=_default, option=orjson.OPT_SERIALIZE_NUMPY)


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return repr(v) if math.isfinite(v) else ""
    if isinstance(v, np.integer):
        return int(v)
    return v


def _to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def main(argv=None) -> int:
    """Run one command; returns the exit code (0 ok, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with code 2 on bad flags
    cmd: Command = args._command
    threading_layer.configure()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            payload = cmd.run(args)
            if getattr(args, "csv", False):
                text = _to_csv(*cmd.csv(payload))
            else:
                text = dumps(payload).decode() + "\n"
    except UVInputError as err:
        sys.stderr.write(f"{PROG} {cmd.name}: error: {_one_line(err)}\n")
        return 2
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
