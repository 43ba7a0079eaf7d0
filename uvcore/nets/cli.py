"""``python -m uvcore network`` and ``python -m uvcore network-experiment``.

Registered through :data:`uvcore.cli.EXTENSIONS`; heavy imports happen inside
the run functions.

``network`` trains one fully connected network by full-batch GD and prints::

    {"eta": ..., "c": ..., "lam0_h": ..., "step": [...], "loss": [...],
     "sharpness": [...], "ntk": [...], "test_loss": [...], "test_acc": [...],
     "loss_all": [...], "diverged": bool, "diverged_at": int|null,
     "n_params": ..., "mult": [...], "var": [...]}

``step`` are the steps where λ^H (``sharpness``) and the NTK eigenvalue
(``ntk``) were measured (0, K, 2K, …, and the last); ``loss`` is the
training loss at those steps and ``loss_all`` at every step.  ``test_loss``
appears when the data have a test split (digits always; synthetic data with
``--n-test`` > 0), ``test_acc`` when they have class labels (digits).

``--save PATH.npz`` writes the initial weights ``w0`` … ``w{L-1}`` (each
(fan_out, fan_in), float64), ``mult`` (L,), ``var`` (L,), ``activation``
(string), ``X`` (N, d) and ``Y`` (N, k): enough for any program to recompute
the loss (1/2N)Σ‖F−Y‖² with F = mult_L·φ(…φ(mult_1·X w0ᵀ)…) w_{L−1}ᵀ and its
Hessian at initialization (no biases).

``network-experiment --experiment fig1|fig4|fig5 [--scale S]`` runs one of
the paper's real-network experiments (:mod:`uvcore.nets.experiments`) and
prints its arrays as JSON (``--save`` also writes them to an .npz, nested
keys joined with "/", e.g. ``runs/0/sharpness``).  ``--matching`` and
``--c-cal`` choose how the UV model beside the network is matched.  At
``--scale`` < 1 the experiments' grids are thinned too, unless ``--c-points
N`` (fig5: N evenly spaced c in [1, 2.5]) or ``--full-grid`` (fig4: the
paper's 7 × 5 grids) fix them; ``--panel a|b`` runs one panel of fig4 and
``--c`` sets fig1's c.  These flags reproduce the dashboard's runs exactly
(the Real networks view runs Fig 5 with its "c points" and Fig 4 on the
full grid, one panel per experiment).

Fig 4 and Fig 5 run as independent cells (one per network run,
:mod:`uvcore.nets.experiments.cells`): ``--workers N`` runs them in N local
processes, ``--cell-cache DIR`` keeps each finished cell (a rerun resumes),
``--celery BROKER_URL`` sends each cell to Celery workers as its own task
(:mod:`uvcore.nets.distributed`; hard limit ``--cell-time-limit`` or
``$JOB_TIME_LIMIT`` per cell; cells cached in the result backend's Redis).
The result is the same either way; with any of these flags the output also
has ``cells``: {total, cached, ran_on: {worker: cells}}.  ``--data cifar10``
(fig4, and ``network``) reads CIFAR-10 from ``--cifar10-dir`` or
``$CIFAR10_DIR`` (:func:`uvcore.nets.make_data`).
"""

from __future__ import annotations

from ..cli import Command, count, finite_float
from ..params import UVInputError


def _add_network(p):
    p.add_argument("--depth", type=count, default=3, help="number of weight layers L (2 … 16)")
    p.add_argument("--width", type=count, default=256, help="hidden width n (1 … 4096)")
    p.add_argument("--activation", default="relu", help="relu, tanh or linear")
    p.add_argument("--param", default="sp",
                   help="sp, mup, or s in [0, 1] interpolating SP (0) to muP (1)")
    p.add_argument("--sigma-w2", type=finite_float, default=2.0, help="init variance scale σ_w² > 0")
    p.add_argument("--data", default="gaussian", help="gaussian, teacher, digits or cifar10")
    p.add_argument("--cifar10-dir", default=None,
                   help="directory of the CIFAR-10 python version (default: $CIFAR10_DIR)")
    p.add_argument("--n-train", type=count, default=1000,
                   help="training examples (digits: at most 1500; the rest is the test split)")
    p.add_argument("--n-test", type=count, default=0, help="test examples for synthetic data")
    p.add_argument("--input-dim", type=count, default=None, help="input dimension d (default 64)")
    p.add_argument("--out-dim", type=count, default=None,
                   help="output dimension k (default 1; digits: 10 one-hot or 1 scalar)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--eta", type=finite_float, help="learning rate η > 0")
    g.add_argument("--c", type=finite_float, help="dimensionless learning rate c = η λ₀^H > 0")
    p.add_argument("--steps", type=count, default=100, help="GD steps")
    p.add_argument("--sharpness-every", type=count, default=10,
                   help="measure λ^H and the NTK eigenvalue every K steps")
    p.add_argument("--tol", type=finite_float, default=1e-3, help="relative Lanczos tolerance")
    p.add_argument("--dtype", default="float64", help="float64 or float32 arithmetic")
    p.add_argument("--seed", type=count, default=0, help="seed of data, init and Lanczos starts")
    p.add_argument("--save", default=None, help="write initial weights, multipliers and data to this .npz")


