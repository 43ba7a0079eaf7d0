"""Each teaching preset does what its text claims: uvcore is run on the
preset's own state and every quoted number (its ``facts``) is checked.

References are independent computations: the cascade's flip points, crisis
and period-3 folds from :func:`uvcore.cascade` (pseudo-arclength
continuation), η_max from :func:`uvcore.eta_max` (scan + bisection), the
closed forms c₂ = √5 − 1 and η_c = √n_eff/(‖x‖|y|), the spec's EoS map
z' = z(1 + c − z)² iterated here, and the trajectories and fate maps the
dashboard itself would compute.
"""

import math
import re

import numpy as np
import pytest

import uvcore
from app.views.presets import teaching
from app.core.state import ViewParams, from_query, to_query

#: Relative tolerance of a quoted number against the value computed here
#: (texts quote 4 significant digits).
QUOTE_RTOL = 1e-3
#: Steps of the "stays bounded" checks of the chaotic preset.
LONG_RUN = 100_000
#: Steps of the EoS map iterated to decide whether an orbit escapes.
EOS_STEPS = 20_000
#: An orbit on the EoS edge: |λ − 2‖x‖|f|/√n_eff| below this × λ at late times.
EDGE_RTOL = 1e-8


def state_of(key: str) -> ViewParams:
    parsed = teaching.apply(teaching.BY_KEY[key], ViewParams())
    assert parsed.ok, parsed.message()
    return parsed.params


def run(key: str, steps: int | None = None, eta: float | None = None):
    p = state_of(key)
    params = uvcore.MapParams(p.eta if eta is None else eta, p.n_eff, p.x_norm, p.y)
    (d0, l0), = p.starts
    return uvcore.trajectory(d0, l0, params, steps=int(steps or p.steps)), p


def fact(key: str, name: str) -> float:
    return teaching.BY_KEY[key].facts[name]


def close(value, quoted, rtol=QUOTE_RTOL):
    return math.isclose(value, quoted, rel_tol=rtol, abs_tol=1e-12)


@pytest.fixture(scope="module")
def cascade():
    """The period-doubling cascade of the 2-D map at the presets' n_eff = 16."""
    return uvcore.cascade(map="uv", n_eff=16, x_norm=1.0, y=2.0, levels=4)


def c_of(p: ViewParams) -> float:
    return p.eta * p.x_norm * abs(p.y) / math.sqrt(p.n_eff)


def late_eta_lam(traj, n=512) -> np.ndarray:
    return np.unique(np.round(traj.eta_lam[-n:], 9))


def on_edge(traj, p: ViewParams, n=512) -> bool:
    f = traj.df[-n:] + p.y
    edge = 2 * p.x_norm * np.abs(f) / math.sqrt(p.n_eff)
    return bool(np.all(np.abs(traj.lam[-n:] - edge) <= EDGE_RTOL * traj.lam[-n:]))


def eos_map(z, c):
    """The spec's EoS map on the invariant edge (§3): z' = z(1 + c − z)²."""
    return z * (1 + c - z) ** 2


def eos_escapes(c: float, steps: int = EOS_STEPS) -> bool:
    """Whether the EoS map's orbit from the map's top, z = (1 + c)/3, leaves
    [0, c + 2] within ``steps`` steps (beyond c + 2, z' > z: it grows without bound)."""
    z = (1 + c) / 3
    for _ in range(steps):
        z = eos_map(z, c)
        if not 0.0 <= z <= c + 2:
            return True
    return False


# -- every preset ------------------------------------------------------------------

def test_every_preset_is_a_valid_state_with_its_start_in_the_url():
    assert len(teaching.PRESETS) == 7 and len(teaching.BY_KEY) == 7
    for preset in teaching.PRESETS:
        p = state_of(preset.key)
        assert p.preset == "ntp" and p.n_eff == p.width == 16
        assert p.starts == (preset.start,) and p.eta == preset.eta
        assert from_query(to_query(p)).params == p
        assert not uvcore.MapParams(*p.map_key).forbidden(*preset.start)
        text = teaching.text_of(preset)
        assert "[[" not in text and text.count("$") % 2 == 0
        # every fact is quoted, and every quote is a fact
        assert set(re.findall(r"\[\[(\w+)\]\]", preset.text)) == set(preset.facts)


def test_apply_keeps_layers_font_and_seed():
    base = ViewParams(layers=("regions",), large=True, seed=7.0, sigma=0.5, eta=3.0)
    p = teaching.apply(teaching.BY_KEY["chaos"], base).params
    assert p.layers == ("regions",) and p.large and p.seed == 7 and p.sigma == 0.5
    assert p.eta == 2.84 and p.window is None


