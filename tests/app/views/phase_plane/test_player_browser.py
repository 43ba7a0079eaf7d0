"""The trajectory player in headless Chromium: the marker it draws on the plane
walks through the trajectory's own states (as the figure from the server draws
them), pause stops it, step moves exactly one state, reset returns to the
start, and the time series' cursor is always at the marker's step, inside the
steps the series shows (it widens them when the cursor would leave).

Truth is the figure the browser holds: the selected trajectory's trace (x, y at
each step, its ``customdata``) and the player's shapes in the graphs' layouts
(``player``, ``player-tail`` on the plane, ``player-cursor`` on the time series).
"""

import math

import pytest

import uvcore
from app.core import ids
from app.views.phase_plane import figures, player

from ...conftest import PLOT, TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser

SERIES = "document.querySelector('#timeseries .js-plotly-plot')"
#: η = 2.26 (period 2 on the edge of stability) from (−2, 0.5): 301 states.
QUERY = "?large=1&eta=2.26&width=16&preset=ntp&steps=300&traj=-2:0.5"
STATES = 301
#: The plane's trace is rounded to 6 digits of the window's span (≈ 7 and 3).
COORD_TOL = 1e-4
#: Pixels between where a state is drawn and where the axes put it.
PIXEL_TOL = 1.5

#: The player as the graphs show it, one snapshot: its marker, tail and cursor
#: (step and coordinates they carry, their centres in pixels from the top left of
#: the plot area) and each plot area's size and axis ranges.
SNAPSHOT = f"""() => {{
    const p = {PLOT}, s = {SERIES};
    const area = (g, sub) => {{ const e = g.querySelector('.nsewdrag[data-subplot="' + sub + '"]');
        return e ? e.getBoundingClientRect() : {{left: 0, top: 0, width: 0, height: 0, bottom: 0}}; }};
    const pa = area(p, 'xy'), top = area(s, 'xy'), bottom = area(s, 'x2y2');
    const dot = e => {{ const r = e.getBoundingClientRect();
        return {{step: +e.dataset.step, df: +e.dataset.df, lam: +e.dataset.lam,
                 x: (r.left + r.right) / 2 - pa.left, y: (r.top + r.bottom) / 2 - pa.top,
                 opacity: +e.getAttribute('opacity')}}; }};
    const m = p.querySelector('circle.player-marker');
    const c = s.querySelector('line.player-cursor');
    const cr = c ? c.getBoundingClientRect() : null;
    return {{
        marker: m ? dot(m) : null,
        tail: Array.from(p.querySelectorAll('circle.player-tail')).map(dot),
        cursor: c ? +c.dataset.step : null,
        cursor_px: cr ? {{x: (cr.left + cr.right) / 2 - bottom.left, top: cr.top, bottom: cr.bottom}}
                      : null,
        plane: {{w: pa.width, h: pa.height, x: p._fullLayout.xaxis.range,
                 y: p._fullLayout.yaxis.range}},
        series: {{w: bottom.width, x: (s._fullLayout.xaxis2 || {{}}).range, top: top.top,
                  bottom: bottom.bottom}},
        readout: document.querySelector('#player-readout').textContent,
        t: performance.now()}};
}}"""

#: The selected trajectory as the server's figure draws it: step → (Δf, λ).
TRAJECTORY = f"""() => {{
    const t = {PLOT}.data.find(t => t.name && t.name.includes('(selected)') &&
                                    !t.name.endsWith('start') && !t.name.endsWith('state'));
    const steps = t.customdata || t.x.map((_, i) => i);
    return steps.map((s, i) => [s, t.x[i], t.y[i]]).filter(r => r[0] !== null);
}}"""

RECORD = f"""() => {{
    window.__snaps = [];
    const snap = {SNAPSHOT};
    const loop = () => {{ window.__snaps.push(snap()); window.__rec = requestAnimationFrame(loop); }};
    loop();
}}"""


def frames_later(page, n=30):
    """Wait until the page has painted ``n`` more animation frames."""
    page.evaluate("() => { window.__frames = 0; const f = () => { window.__frames++; "
                  "if (window.__frames < 1000) requestAnimationFrame(f); }; "
                  "requestAnimationFrame(f); }")
    page.wait_for_function(f"() => window.__frames >= {n}", timeout=TIMEOUT_MS)


def snapshot(page):
    return page.evaluate(SNAPSHOT)


def wait_cursor(page, condition):
    """Wait until the marker and the cursor are drawn at a step k meeting ``condition``."""
    page.wait_for_function(f"() => {{ const s = ({SNAPSHOT})(); const k = s.cursor; "
                           f"return s.marker !== null && k === s.marker.step && "
                           f"({condition}); }}", timeout=TIMEOUT_MS)


