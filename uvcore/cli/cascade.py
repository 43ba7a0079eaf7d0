"""``python -m uvcore cascade``: the period-doubling route to chaos (spec §3).

Registered through :data:`uvcore.cli.EXTENSIONS`; see :func:`uvcore.cascade`
for what is computed.  JSON (default) is the summary::

    {"eta_flip": [...], "c_flip": [...], "delta": [...], "eta_inf": ...,
     "c_inf": ..., "eta_crisis": ..., "c_crisis": ...,
     "windows": [{"period": 3, "eta_fold": ..., "c_fold": ...}, ...]}

``--csv`` prints one row per located point, columns ``kind, period, eta, c,
delta``: ``flip`` rows (period = the orbit that doubles; delta = δ_k where
defined), then ``accumulation``, ``crisis`` and one ``fold`` row per window.
"""

from __future__ import annotations

from ..params import UVInputError
from .base import Command, add_map_arguments, count, finite_float


def _add(p):
    p.add_argument("--map", choices=("eos", "uv"), default="eos",
                   help="eos: the 1-D EoS map z' = z(1+c-z)^2; uv: the full 2-D map "
                        "(orbits on the edge, checked from the generic start)")
    add_map_arguments(p, eta=False)
    p.add_argument("--df0", type=finite_float, default=None,
                   help="generic start Δf₀ for the forward-iteration checks (default -y)")
    p.add_argument("--lam0", type=finite_float, default=None,
                   help="generic start λ₀ (default ‖x‖·max(|y|,1)/√n_eff)")
    p.add_argument("--levels", type=count, default=8,
                   help="number of flips c_1 … c_L to locate (3 … 13)")
    p.add_argument("--json", action="store_true", help="print JSON (the default)")


def _run(args):
    if args.json and getattr(args, "csv", False):
        raise UVInputError("--json and --csv are exclusive")
    from ..continuation import cascade
    r = cascade(map=args.map, n_eff=args.n_eff, x_norm=args.x_norm, y=args.y,
                df0=args.df0, lam0=args.lam0, levels=args.levels)
    return r.to_dict()


def _csv(payload):
    def rows():
        delta = payload["delta"]
        for j, (eta, c) in enumerate(zip(payload["eta_flip"], payload["c_flip"])):
            d = delta[j - 1] if 1 <= j <= len(delta) else None
            yield ["flip", 2 ** j, eta, c, d]
        yield ["accumulation", None, payload["eta_inf"], payload["c_inf"], None]
        yield ["crisis", None, payload["eta_crisis"], payload["c_crisis"], None]
        for w in payload["windows"]:
            yield ["fold", w["period"], w["eta_fold"], w["c_fold"], None]
    return ["kind", "period", "eta", "c", "delta"], rows()


COMMANDS = [Command("cascade", "period-doubling cascade, accumulation point, crisis and "
                    "period-3 folds on the EoS manifold", _add, _run, _csv)]