def _run_network(args):
    import numpy as np

    from .data import make_data
    from .model import NetSpec, param_s_of
    from .train import run_network

    if args.save is not None and not str(args.save).endswith(".npz"):
        raise UVInputError(f"--save needs a path ending in .npz, got {args.save!r}")
    data = make_data(args.data, args.n_train, args.input_dim, args.out_dim,
                     n_test=args.n_test, seed=args.seed, directory=args.cifar10_dir)
    spec = NetSpec(args.depth, args.width, data.in_dim, data.out_dim, args.activation,
                   param_s_of(args.param), args.sigma_w2)
    run = run_network(spec, data, eta=args.eta, c=args.c, steps=args.steps,
                      sharpness_every=args.sharpness_every, seed=args.seed, dtype=args.dtype,
                      tol=args.tol)
    if args.save is not None:
        ws = {f"w{i}": np.array(w, dtype=float) for i, w in enumerate(spec.unflatten(run.theta0))}
        try:
            np.savez(args.save, mult=np.array(spec.mult), var=np.array(spec.var),
                     activation=np.array(spec.activation), X=data.X, Y=data.Y, **ws)
        except OSError as err:
            raise UVInputError(f"cannot write {args.save}: {err.strerror}") from None
    out = {"eta": run.eta, "c": run.c, "lam0_h": run.lam0_h, "step": run.step,
           "loss": run.train_loss, "sharpness": run.sharpness, "ntk": run.ntk,
           "loss_all": run.loss, "diverged": run.diverged, "diverged_at": run.diverged_at,
           "n_params": spec.n_params, "mult": list(spec.mult), "var": list(spec.var)}
    if data.has_test:
        out["test_loss"] = run.test_loss
    if data.labels is not None:
        out["test_acc"] = run.test_acc
        out["train_acc"] = run.train_acc
    return out


def _add_experiment(p):
    p.add_argument("--experiment", required=True, choices=("fig1", "fig4", "fig5"),
                   help="paper figure to reproduce")
    p.add_argument("--scale", type=finite_float, default=1.0,
                   help="size factor in (0, 1] for data, width, steps and grids")
    p.add_argument("--dtype", default="float32", help="float32 or float64 arithmetic")
    p.add_argument("--seed", type=count, default=0, help="seed")
    p.add_argument("--matching", default=None, choices=("calibrated", "structural", "fitted"),
                   help="UV-model matching (default: calibrated for fig1/fig4, structural for "
                        "fig5; fitted: fig1 only)")
    p.add_argument("--c-cal", type=finite_float, default=0.5,
                   help="calibration rate c_cal of the calibrated matching")
    p.add_argument("--c", type=finite_float, default=None,
                   help="fig1: dimensionless learning rate c = eta lam0_h of its runs (default 1)")
    p.add_argument("--c-points", type=count, default=None,
                   help="fig5: this many evenly spaced c in [1, 2.5], at any scale "
                        "(default: 24, thinned by --scale)")
    p.add_argument("--full-grid", action="store_true",
                   help="fig4: the paper's full 7 c x 5 rows grids at any scale "
                        "(default: thinned by --scale)")
    p.add_argument("--panel", default="both", choices=("a", "b", "both"),
                   help="fig4: a = (sigma_w^2, c) in SP, b = (s, c) from SP (s = 0) to "
                        "muP (s = 1) at sigma_w^2 = 2, or both")
    p.add_argument("--data", default=None,
                   help="fig4: digits (default), gaussian, teacher or cifar10")
    p.add_argument("--cifar10-dir", default=None,
                   help="fig4 --data cifar10: the CIFAR-10 python version's directory "
                        "(default: $CIFAR10_DIR)")
    p.add_argument("--celery", default=None, metavar="BROKER_URL",
                   help="fig4/fig5: run each cell as a Celery task through this broker "
                        "(result backend: $CELERY_RESULT_BACKEND or the broker; cells cached "
                        "there)")
    p.add_argument("--workers", type=count, default=1,
                   help="fig4/fig5 without --celery: run the cells in this many local "
                        "processes (1: in this process)")
    p.add_argument("--cell-cache", default=None, metavar="DIR",
                   help="fig4/fig5 without --celery: keep each finished cell in this "
                        "directory; a rerun resumes")
    p.add_argument("--cell-time-limit", type=finite_float, default=None,
                   help="--celery: hard limit in seconds of each cell (default: "
                        "$JOB_TIME_LIMIT, else 600)")
    p.add_argument("--save", default=None, help="also write the arrays to this .npz")


