"""Limits and parsing of the Real networks view: what the controls may hold.

:data:`CAPS` are the documented caps of every numeric control: a value
outside is clamped with a note; an unusable one (text, NaN, ±inf, a list …)
is refused with a one-line message and nothing runs.  :func:`parse_params`
turns the raw control values into a :class:`NetParams`, :func:`sizes` gives
the sizes of the networks a job trains, and :func:`cli_command` the
``python -m uvcore`` line that trains the same networks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from uvcore import nets
from uvcore.nets.experiments import scaled_size

from ...core import ids
from ...core.state import parse_in_range

__all__ = ["EXPERIMENTS", "EXPERIMENT_LABELS", "ACTIVATIONS", "PARAMS", "DATA", "LR_MODES",
           "MATCHINGS", "FITTED_EXPERIMENTS", "AUTO_MATCHING", "C_CAL", "DIGITS_MAX_TRAIN",
           "DTYPE", "FIG4_SIGMA_W2_S", "Cap", "CAPS", "NetParams", "CONTROLS", "DEFAULTS",
           "parse_params", "sizes", "cli_command"]

EXPERIMENTS = ("single", "fig1", "fig5", "fig4", "fig4s")
EXPERIMENT_LABELS = {"single": "single run", "fig1": "Fig 1", "fig5": "Fig 5", "fig4": "Fig 4",
                     "fig4s": "Fig 4, SP→μP"}
ACTIVATIONS = tuple(nets.ACTIVATIONS)
PARAMS = ("sp", "mup")
#: The data sets the view offers: every kind of uvcore.nets but cifar10, whose
#: files a server does not have (the command line reads them: --data cifar10).
DATA = tuple(k for k in nets.DATA_KINDS if k != "cifar10")
LR_MODES = ("c", "eta")
#: "auto" is the experiment's own default (:data:`AUTO_MATCHING`).
MATCHINGS = ("auto", *nets.MATCHINGS)
#: Experiments whose every network has its own UV model (where "fitted" applies).
FITTED_EXPERIMENTS = ("single", "fig1")
#: The matching "auto" stands for, per experiment (the experiments' defaults).
AUTO_MATCHING = {"single": "calibrated", "fig1": "calibrated", "fig4": "calibrated",
                 "fig4s": "calibrated",
                 "fig5": "structural"}
#: Calibration rate of the calibrated matching (the experiments' default).
C_CAL = 0.5
#: Most training examples of ``digits`` (the rest is the test split).
DIGITS_MAX_TRAIN = 1500
DTYPE = "float32"
#: σ_w² of Fig 4's second panel, the parameterization interpolated from SP
#: (s = 0) to μP (s = 1) over FIG4_SS (uvcore.nets.model).
FIG4_SIGMA_W2_S = 2.0


@dataclass(frozen=True)
class Cap:
    """The range and default of one numeric control (``integer``: rounded)."""

    label: str
    lo: float
    hi: float
    default: float
    integer: bool = False


#: Documented caps of every numeric control (values outside are clamped with a note).
CAPS: dict[str, Cap] = {
    "depth": Cap("depth", 2, 6, 3, True),
    "width": Cap("width", 2, 512, 64, True),
    "sigma_w2": Cap("σ_w²", 0.05, 10.0, 2.0),
    "n_train": Cap("n_train", 16, 5000, 256, True),
    "c": Cap("ηλ₀ᴴ", 0.01, 10.0, 1.5),
    "eta": Cap("η", 1e-6, 1e4, 0.02),
    "steps": Cap("steps", 1, 2000, 300, True),
    "every": Cap("sharpness every", 1, 2000, 10, True),
    "seed": Cap("seed", 0, 2**31 - 1, 0, True),
    "scale": Cap("scale", 0.02, 1.0, 0.1),
    "fig1_c": Cap("ηλ₀ᴴ (Fig 1)", 0.01, 10.0, 1.0),
    "c_points": Cap("ηλ₀ᴴ points", 2, 48, 12, True),
}


@dataclass(frozen=True)
class NetParams:
    """Validated, clamped parameters of one job (see :data:`CAPS`)."""

    experiment: str = "single"
    depth: int = 3
    width: int = 64
    activation: str = "relu"
    param: str = "sp"
    sigma_w2: float = 2.0
    data: str = "gaussian"
    n_train: int = 256
    lr_mode: str = "c"
    lr: float = 1.5
    steps: int = 300
    every: int = 10
    seed: int = 0
    scale: float = 0.1
    fig1_c: float = 1.0
    c_points: int = 12
    matching: str = "auto"

    @property
    def resolved_matching(self) -> str:
        """The matching that runs ("auto" resolved per experiment)."""
        return AUTO_MATCHING[self.experiment] if self.matching == "auto" else self.matching

    def key_fields(self) -> dict:
        """The fields the experiment uses (what the cache key is made of)."""
        common = {"experiment": self.experiment, "seed": self.seed,
                  "matching": self.resolved_matching}
        if self.experiment == "single":
            names = ("depth", "width", "activation", "param", "sigma_w2", "data", "n_train",
                     "lr_mode", "lr", "steps", "every")
            return {**common, **{k: getattr(self, k) for k in names}}
        extra = {"scale": self.scale}
        if self.experiment == "fig1":
            extra["fig1_c"] = self.fig1_c
        if self.experiment == "fig5":
            extra["c_points"] = self.c_points
        return {**common, **extra}

    def describe(self) -> str:
        """One line naming the networks of the job."""
        if self.experiment == "single":
            lr = f"ηλ₀ᴴ = {self.lr:g}" if self.lr_mode == "c" else f"η = {self.lr:g}"
            return (f"depth {self.depth}, width {self.width}, {self.activation}, "
                    f"{'μP' if self.param == 'mup' else 'SP'}, σ_w² = {self.sigma_w2:g}, "
                    f"{self.data} (N = {self.n_train}), {lr}, {self.steps} steps")
        s = sizes(self)
        text = f"scale {self.scale:g}: N = {s['n_train']}, width {s['width']}, " \
               f"{s['steps']} steps"
        if self.experiment == "fig1":
            text += f", ηλ₀ᴴ = {self.fig1_c:g}"
        if self.experiment == "fig5":
            text += f", {self.c_points} values of ηλ₀ᴴ"
        return text


def sizes(p: NetParams) -> dict:
    """Sizes of the networks of a job (data dims d, k; N, width, depth, steps, …).

    The experiments scale their paper sizes by ``p.scale`` with their own rule
    (:func:`uvcore.nets.experiments.scaled_size` and its floors).
    """
    s = p.scale
    if p.experiment == "single":
        k = 10 if p.data == "digits" else 1
        return {"n_train": p.n_train, "width": p.width, "depth": p.depth, "steps": p.steps,
                "d": 64, "k": k}
    if p.experiment == "fig1":
        return {"n_train": scaled_size(1500, s, 32), "width": scaled_size(512, s, 8), "depth": 4,
                "steps": scaled_size(2000, s, 10), "d": 64, "k": 10}
    if p.experiment in ("fig4", "fig4s"):
        return {"n_train": scaled_size(1000, s, 32), "width": scaled_size(256, s, 8), "depth": 4,
                "steps": scaled_size(1000, s, 10), "d": 64, "k": 10}
    steps = scaled_size(3000, s, 20)
    return {"n_train": scaled_size(5000, s, 32), "width": scaled_size(256, s, 8), "depth": 2,
            "steps": steps, "d": 16, "k": 1, "tail": min(scaled_size(200, s, 8), steps),
            "spectrum_last": min(scaled_size(1000, s, 16), steps)}


def cli_command(p: NetParams) -> str:
    """The ``python -m uvcore`` command line that computes the same network runs
    as :func:`app.views.networks.compute.run_experiment` (``single``: the
    network, not its UV match; the view's tests check the equality)."""
    if p.experiment == "single":
        lr = f"--c {p.lr:g}" if p.lr_mode == "c" else f"--eta {p.lr:g}"
        line = (f"python -m uvcore network --depth {p.depth} --width {p.width} "
                f"--activation {p.activation} --param {p.param} --sigma-w2 {p.sigma_w2:g} "
                f"--data {p.data} --n-train {p.n_train} {lr} --steps {p.steps} "
                f"--sharpness-every {p.every} --dtype {DTYPE}")
        return line + (f" --seed {p.seed}" if p.seed else "")
    line = (f"python -m uvcore network-experiment --experiment {p.experiment[:4]} "
            f"--scale {p.scale:g}")
    if p.experiment == "fig1" and p.fig1_c != 1.0:
        line += f" --c {p.fig1_c:g}"
    if p.experiment == "fig5":
        line += f" --c-points {p.c_points}"
    if p.experiment in ("fig4", "fig4s"):
        line += f" --full-grid --panel {'b' if p.experiment == 'fig4s' else 'a'}"
    if p.matching != "auto":
        line += f" --matching {p.matching}"
    return line + (f" --seed {p.seed}" if p.seed else "")


#: Control name → component id, in the order the callbacks pass them.
CONTROLS = (
    ("experiment", ids.NETWORKS_EXPERIMENT), ("depth", ids.NETWORKS_DEPTH),
    ("width", ids.NETWORKS_WIDTH), ("activation", ids.NETWORKS_ACTIVATION),
    ("param", ids.NETWORKS_PARAM), ("sigma_w2", ids.NETWORKS_SIGMA_W2),
    ("data", ids.NETWORKS_DATA), ("n_train", ids.NETWORKS_N_TRAIN),
    ("lr_mode", ids.NETWORKS_LR_MODE), ("lr", ids.NETWORKS_LR),
    ("steps", ids.NETWORKS_STEPS), ("every", ids.NETWORKS_EVERY), ("seed", ids.NETWORKS_SEED),
    ("scale", ids.NETWORKS_SCALE), ("fig1_c", ids.NETWORKS_FIG1_C),
    ("c_points", ids.NETWORKS_C_POINTS), ("matching", ids.NETWORKS_MATCHING),
)
DEFAULTS = asdict(NetParams())
_CHOICES = {"experiment": EXPERIMENTS, "activation": ACTIVATIONS, "param": PARAMS,
            "data": DATA, "lr_mode": LR_MODES, "matching": MATCHINGS}
_CHOICE_LABELS = {"experiment": "experiment", "activation": "activation",
                  "param": "parameterization", "data": "data", "lr_mode": "learning rate",
                  "matching": "UV matching"}


def _number(name: str, raw: Any, notes: list[str], cap: Cap | None = None) -> tuple[Any, str | None]:
    cap = cap or CAPS[name]
    v, err = parse_in_range(cap.label, raw, cap.lo, cap.hi, cap.integer)
    if v is None:
        return None, err
    if cap.integer and v != round(v):
        notes.append(f"{cap.label} must be a whole number: {v:g} rounded to {round(v)}")
        v = float(round(v))
    if v < cap.lo or v > cap.hi:
        lo, hi = (f"{cap.lo:g}", f"{cap.hi:g}") if not cap.integer else (int(cap.lo), int(cap.hi))
        notes.append(f"{cap.label} clamped to [{lo}, {hi}]")
        v = min(max(v, cap.lo), cap.hi)
    # six significant digits: values typed differently but equal share a cache key
    return (int(v) if cap.integer else float(f"{v:.6g}")), None


def _used(name: str, experiment: str) -> bool:
    """Whether ``experiment`` reads the control ``name`` (others are not validated)."""
    if name in ("experiment", "seed", "matching"):
        return True
    if experiment == "single":
        return name not in ("scale", "fig1_c", "c_points")
    return name == "scale" or (name == "fig1_c" and experiment == "fig1") or \
        (name == "c_points" and experiment == "fig5")


def _read_controls(raw: dict, exp: str, notes: list[str]) -> tuple[dict | None, str | None]:
    """The used controls but ``lr`` (which needs ``lr_mode``), parsed and clamped."""
    values: dict[str, Any] = {"experiment": exp}
    for name, _ in CONTROLS[1:]:
        if not _used(name, exp) or name == "lr":
            continue
        value = raw.get(name, DEFAULTS[name])
        if name in _CHOICES:
            if not isinstance(value, str) or value not in _CHOICES[name]:
                return None, (f"{_CHOICE_LABELS[name]}: choose one of "
                              f"{', '.join(_CHOICES[name])}")
            values[name] = value
            continue
        v, err = _number(name, value, notes)
        if err:
            return None, err
        values[name] = v
    return values, None


def _single_rules(raw: dict, values: dict, notes: list[str]) -> str | None:
    """The rate (capped by its mode) and the clamps that depend on other controls."""
    cap = CAPS["c"] if values["lr_mode"] == "c" else CAPS["eta"]
    v, err = _number("lr", raw.get("lr", DEFAULTS["lr"]), notes, cap)
    if err:
        return err
    values["lr"] = v
    if values["data"] == "digits" and values["n_train"] > DIGITS_MAX_TRAIN:
        notes.append(f"n_train clamped to {DIGITS_MAX_TRAIN} for digits "
                     "(the other images are the test split)")
        values["n_train"] = DIGITS_MAX_TRAIN
    if values["every"] > values["steps"]:
        notes.append("sharpness every clamped to the number of steps")
        values["every"] = values["steps"]
    return None


def parse_params(raw: Any) -> tuple[NetParams | None, list[str], str | None]:
    """(params, notes, error) from the raw control values (a dict name → value).

    Missing keys take their defaults; controls the chosen experiment does not
    use are not read.  Never raises: unusable input gives (None, notes, message).
    """
    notes: list[str] = []
    if not isinstance(raw, dict):
        return None, notes, "parameters: expected the control values"
    exp = raw.get("experiment", DEFAULTS["experiment"])
    if not isinstance(exp, str) or exp not in EXPERIMENTS:
        return None, notes, f"experiment: choose one of {', '.join(EXPERIMENTS)}"
    values, err = _read_controls(raw, exp, notes)
    if err:
        return None, notes, err
    if values.get("matching") == "fitted" and exp not in FITTED_EXPERIMENTS:
        return None, notes, (f"UV matching: \"fitted\" fits one model to each network, so it "
                             f"applies to a single run and Fig 1 only, not to "
                             f"{EXPERIMENT_LABELS[exp]}")
    if exp == "single":
        err = _single_rules(raw, values, notes)
        if err:
            return None, notes, err
    return NetParams(**values), notes, None