def on_plane(dot, plane):
    """Where a state must be drawn: linear axes, from the figure's own ranges."""
    (x0, x1), (y0, y1) = plane["x"], plane["y"]
    return ((dot["df"] - x0) / (x1 - x0) * plane["w"], (y1 - dot["lam"]) / (y1 - y0) * plane["h"])


def check(snap, traj):
    """The marker is the trajectory's state at its step, drawn there; the
    cursor is at the same step of the time series, across both panels; the
    read-out names that step."""
    m = snap["marker"]
    k = m["step"]
    assert 0 <= k < STATES, snap
    x, y = traj[k]
    assert abs(m["df"] - x) < COORD_TOL and abs(m["lam"] - y) < COORD_TOL, (snap, traj[k])
    ex, ey = on_plane(m, snap["plane"])
    assert abs(m["x"] - ex) < PIXEL_TOL and abs(m["y"] - ey) < PIXEL_TOL, (m, ex, ey)
    assert snap["cursor"] == k
    ts = snap["series"]
    x0, x1 = ts["x"]
    assert x0 <= k <= x1, f"the cursor at step {k} is off the series' steps {x0}…{x1}"
    assert abs(snap["cursor_px"]["x"] - (k - x0) / (x1 - x0) * ts["w"]) < PIXEL_TOL
    assert snap["cursor_px"]["top"] <= ts["top"] + PIXEL_TOL
    assert snap["cursor_px"]["bottom"] >= ts["bottom"] - PIXEL_TOL
    assert snap["readout"] == f"{k} / {STATES - 1}"


def choose_speed(page, per_second):
    page.click("#player-speed")
    page.get_by_role("option", name=f"{per_second}/s", exact=True).click()
    page.wait_for_function(f"() => document.querySelector('#player-speed').innerText"
                           f".trim() === '{per_second}/s'", timeout=TIMEOUT_MS)


