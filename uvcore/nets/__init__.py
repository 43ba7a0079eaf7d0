"""Real networks (spec §6): fully connected nets, exact Hessian/NTK sharpness,
full-batch GD runs and the paper's real-network experiments (Figs 1, 4, 5)
with their matched UV-model predictions.

Modules: :mod:`.model` (representation, SP/μP/interpolated parameterizations,
R-operator Hessian-vector products), :mod:`.lanczos` (top eigenvalue),
:mod:`.data` (gaussian / teacher / scikit-learn digits / CIFAR-10 from a local
directory), :mod:`.train`
(GD with sharpness tracking), :mod:`.matching` (the UV model beside a
network: uv_match, uv_calibrate, uv_for_run), :mod:`.experiments` (fig1,
fig4, fig5, result_dict; Fig 4 and Fig 5 as independent cells in
:mod:`.experiments.cells`), :mod:`.distributed` (the cells as Celery tasks;
imported on demand), :mod:`.cli` (``python -m uvcore network`` and
``network-experiment``).
"""

from .data import DATA_KINDS, Dataset, accuracy, make_data
from .experiments import (FIG1_CONFIGS, Fig1Result, Fig4Result, Fig5Result, fig1, fig4, fig5,
                          result_dict)
from .lanczos import TopEig, lanczos_top
from .matching import GRID_MATCHINGS, MATCHINGS, UVMatch, uv_calibrate, uv_for_run, uv_match
from .model import (ACTIVATIONS, MAX_ACTIVATIONS, MAX_DEPTH, MAX_INPUT_DIM, MAX_OUT_DIM,
                    MAX_TRAIN, MAX_WIDTH, Curvature, NetSpec, Problem, init_params, param_s_of)
from .train import Cancelled, NetRun, hessian_top, make_problem, ntk_top, run_network

__all__ = [
    "NetSpec", "Problem", "Curvature", "init_params", "param_s_of", "ACTIVATIONS",
    "MAX_WIDTH", "MAX_DEPTH", "MAX_INPUT_DIM", "MAX_OUT_DIM", "MAX_TRAIN", "MAX_ACTIVATIONS",
    "TopEig", "lanczos_top", "Dataset", "make_data", "accuracy", "DATA_KINDS",
    "NetRun", "run_network", "make_problem", "hessian_top", "ntk_top", "Cancelled",
    "UVMatch", "uv_match", "uv_calibrate", "uv_for_run", "MATCHINGS", "GRID_MATCHINGS", "fig1", "fig4", "fig5", "Fig1Result", "Fig4Result", "Fig5Result",
    "FIG1_CONFIGS", "result_dict",
]