def spec_eta_c(preset) -> float:
    """η_c = √n_eff/(‖x‖|y|) (spec §3) from the preset's own numbers (NTP: n_eff = n)."""
    return math.sqrt(preset.width) / (preset.x_norm * abs(preset.y))


#: The regime each preset's text describes, as where its η lies relative to
#: η_c: below it (converges), between η_c and the crisis 2η_c (EoS), beyond.
REGIME = {"sharpness-reduction": "below", "progressive-sharpening": "below",
          "no-eos": "below", "eos-period-2": "eos", "eos-period-4": "eos", "chaos": "eos",
          "divergence": "beyond"}


def test_eta_c_is_2_for_every_preset():
    for preset in teaching.PRESETS:
        p = state_of(preset.key)
        assert spec_eta_c(preset) == 2.0
        assert close(p.eta_c, spec_eta_c(preset), 1e-12)
        assert close(uvcore.eta_critical(p.n_eff, p.x_norm, p.y), spec_eta_c(preset), 1e-12)


def test_each_preset_sits_in_the_regime_its_text_describes():
    assert set(REGIME) == set(teaching.BY_KEY)
    for preset in teaching.PRESETS:
        eta_c = spec_eta_c(preset)
        where = ("below" if preset.eta < eta_c else "eos" if preset.eta < 2 * eta_c
                 else "beyond")
        assert where == REGIME[preset.key], preset.key
        if "c" in preset.facts:                          # the quoted c = η/η_c
            assert close(preset.eta / eta_c, preset.facts["c"])


# -- one test per preset: the claims of its text --------------------------------------

def test_sharpness_reduction():
    key = "sharpness-reduction"
    traj, p = run(key)
    assert p.eta < p.eta_c
    f0 = p.starts[0][0] + p.y
    assert f0 == 2 * p.y                                   # "a large output f₀ = 4 = 2y"
    assert np.all(np.diff(traj.lam) <= 1e-12)              # every step lowers λ …
    assert traj.lam[1] < traj.lam[0]
    assert np.all(np.diff(traj.loss) <= 1e-15)             # … while the loss falls
    assert traj.outcome.kind == "converged" and traj.outcome.eta_lam < 2
    assert close(traj.lam[0], fact(key, "lam0")) and close(traj.lam[-1], fact(key, "lam_end"))


def test_progressive_sharpening():
    key = "progressive-sharpening"
    traj, p = run(key)
    assert p.starts[0][0] == -p.y                          # f₀ = 0
    assert np.all(np.diff(traj.lam) >= -1e-12) and traj.lam[1] > traj.lam[0]
    assert np.all(np.diff(traj.loss) <= 1e-15)
    f = traj.df + p.y
    assert np.all((f[1:] > 0) & (f[1:] < p.y + 1e-9))      # between f = 0 and f = y
    assert traj.outcome.kind == "converged"
    assert close(traj.lam[-1], fact(key, "lam_end"))
    assert close(traj.lam[-1] / traj.lam[0], fact(key, "ratio"))
    assert close(traj.outcome.eta_lam, fact(key, "eta_lam_end")) and traj.outcome.eta_lam < 2


def test_eos_period_2(cascade):
    key = "eos-period-2"
    traj, p = run(key)
    c = c_of(p)
    assert p.eta > p.eta_c and close(c, fact(key, "c"))
    c1, c2 = cascade.c_flip[:2]
    assert close(c1, 1.0, 1e-9) and close(c2, math.sqrt(5) - 1, 1e-9)
    assert c1 < c < c2 and close(c2, fact(key, "c2"))
    assert traj.outcome.kind == "periodic" and traj.outcome.period == 2
    values = late_eta_lam(traj)
    assert values.size == 2 and values[0] < 2 < values[1]
    assert close(values[0], fact(key, "eta_lam_lo")) and close(values[1], fact(key, "eta_lam_hi"))
    assert on_edge(traj, p)
    assert traj.lam.max() > traj.lam[0]                    # "λ sharpens" first


def test_eos_period_4(cascade):
    key = "eos-period-4"
    traj, p = run(key)
    c = c_of(p)
    c2, c3 = cascade.c_flip[1:3]
    assert c2 < c < c3 and close(c, fact(key, "c"))
    assert close(c2, fact(key, "c2")) and close(c3, fact(key, "c3"))
    assert traj.outcome.kind == "periodic" and traj.outcome.period == 4
    values = late_eta_lam(traj)
    assert values.size == 4
    for v, name in zip(values, ("v1", "v2", "v3", "v4")):
        assert close(v, fact(key, name)), (v, name)
    assert on_edge(traj, p)
    # the flip condition of the equation: the period-4 orbit's multiplier is in (−1, 1)
    z = traj.eta_lam[-4:] / 2
    mult = np.prod((1 + c - z) * (1 + c - 3 * z))
    assert -1 < mult < 1


