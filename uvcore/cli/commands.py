"""The built-in commands of ``python -m uvcore`` (:data:`COMMANDS`)."""

from __future__ import annotations

import math

from ..analysis import fixed_points
from ..maps import trajectory
from ..params import MapParams, UVInputError, eta_critical
from ..paramspace import PRESETS, resolve_preset, train
from ..sweeps import bifurcation, edge_exponents, eta_max, fate_map
from .base import Command, _add_start, _start, add_map_arguments, count, finite_float, map_params

__all__ = ["COMMANDS", "TRAJECTORY_COLUMNS"]


# --------------------------------------------------------------------------
# payload helpers

def _num(x):
    """A float, or None when not finite (JSON null)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _outcome(o) -> dict:
    return {"kind": o.kind, "period": o.period, "lyapunov": _num(o.lyapunov),
            "eta_lam": _num(o.eta_lam)}


def _traj_payload(t) -> dict:
    return {"df": t.df, "lam": t.lam, "lam_h": t.lam_h, "loss": t.loss, "eta_lam": t.eta_lam,
            "diverged": t.diverged_at is not None, "diverged_at": t.diverged_at,
            "outcome": _outcome(t.outcome)}


TRAJECTORY_COLUMNS = ["step", "df", "lam", "lam_h", "loss", "eta_lam"]


def _traj_rows(payload: dict):
    cols = [payload[c] for c in TRAJECTORY_COLUMNS[1:]]
    return ([t, *(c[t] for c in cols)] for t in range(len(cols[0])))


# --------------------------------------------------------------------------
# built-in commands

def _critical_args(p):
    add_map_arguments(p, eta=False)


def _critical(args):
    return {"eta_c": _num(eta_critical(args.n_eff, args.x_norm, args.y))}


def _trajectory_args(p):
    add_map_arguments(p)
    _add_start(p)
    p.add_argument("--steps", type=count, default=1000, help="GD steps")


def _trajectory(args):
    params = map_params(args)
    df0, lam0 = _start(args, params)
    return _traj_payload(trajectory(df0, lam0, params, args.steps))


def _trajectory_csv(payload):
    return TRAJECTORY_COLUMNS, _traj_rows(payload)


def _fixed_points_args(p):
    add_map_arguments(p)


def _eigenvalue(z: complex):
    z = complex(z)
    return _num(z.real) if z.imag == 0.0 else {"re": _num(z.real), "im": _num(z.imag)}


def _fixed_points(args):
    fp = fixed_points(map_params(args))
    return {"fixed_points": [{"kind": q.kind, "df": _num(q.df), "lam": _num(q.lam),
                              "eigenvalues": [_eigenvalue(z) for z in q.eigenvalues],
                              "stability": q.stability, "bifurcation": q.bifurcation}
                             for q in fp.points],
            "line": {"lam_min": _num(fp.line.lam_min),
                     "lam_stable_max": _num(fp.line.lam_stable_max)}}


def _bifurcation_args(p):
    p.add_argument("--map", choices=("uv", "eos"), default="uv",
                   help="uv: the 2-D map from (df0, lam0); eos: the 1-D map on the EoS edge "
                        "from z₀ = η·lam0/2")
    p.add_argument("--eta-min", type=finite_float, required=True, help="smallest η")
    p.add_argument("--eta-max", type=finite_float, required=True, help="largest η")
    p.add_argument("--num", type=count, default=400, help="number K of η values (linear grid)")
    add_map_arguments(p, eta=False)
    _add_start(p)
    p.add_argument("--transient", type=count, default=2000, help="steps dropped per η")
    p.add_argument("--keep", type=count, default=200, help="steps M of λ kept per η (≥ 2)")
    p.add_argument("--warm-start", action="store_true",
                   help="start each η from the previous η's final state")


def _bifurcation(args):
    b = bifurcation(args.eta_min, args.eta_max, args.num, n_eff=args.n_eff,
                    x_norm=args.x_norm, y=args.y, map=args.map, df0=args.df0,
                    lam0=args.lam0, transient=args.transient, keep=args.keep,
                    warm_start=args.warm_start)
    div = b.diverged
    return {"eta": b.eta, "lam": [None if d else row for d, row in zip(div, b.lam)],
            "period": b.period, "lyapunov": b.lyapunov}


def _bifurcation_csv(payload):
    keep = max((len(r) for r in payload["lam"] if r is not None), default=0)
    header = ["eta", "period", "lyapunov", *(f"lam_{i}" for i in range(keep))]

    def rows():
        for eta, period, lyap, lam in zip(payload["eta"], payload["period"],
                                          payload["lyapunov"], payload["lam"]):
            yield [eta, period, lyap, *(lam if lam is not None else [None] * keep)]
    return header, rows()


def _train_args(p):
    p.add_argument("--width", type=count, required=True, help="width n (1 … 1000000)")
    p.add_argument("--input-dim", type=count, required=True,
                   help="input dimension d (width·(d+1) ≤ 50000000)")
    p.add_argument("--preset", choices=PRESETS, default="custom",
                   help="ntp: n_eff = n, σ_u = σ_v = σ; mup: n_eff = 1, σ_u = σ_v = σ/√n; "
                        "custom: --n-eff, --sigma-u, --sigma-v as given.  With ntp or mup the "
                        "preset wins: --n-eff/--sigma-u/--sigma-v are ignored")
    p.add_argument("--sigma", type=finite_float, default=1.0, help="σ of the ntp/mup presets")
    p.add_argument("--n-eff", type=finite_float, default=None,
                   help="effective width n_eff > 0 (preset custom)")
    p.add_argument("--sigma-u", type=finite_float, default=None,
                   help="standard deviation of U_ij ≥ 0 (preset custom)")
    p.add_argument("--sigma-v", type=finite_float, default=None,
                   help="standard deviation of v_i ≥ 0 (preset custom)")
    p.add_argument("--x-norm", type=finite_float, default=1.0, help="input norm ‖x‖ > 0")
    p.add_argument("--y", type=finite_float, default=2.0, help="target y")
    p.add_argument("--eta", type=finite_float, required=True, help="learning rate η > 0")
    p.add_argument("--steps", type=count, default=1000, help="GD steps (≤ 1000000)")
    p.add_argument("--seed", type=count, default=0, help="initialisation seed ≥ 0")


def _train(args):
    if args.preset == "custom":
        missing = [flag for flag, v in (("--n-eff", args.n_eff), ("--sigma-u", args.sigma_u),
                                        ("--sigma-v", args.sigma_v)) if v is None]
        if missing:
            raise UVInputError(f"train needs {', '.join(missing)} (or --preset ntp|mup)")
    n_eff, su, sv = resolve_preset(args.preset, args.width, args.sigma, args.n_eff,
                                   args.sigma_u, args.sigma_v)
    r = train(args.width, args.input_dim, eta=args.eta, steps=args.steps, n_eff=n_eff,
              sigma_u=su, sigma_v=sv, x_norm=args.x_norm, y=args.y, seed=args.seed)
    out = _traj_payload(r)
    out.update(max_rel_dev_from_map=_num(r.max_rel_dev_from_map), n_eff=n_eff,
               sigma_u=su, sigma_v=sv,
               map={"df": r.map.df, "lam": r.map.lam, "diverged_at": r.map.diverged_at,
                    "outcome": _outcome(r.map.outcome)})
    return out


def _train_csv(payload):
    header = TRAJECTORY_COLUMNS + ["map_df", "map_lam"]
    cols = [payload[c] for c in TRAJECTORY_COLUMNS[1:]]
    cols += [payload["map"]["df"], payload["map"]["lam"]]
    n = max(len(c) for c in cols)
    return header, ([t, *(c[t] if t < len(c) else None for c in cols)] for t in range(n))


def _fate_map_args(p):
    add_map_arguments(p)
    p.add_argument("--df-range", type=finite_float, nargs=2, required=True,
                   metavar=("MIN", "MAX"), help="Δf axis of the window")
    p.add_argument("--lam-range", type=finite_float, nargs=2, required=True,
                   metavar=("MIN", "MAX"), help="λ axis of the window")
    p.add_argument("--grid", type=count, default=100, help="grid side G (2 … 1000)")
    p.add_argument("--steps", type=count, default=2000, help="steps per start")


def _fate_map(args):
    fm = fate_map(map_params(args), tuple(args.df_range), tuple(args.lam_range),
                  grid=args.grid, steps=args.steps)
    return {"df": fm.df, "lam": fm.lam, "period": fm.period, "kind": fm.kind.tolist(),
            "lyapunov": fm.lyapunov}


def _fate_map_csv(payload):
    def rows():
        for i, lam in enumerate(payload["lam"]):
            for j, df in enumerate(payload["df"]):
                yield [df, lam, payload["period"][i, j], payload["kind"][i][j],
                       payload["lyapunov"][i, j]]
    return ["df", "lam", "period", "kind", "lyapunov"], rows()


def _eta_max_args(p):
    add_map_arguments(p, eta=False)
    _add_start(p)
    p.add_argument("--eta-lo", type=finite_float, default=None,
                   help="bottom of the scan (default η_c/100)")
    p.add_argument("--eta-hi", type=finite_float, default=None,
                   help="top of the scan (default 10·η_c)")
    p.add_argument("--num", type=count, default=256, help="log-spaced scan points")
    p.add_argument("--steps", type=count, default=5000, help="steps a run must survive")
    p.add_argument("--rtol", type=finite_float, default=1e-6, help="relative bracket width")


def _eta_max(args):
    params = MapParams(1.0, args.n_eff, args.x_norm, args.y)  # default_start is η-free
    df0, lam0 = _start(args, params)
    r = eta_max(df0, lam0, n_eff=args.n_eff, x_norm=args.x_norm, y=args.y,
                eta_lo=args.eta_lo, eta_hi=args.eta_hi, num=args.num, steps=args.steps,
                rtol=args.rtol)
    return {"eta_max": _num(r.eta_max), "bracket": [_num(b) for b in r.bracket],
            "found": r.found, "eta_c": _num(r.eta_c), "has_eos": r.has_eos}


def _edge_args(p):
    add_map_arguments(p)
    p.add_argument("--z0", type=finite_float, default=None,
                   help="start z₀ = ηλ₀/2 on the edge (default c/2, or 1/2 when y = 0)")
    p.add_argument("--transient", type=count, default=1000, help="steps dropped")
    p.add_argument("--steps", type=count, default=10000, help="steps averaged")


def _edge(args):
    r = edge_exponents(map_params(args), args.z0, args.transient, args.steps)
    return {"in_edge": _num(r.in_edge), "transverse": _num(r.transverse),
            "diverged": r.diverged}


#: The built-in commands, in the order ``--help`` lists them.
COMMANDS: list[Command] = [
    Command("critical", "critical learning rate η_c = √n_eff/(‖x‖|y|)", _critical_args,
            _critical),
    Command("trajectory", "one GD run of the function-space map", _trajectory_args,
            _trajectory, _trajectory_csv),
    Command("fixed-points", "fixed points II±, origin and line I with multipliers",
            _fixed_points_args, _fixed_points),
    Command("bifurcation", "late-time λ against η (orbit diagram)", _bifurcation_args,
            _bifurcation, _bifurcation_csv),
    Command("train", "GD on the parameter-space model beside the map", _train_args, _train,
            _train_csv),
    Command("fate-map", "fate of a grid of starts at one η", _fate_map_args, _fate_map,
            _fate_map_csv),
    Command("eta-max", "largest η that does not diverge from a start", _eta_max_args, _eta_max),
    Command("edge-exponents", "Lyapunov exponents on the EoS edge", _edge_args, _edge),
]
