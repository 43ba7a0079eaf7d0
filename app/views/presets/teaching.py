r"""Teaching presets: one click reproduces a regime of Kalra, He & Barkeshli.

Every preset is a point of the dashboard's state (η, width n with NTP so
n_eff = n, ‖x‖, y, steps, one trajectory start and optionally a window).
The values were chosen by computing with :mod:`uvcore` — flip points c_k,
the crisis, the period-3 window and η_max of the start from
:func:`uvcore.cascade` and :func:`uvcore.eta_max`, outcomes from
:func:`uvcore.trajectory` — and ``tests/app/views/presets/test_teaching.py`` re-runs uvcore
on each preset and checks the regime its text claims.  The numbers quoted
in a text are its ``facts`` (inserted where the text says ``[[name]]``),
and each fact is checked by that test too.

With ‖x‖ = 1, y = 2 and n_eff = 16, η_c = √n_eff/(‖x‖|y|) = 2, so
c = η/η_c = η/2 throughout.  No Dash imports here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core.state import Parsed, ViewParams, parse_controls

__all__ = ["TeachingPreset", "PRESETS", "BY_KEY", "apply", "text_of"]


@dataclass(frozen=True)
class TeachingPreset:
    """One regime: its parameters, explanation (Markdown, $…$ math) and equation (TeX)."""

    key: str
    label: str
    title: str
    eta: float
    start: tuple
    text: str
    equation: str
    facts: dict = field(default_factory=dict)
    steps: int = 1000
    window: tuple | None = None
    width: int = 16
    x_norm: float = 1.0
    y: float = 2.0


_LAMBDA_STEP = (r"\lambda' - \lambda = \frac{\eta\,\|x\|^2}{n_\mathrm{eff}}\,\Delta f\,"
                r"\big(\eta\lambda\,\Delta f - 4f\big)")
# Long equations are broken into lines (gathered): the lesson card beside
# the plane is about 330 px wide on a projector's 1280×720 in large font.
_EOS_MAP = (r"\begin{gathered} z' = g(z) = z\,(1 + c - z)^2,\\ z = \frac{\eta\lambda}{2}"
            r"\ \text{on the edge},\qquad c = \frac{\eta}{\eta_c} = "
            r"\frac{\eta\,\|x\|\,|y|}{\sqrt{n_\mathrm{eff}}} \end{gathered}")

PRESETS: tuple[TeachingPreset, ...] = (
    TeachingPreset(
        key="sharpness-reduction", label="Sharpness reduction",
        title="Early sharpness reduction",
        eta=0.5, start=(2.0, 2.0),
        facts={"lam0": 2.0, "lam_end": 1.0},
        text=("The network starts with a large output, $f_0 = 4 = 2y$ ($\\Delta f_0 = 2$), "
              "at a small learning rate $\\eta = 0.5 < \\eta_c = 2$. Where $f > y$ the "
              "bracket below is negative as long as $\\eta\\lambda < 4f/\\Delta f$, so every "
              "step lowers $\\lambda$ while the loss falls: $\\lambda$ drops from [[lam0]] to "
              "[[lam_end]] and training converges on line I."),
        equation=_LAMBDA_STEP),
    TeachingPreset(
        key="progressive-sharpening", label="Progressive sharpening",
        title="Progressive sharpening",
        eta=0.5, start=(-2.0, 0.25),
        facts={"lam0": 0.25, "lam_end": 1.021, "ratio": 4.083, "eta_lam_end": 0.5104},
        text=("Start at $f_0 = 0$ ($\\Delta f_0 = -y$) with a small $\\lambda_0 = [[lam0]]$ "
              "at $\\eta = 0.5$. Between $f = 0$ and $f = y$ both $\\Delta f < 0$ and "
              "$\\eta\\lambda\\,\\Delta f - 4f < 0$, so $\\lambda$ grows at every step while "
              "the loss falls: it rises [[ratio]]-fold to [[lam_end]], and training converges "
              "on line I with $\\eta\\lambda = [[eta_lam_end]] < 2$."),
        equation=_LAMBDA_STEP),
    TeachingPreset(
        key="eos-period-2", label="EoS, period 2", title="Edge of stability: period 2",
        eta=2.26, start=(-2.0, 0.5),
        facts={"c": 1.13, "c2": 1.236, "eta_lam_lo": 1.397, "eta_lam_hi": 2.863},
        text=("Above $\\eta_c = \\sqrt{n_\\mathrm{eff}}/(\\|x\\|\\,|y|) = 2$ no point of line I "
              "attracts. From $f_0 = 0$, $\\lambda$ sharpens until the orbit reaches the edge "
              "of the forbidden region, where the dynamics is the 1-D EoS map below. Here "
              "$c = [[c]]$ lies between the flips $c_1 = 1$ and $c_2 = \\sqrt5 - 1 \\approx "
              "[[c2]]$, so the orbit has period 2: $\\eta\\lambda$ alternates between "
              "[[eta_lam_lo]] and [[eta_lam_hi]], around 2 — the edge of stability."),
        equation=_EOS_MAP),
    TeachingPreset(
        key="eos-period-4", label="EoS, period 4", title="Edge of stability: period 4",
        eta=2.535, start=(-2.0, 0.5),
        facts={"c": 1.2675, "c2": 1.236, "c3": 1.288, "v1": 1.009, "v2": 1.533, "v3": 3.137,
               "v4": 3.454},
        text=("At $c = [[c]]$, between the second flip $c_2 \\approx [[c2]]$ and the third "
              "$c_3 \\approx [[c3]]$, the period-2 orbit has doubled: $\\eta\\lambda$ cycles "
              "through four values, [[v1]], [[v2]], [[v3]] and [[v4]]. A period-$k$ orbit "
              "doubles where its multiplier, the product of $g'$ along it, passes $-1$."),
        equation=(r"\begin{gathered} \big(g^{k}\big)'(z_1) = \prod_{t=1}^{k} g'(z_t) = -1,"
                  r"\\ g'(z) = (1 + c - z)(1 + c - 3z) \end{gathered}")),
    TeachingPreset(
        key="chaos", label="Chaos", title="Chaos on the edge of stability",
        eta=2.84, start=(-2.0, 0.5), steps=2000,
        facts={"c": 1.42, "c_inf": 1.302, "c_window": 1.45, "eta_max": 3.123,
               "lyapunov": 0.4},
        text=("At $c = [[c]]$ — past the accumulation point $c_\\infty \\approx [[c_inf]]$ of "
              "the period doublings, below the period-3 window that opens at $c \\approx "
              "[[c_window]]$, and below this start's $\\eta_{\\max} \\approx [[eta_max]]$ — the "
              "orbit never repeats: $\\eta\\lambda$ wanders around 2 with a positive Lyapunov "
              "exponent $\\Lambda \\approx [[lyapunov]]$, yet training stays bounded."),
        equation=(r"\Lambda = \lim_{T\to\infty}\frac{1}{T}\sum_{t=0}^{T-1}"
                  r"\log\lvert g'(z_t)\rvert > 0")),
    TeachingPreset(
        key="divergence", label="Divergence", title="Divergence beyond the crisis",
        eta=4.2, start=(-2.0, 0.5),
        facts={"c": 2.1, "step": 5},
        text=("At $c = [[c]]$, beyond the crisis $c = 2$ ($\\eta = 2\\eta_c = 4$), the top of "
              "the EoS map exceeds the point II $z = c + 2$: the orbit is thrown past it, "
              "where $z' > z$, and grows without bound. Training diverges within a few steps "
              "(here at step [[step]]), and on the fate map every allowed start diverges."),
        equation=(r"\begin{gathered} \max_{0 \le z \le 1+c} g(z) = "
                  r"g\!\left(\tfrac{1+c}{3}\right) = \frac{4(1+c)^3}{27},\\ "
                  r"\frac{4(1+c)^3}{27} > c + 2 \iff c > 2 \end{gathered}")),
    TeachingPreset(
        key="no-eos", label="No EoS: η_max < η_c",
        title="No EoS when η_max < η_c (Corollary 5.1)",
        eta=0.9, start=(-2.0, 4.0), window=(-8.0, 6.0, 0.0, 6.0),
        facts={"lam0": 4.0, "eta_max": 0.9443, "df_max": 7.455, "lam_end": 1.243,
               "eta_lam_end": 1.119},
        text=("Start with a large initial sharpness, $\\lambda_0 = [[lam0]]$ at $f_0 = 0$. Its "
              "largest trainable learning rate is $\\eta_{\\max} \\approx [[eta_max]]$, below "
              "$\\eta_c = 2$: every $\\eta$ that trains converges to the stable part of line I "
              "($\\eta\\lambda < 2$) and every $\\eta$ that could reach EoS diverges. At "
              "$\\eta = 0.9$ the loss first catapults ($|\\Delta f|$ up to [[df_max]]) while "
              "$\\lambda$ falls, then training converges at $\\lambda = [[lam_end]]$, "
              "$\\eta\\lambda = [[eta_lam_end]]$. Type $\\eta = 1$: it diverges."),
        equation=(r"\begin{gathered} \eta_{\max}(\Delta f_0, \lambda_0) < \eta_c = "
                  r"\frac{\sqrt{n_\mathrm{eff}}}{\|x\|\,|y|}\\ \Longrightarrow\;"
                  r"\text{no edge of stability} \end{gathered}")),
)

BY_KEY = {p.key: p for p in PRESETS}


def text_of(preset: TeachingPreset) -> str:
    """The explanation with its facts filled in (as written, at most 5 significant digits)."""
    return re.sub(r"\[\[(\w+)\]\]", lambda m: f"{preset.facts[m[1]]:.5g}", preset.text)


def apply(preset: TeachingPreset, base: ViewParams | None = None) -> Parsed:
    """The state of a preset on top of ``base`` (layers, font, σ, seed are kept)."""
    raw = {"eta": preset.eta, "width": preset.width, "preset": "ntp",
           "x-norm": preset.x_norm, "y": preset.y, "steps": preset.steps,
           "traj": [preset.start],
           "window": list(preset.window) if preset.window is not None else None}
    return parse_controls(raw, strict=True, base=base or ViewParams())