@pytest.fixture
def loaded(page, app_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    open_page(page, app_url + QUERY)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_function(f"() => document.querySelector('#player-readout').textContent "
                           f"=== '0 / {STATES - 1}'", timeout=TIMEOUT_MS)
    rows = page.evaluate(TRAJECTORY)
    traj = {int(s): (x, y) for s, x, y in rows}
    assert sorted(traj) == list(range(STATES))           # every state is drawn
    assert snapshot(page)["marker"] is None              # nothing drawn before play
    return page, traj


def test_play_pause_step_reset_follow_the_trajectory(loaded):
    page, traj = loaded
    page.evaluate(RECORD)
    page.click("#player-play")
    wait_cursor(page, "k >= 20")
    page.click("#player-pause")
    paused = snapshot(page)
    frames_later(page)                                   # 10 states/s: ≥ 3 would pass
    assert snapshot(page)["cursor"] == paused["cursor"]
    snaps = page.evaluate("() => { cancelAnimationFrame(window.__rec); return window.__snaps; }")
    shown = [s for s in snaps if s["marker"] is not None]
    steps = [s["marker"]["step"] for s in shown]
    # every state in turn (≤ 60 states/s: none skipped), from the start
    assert steps[0] == 0 and steps == sorted(steps)
    assert sorted(set(steps)) == list(range(steps[-1] + 1)) and steps[-1] >= 20
    for s in shown:
        check(s, traj)
    # the tail: the states just before the marker, drawn where they are, fading with age
    tail = paused["tail"]
    k = paused["cursor"]
    assert [t["step"] for t in tail] == list(range(k - player.TAIL, k))
    for t in tail:
        assert abs(t["df"] - traj[t["step"]][0]) < COORD_TOL
        assert abs(t["lam"] - traj[t["step"]][1]) < COORD_TOL
        ex, ey = on_plane(t, paused["plane"])
        assert abs(t["x"] - ex) < PIXEL_TOL and abs(t["y"] - ey) < PIXEL_TOL
    opacities = [t["opacity"] for t in tail]
    assert opacities == sorted(opacities) and 0 < opacities[0] < opacities[-1] < 1

    page.click("#player-step")
    wait_cursor(page, f"k === {k + 1}")
    frames_later(page, 10)
    s = snapshot(page)
    assert s["cursor"] == k + 1
    check(s, traj)

    page.click("#player-reset")
    wait_cursor(page, "k === 0")
    s = snapshot(page)
    check(s, traj)
    assert (s["marker"]["df"], s["marker"]["lam"]) == (-2, 0.5)   # the start itself

    # a redraw of the plane from the server (a layer switched off) keeps the step
    page.click("#player-step")
    wait_cursor(page, "k === 1")
    page.click("#layers input[value=arrows]")
    page.wait_for_function(f"() => {PLOT}.layout.images.length === 0", timeout=TIMEOUT_MS)
    wait_cursor(page, "k === 1")
    check(snapshot(page), traj)


def test_speed_and_the_end_of_the_trajectory(loaded):
    page, traj = loaded
    choose_speed(page, 250)
    page.evaluate(RECORD)
    before = page.evaluate("() => performance.now()")
    page.click("#player-play")
    wait_cursor(page, f"k === {STATES - 1}")             # stops on the last state
    snaps = page.evaluate("() => { cancelAnimationFrame(window.__rec); return window.__snaps; }")
    shown = [s for s in snaps if s["marker"] is not None]
    for s in shown:
        check(s, traj)
    # never ahead of its speed: k ≤ 250 states/s × the time since the press
    assert all(s["cursor"] <= 1 + 250 * (s["t"] - before) / 1000 for s in shown)
    assert len({s["cursor"] for s in shown}) >= 3
    # (… and at 250 states/s, faster than the frames, it skips states to keep time)
    assert len({s["cursor"] for s in shown}) < STATES
    frames_later(page, 10)
    assert snapshot(page)["cursor"] == STATES - 1
    # at 1 state/s the same time moves it by a few states only
    choose_speed(page, 1)
    page.click("#player-play")                           # from the end: starts again
    wait_cursor(page, "k === 0")
    page.evaluate(RECORD)
    frames_later(page, 60)
    snaps = page.evaluate("() => { cancelAnimationFrame(window.__rec); return window.__snaps; }")
    elapsed = (snaps[-1]["t"] - snaps[0]["t"]) / 1000
    assert snaps[-1]["cursor"] <= 1 + elapsed * 1 + 1
    page.click("#player-pause")


def test_space_on_the_plane_plays_and_pauses(loaded):
    page, traj = loaded
    page.focus("#phase-plane")
    page.keyboard.press("Space")
    wait_cursor(page, "k >= 3")
    page.keyboard.press("Space")
    paused = snapshot(page)["cursor"]
    frames_later(page)
    s = snapshot(page)
    assert s["cursor"] == paused
    check(s, traj)
    # another tab and back (the plane's graphs are made anew): still there
    page.locator(".tab", has_text="Presets").first.click()
    page.wait_for_selector(f"#{ids.teaching_button('chaos')}", timeout=TIMEOUT_MS)
    page.locator(".tab", has_text="Phase plane").first.click()
    wait_cursor(page, f"k === {paused}")
    check(snapshot(page), traj)
    # a new trajectory (all cleared) stops the player and takes its shapes away
    page.click("#clear-trajectories")
    page.wait_for_function(f"() => {{ const s = ({SNAPSHOT})(); return s.marker === null && "
                           "s.readout === ''; }", timeout=TIMEOUT_MS)
    assert snapshot(page)["cursor"] is None


#: The line under the series and the series' step axis, read together.
RANGE = f"""() => {{ const s = {SERIES}, r = (s._fullLayout.xaxis2 || {{}}).range;
    return {{text: document.querySelector('#{ids.SERIES_RANGE}').textContent,
             range: r ? [Math.min(...r), Math.max(...r)] : null}}; }}"""


def wait_range(page, text):
    page.wait_for_function(f"() => ({RANGE})().text === {text!r}", timeout=TIMEOUT_MS)
    return page.evaluate(RANGE)


def zoom_series(page):
    """Drag across the middle half of the sharpness panel."""
    box = page.locator("#timeseries .nsewdrag[data-subplot='x2y2']").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.25 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.75 * box["width"], y + 2, steps=8)
    page.mouse.up()


def test_the_line_under_the_series_says_which_steps_it_shows(loaded):
    """The run settles early, so the series first shows its start; a zoom is
    named by its own steps, the first range by its hint again; the player
    widens the series to every step and the line says so."""
    page, _ = loaded
    traj = uvcore.trajectory(-2.0, 0.5, uvcore.MapParams(2.26, 16, 1, 2), STATES - 1)
    settled = figures.settled_step(traj)
    first = page.evaluate(RANGE)
    lo, hi = first["range"]
    assert lo == 0 and settled < hi < STATES - 1           # the start of the run only
    assert first["text"] == (f"Steps 0–{int(hi)} of {STATES - 1} shown (settled by step "
                             f"{settled}): double-click the time series for all.")
    zoom_series(page)
    page.wait_for_function(f"() => ({RANGE})().range[0] > 1", timeout=TIMEOUT_MS)
    zoom = page.evaluate(RANGE)
    a, b = zoom["range"]
    assert zoom["text"] == f"Steps {math.ceil(a)}–{math.floor(b)} of {STATES - 1} shown."
    # back to the first steps (what a double-click does after a zoom; a
    # synthetic one is not always taken as one by Plotly's drag box)
    page.evaluate(f"r => Plotly.relayout({SERIES}, {{'xaxis2.range': r}})", first["range"])
    assert wait_range(page, first["text"])["range"] == first["range"]
    # the player's cursor leaves the first steps: every step, and the line says so
    choose_speed(page, 250)
    page.click("#player-play")
    wait_cursor(page, f"k === {STATES - 1}")
    assert wait_range(page, f"All {STATES - 1} steps shown.")["range"] == [0, STATES - 1]