def _cells_kw(args) -> tuple[dict, list]:
    """fig4/fig5's runner, cache and cell hook from --celery, --workers and
    --cell-cache; and the list the hook fills (one meta dict per cell)."""
    import os

    from .experiments.cells import DirCellCache, ProcessRunner

    cells: list = []
    wanted = args.celery or args.workers != 1 or args.cell_cache or args.cell_time_limit
    if not wanted:
        return {}, cells
    if args.experiment == "fig1":
        raise UVInputError("--celery, --workers, --cell-cache and --cell-time-limit apply to "
                           "fig4 and fig5 (fig1 is three runs)")
    if args.celery and (args.workers != 1 or args.cell_cache):
        raise UVInputError("--celery caches the cells in its result backend and runs them on "
                           "its workers: drop --workers and --cell-cache")
    kw = {"on_cell": lambda i, meta: cells.append({"index": i, **meta})}
    if args.celery:
        from .distributed import celery_runner
        limit = args.cell_time_limit
        if limit is None:
            raw = os.environ.get("JOB_TIME_LIMIT", "").strip()
            limit = float(raw) if raw else 600.0
        if not limit > 0:
            raise UVInputError(f"--cell-time-limit must be > 0, got {limit:g}")
        runner = celery_runner(args.celery, time_limit=limit)
        kw.update(runner=runner, cache=runner.cache)
    else:
        if args.cell_time_limit is not None:
            raise UVInputError("--cell-time-limit applies to --celery only")
        if args.workers > 1:
            kw["runner"] = ProcessRunner(args.workers)
        if args.cell_cache:
            kw["cache"] = DirCellCache(args.cell_cache)
    return kw, cells


def _cells_summary(cells: list) -> dict:
    hosts: dict = {}
    for c in cells:
        if not c.get("cached"):
            hosts[c.get("host", "?")] = hosts.get(c.get("host", "?"), 0) + 1
    return {"total": len(cells), "cached": sum(bool(c.get("cached")) for c in cells),
            "ran_on": hosts}


def _run_experiment(args):
    import numpy as np

    from . import experiments as E

    if args.save is not None and not str(args.save).endswith(".npz"):
        raise UVInputError(f"--save needs a path ending in .npz, got {args.save!r}")
    fn = {"fig1": E.fig1, "fig4": E.fig4, "fig5": E.fig5}[args.experiment]
    kw = {} if args.matching is None else {"matching": args.matching}
    if (args.data is not None or args.cifar10_dir is not None) and args.experiment != "fig4":
        raise UVInputError("--data and --cifar10-dir apply to --experiment fig4 only")
    if args.data is not None:
        kw["data"] = args.data
    if args.cifar10_dir is not None:
        kw["data_dir"] = args.cifar10_dir
    cells_kw, cells = _cells_kw(args)
    kw.update(cells_kw)
    if args.c is not None:
        if args.experiment != "fig1":
            raise UVInputError("--c applies to --experiment fig1 only (fig4 and fig5 have c grids)")
        kw["c"] = args.c
    if args.c_points is not None:
        if args.experiment != "fig5":
            raise UVInputError("--c-points applies to --experiment fig5 only")
        if args.c_points < 2:
            raise UVInputError(f"--c-points must be at least 2, got {args.c_points}")
        kw["cs"] = np.linspace(*E.FIG5_C_RANGE, args.c_points)
    if (args.full_grid or args.panel != "both") and args.experiment != "fig4":
        raise UVInputError("--full-grid and --panel apply to --experiment fig4 only")
    if args.experiment == "fig4":
        grids = {"cs": E.FIG4_CS, "sigma_w2s": E.FIG4_SIGMA_W2S, "ss": E.FIG4_SS}
        if args.full_grid:
            kw.update(grids)
        if args.panel != "both":    # an empty grid skips its panel
            kw["ss" if args.panel == "a" else "sigma_w2s"] = ()
    res = fn(scale=args.scale, dtype=args.dtype, seed=args.seed, c_cal=args.c_cal, **kw)
    payload = E.result_dict(res)
    if cells_kw:
        payload["cells"] = _cells_summary(cells)
    if args.save is not None:
        flat = {}

        def walk(prefix, v):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(f"{prefix}{k}/", x)
            elif isinstance(v, list) and any(isinstance(x, dict) for x in v):
                for i, x in enumerate(v):     # a None entry (no UV model) is NaN
                    walk(f"{prefix}{i}/", x)
            else:
                flat[prefix.rstrip("/")] = np.asarray(v)
        walk("", payload)
        try:
            np.savez(args.save, **flat)
        except OSError as err:
            raise UVInputError(f"cannot write {args.save}: {err.strerror}") from None
    return payload


COMMANDS = [
    Command("network", "train a fully connected network by full-batch GD and track its "
            "Hessian sharpness and NTK eigenvalue", _add_network, _run_network),
    Command("network-experiment", "run a real-network experiment of the paper (fig1, fig4, "
            "fig5) with the matched UV-model prediction", _add_experiment, _run_experiment),
]