def test_chaos(cascade):
    key = "chaos"
    traj, p = run(key)
    c = c_of(p)
    assert close(c, fact(key, "c"))
    assert cascade.c_inf < c < cascade.windows[0].c_fold      # past c_∞, before period 3
    assert close(cascade.c_inf, fact(key, "c_inf")) and close(cascade.windows[0].c_fold,
                                                              fact(key, "c_window"), 2e-3)
    em = uvcore.eta_max(*p.starts[0], n_eff=p.n_eff, x_norm=p.x_norm, y=p.y)
    assert em.found and p.eta < em.eta_max and close(em.eta_max, fact(key, "eta_max"))
    assert close(cascade.c_max_start * p.eta_c, em.eta_max, 1e-4)
    assert traj.outcome.kind == "chaotic"
    assert traj.outcome.lyapunov > uvcore.CHAOS_TOL
    assert abs(traj.outcome.lyapunov - fact(key, "lyapunov")) < 0.05
    longer, _ = run(key, steps=LONG_RUN)                   # "yet training stays bounded"
    assert not longer.diverged and longer.outcome.kind == "chaotic"
    assert longer.outcome.lyapunov > 0.3
    values = longer.eta_lam[-1000:]
    assert values.min() < 2 < values.max()                 # ηλ wanders around 2


def test_divergence(cascade):
    key = "divergence"
    traj, p = run(key)
    c = c_of(p)
    assert close(c, fact(key, "c")) and c > cascade.c_crisis and close(cascade.c_crisis, 2.0)
    assert traj.diverged and traj.diverged_at == fact(key, "step")
    # the equation: the top of the EoS map's hump (between its zeros z = 0 and
    # z = 1 + c), found on a dense grid of z, is 4(1 + c)³/27 at z = (1 + c)/3, and
    # passes the point II z = c + 2 exactly when c > 2
    for cc in (1.5, 1.9, 1.99, 2.01, 2.5, c):
        z = np.linspace(0.0, 1 + cc, 400_001)
        g = eos_map(z, cc)
        assert close(g.max(), 4 * (1 + cc) ** 3 / 27, 1e-9)
        assert close(z[g.argmax()], (1 + cc) / 3, 1e-4)
        assert (g.max() > cc + 2) == (cc > 2)
    # iterated from its top, the EoS map escapes past c + 2 at the preset's c, not below c = 2
    assert eos_escapes(c) and not eos_escapes(1.99)
    # "on the fate map every allowed start diverges"
    (a, b), (lo, hi) = p.plot_window
    fm = uvcore.fate_map(uvcore.MapParams(*p.map_key), (a, b), (lo, hi), 80, 1000)
    allowed = fm.period != -2
    assert allowed.any() and np.all(fm.period[allowed] == -1)


def test_no_eos_when_eta_max_is_below_eta_c():
    key = "no-eos"
    traj, p = run(key)
    d0, l0 = p.starts[0]
    assert d0 == -p.y and close(l0, fact(key, "lam0"))    # f₀ = 0, large λ₀
    em = uvcore.eta_max(d0, l0, n_eff=p.n_eff, x_norm=p.x_norm, y=p.y)
    assert em.found and em.eta_max < em.eta_c and not em.has_eos
    assert close(em.eta_max, fact(key, "eta_max"))
    assert p.eta < em.eta_max
    # at the preset's η: a catapult (loss rises, λ falls), then convergence with ηλ < 2
    assert traj.outcome.kind == "converged" and traj.outcome.eta_lam < 2
    assert traj.loss.max() > traj.loss[0] and close(np.abs(traj.df).max(), fact(key, "df_max"))
    assert close(traj.lam[-1], fact(key, "lam_end"))
    assert close(traj.outcome.eta_lam, fact(key, "eta_lam_end"))
    # "Type η = 1: it diverges"; every η between η_max and η_c diverges on a scan
    assert run(key, eta=1.0)[0].diverged
    for eta in np.linspace(em.bracket[1], em.eta_c, 25):
        assert run(key, eta=float(eta), steps=5000)[0].diverged, eta
    # and the trajectory stays in the preset's window
    (a, b), (lo, hi) = p.plot_window
    assert a < traj.df.min() and traj.df.max() < b and lo <= traj.lam.min()
    assert traj.lam.max() < hi
