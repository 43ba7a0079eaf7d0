"""Work estimates of the Real networks view: how many multiply-adds a job costs.

A job whose estimate exceeds :data:`MAX_WORK` is refused before anything
runs (on Celery, Fig 4 and Fig 5 run as cells, each its own task: there the
limit applies to the largest cell, :func:`charged_work`); the line under the controls turns the estimate into seconds with
:data:`WORK_RATE`.  The stages of a job weigh their progress by the same
estimates (:func:`run_work`).
"""

from __future__ import annotations

from uvcore.nets.experiments import FIG4_CS, FIG4_SIGMA_W2S, FIG4_SS, FIG5_TRAJ_CS

from .caps import NetParams, sizes

__all__ = ["MAX_WORK", "WORK_RATE", "STEP_OVERHEAD", "MEASURE_STEPS", "COLD_STEPS",
           "run_work", "estimate_work", "cell_work", "charged_work", "check_work"]

#: Estimated work (multiply-adds) above which a job is refused.
MAX_WORK = 2e12
#: Multiply-adds per second assumed for the time estimate (one float32 thread, loaded machine).
WORK_RATE = 1.5e10
#: Least cost of one GD step (Python and call overhead of tiny networks), in multiply-adds.
STEP_OVERHEAD = 1e7
#: Cost of one curvature measurement in GD steps: λᴴ and the NTK eigenvalue by warm
#: Lanczos; only λᴴ; and the cold start at initialization.
MEASURE_STEPS = {True: 20, False: 10}
COLD_STEPS = 35


def run_work(z: dict, steps: int, measures: int, ntk: bool) -> float:
    """Multiply-adds of one training run of the networks of sizes ``z``.

    Parameters
    ----------
    z : the sizes (:func:`app.views.networks.caps.sizes`).
    steps : GD steps.
    measures : curvature measurements.
    ntk : whether each measurement also finds the NTK eigenvalue.
    """
    fwd = z["n_train"] * (z["d"] * z["width"] + (z["depth"] - 2) * z["width"] ** 2
                          + z["width"] * z["k"])
    per_step = max(3.0 * fwd, STEP_OVERHEAD)
    return per_step * (steps + measures * MEASURE_STEPS[ntk] + COLD_STEPS)


def estimate_work(p: NetParams) -> float:
    """Rough multiply-adds of a job (GD steps, Lanczos, calibration runs)."""
    z = sizes(p)
    st = z["steps"]
    cal = run_work(z, st, 2, True) if p.resolved_matching == "calibrated" else 0.0
    if p.experiment == "single":
        return run_work(z, st, st // p.every + 2, True) + cal
    if p.experiment == "fig1":
        return 3 * (run_work(z, st, st // 10 + 2, True) + cal)
    if p.experiment in ("fig4", "fig4s"):
        rows = len(FIG4_SIGMA_W2S if p.experiment == "fig4" else FIG4_SS)
        return rows * (len(FIG4_CS) * run_work(z, st, 2, False) + cal)
    return (p.c_points * run_work(z, st, z["tail"] + 1, False)
            + len(FIG5_TRAJ_CS) * run_work(z, st, st // 20 + z["spectrum_last"], False) + cal)


def cell_work(p: NetParams) -> float:
    """Rough multiply-adds of the largest cell (one network run) of a Fig 4 / Fig 5 job."""
    z = sizes(p)
    st = z["steps"]
    cal = run_work(z, st, 2, True) if p.resolved_matching == "calibrated" else 0.0
    if p.experiment in ("fig4", "fig4s"):
        return max(run_work(z, st, 2, False), cal)
    return max(run_work(z, st, z["tail"] + 1, False),
               run_work(z, st, st // 20 + z["spectrum_last"], False), cal)


def charged_work(p: NetParams) -> tuple[float, str]:
    """(work held against :data:`MAX_WORK`, what it is): the largest cell when the
    job's cells go to Celery workers, else the whole job."""
    from ...shell.jobs import uses_celery  # noqa: PLC0415
    if p.experiment in ("fig4", "fig4s", "fig5") and uses_celery():
        return cell_work(p), "cell"
    return estimate_work(p), "job"


def check_work(p: NetParams) -> str | None:
    """Why the job of ``p`` is refused (too much work for this server), or None."""
    w, what = charged_work(p)
    if w > MAX_WORK:
        per = "for one cell of the experiment" if what == "cell" else "for this server"
        return (f"too much work {per}: about {w:.2g} multiply-adds, above the limit "
                f"{MAX_WORK:.0e}; lower the size (width, N, steps, scale) or the number of runs")
    return None
