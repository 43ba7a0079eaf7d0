"""Regenerate the README's pictures into docs/img/.

    python docs/make_figures.py [--only NAME ...] [--scale S] [--recompute] [--timeout SECONDS]

Dashboard views (the app served from a thread on 127.0.0.1, as in the browser
tests, opened in headless Chromium at 1440×900, made taller only when a panel
would scroll — the Universality table):

* ``dashboard``    — the phase plane and time series (the query of
  tests/app/test_browser.py::test_screenshot_of_the_dashboard);
* ``bifurcation``  — the Bifurcation tab at η = 2.6 (diagram, guides, cobweb);
* ``universality`` — the Universality tab;
* ``fate-map``     — the Fate map tab at η = 2.26 with the EoS period-2 start;
* ``probe-trace``  — a PyTorch run's trace on the phase plane beside its
  matched UV model: ``examples/probe_mlp.py`` (its defaults) writes the trace,
  which is imported in the Import view; "Show the matched UV model", then
  "Fit window".

Real-network experiments (``networks-fig1``, ``networks-fig5``,
``networks-fig4``): ``app.views.networks.compute.run_experiment`` at size factor ``--scale``,
drawn by ``app.views.networks.figures.result_figure`` with the installed plotly.js
(``plotly/package_data/plotly.min.js``, no CDN) in a local page and
screenshotted.  Results go through the view's own result cache (the same
parameters as a click on "Run" in the view; ``--recompute`` ignores it).  For
each, the ``python -m uvcore network-experiment`` command that computes the
same runs is printed.

Prints every file written with its size; exits non-zero on any failure, when
a picture is larger than MAX_BYTES (PNG only), or when ``--timeout`` (whole
run) is exceeded.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# before the app is imported (it configures logging only when the host has not):
# warnings and errors only, no INFO lines
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

from app.core import ids  # noqa: E402
from uvcore.nets.experiments import FIG5_C_POINTS  # noqa: E402
from tests.app.conftest import INTRO_SEEN_SCRIPT, TIMEOUT_MS, VIEWPORT, open_page, serve  # noqa: E402
from tests.app.views.bifurcation.test_browser import BIF, FIRST_MS  # noqa: E402
from tests.app.views.fate_map.test_browser import HEATMAP_ROWS  # noqa: E402
from tests.app.views.phase_plane.test_browser import TRAJ_COUNT  # noqa: E402
from tests.app.views.universality.test_browser import UNI  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT_DIR = ROOT / "docs" / "img"
#: Largest file size accepted (bytes; the README loads every picture).
MAX_BYTES = 400_000
#: Size of the rendered network figures (CSS px, device scale 1).
NET_SIZE = (1400, 720)
#: Default size factor of the network experiments (each runs in well under a minute here).
DEFAULT_SCALE = 0.5
#: Pause after the page is idle, so Plotly's relayout and transitions are done (ms).
SETTLE_MS = 700

#: Nothing in flight: no component Dash marks as loading, no "Updating…" title.
IDLE = ("() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0 && "
        "!document.title.startsWith('Updating')")
SERIES = "document.querySelector('#timeseries .js-plotly-plot')"
COBWEB = f"document.querySelector('#{ids.BIFURCATION_COBWEB} .js-plotly-plot')"
FATE_STATUS = f"document.getElementById('{ids.FATE_STATUS}')"


# -- dashboard views ------------------------------------------------------------------------

def _wait(page, predicate: str, timeout: int = TIMEOUT_MS) -> None:
    page.wait_for_function(predicate, timeout=timeout)


def _settle(page) -> None:
    _wait(page, IDLE)
    page.wait_for_timeout(SETTLE_MS)
    _wait(page, IDLE)


#: Height (px) by which the tallest inner scroll area overflows (0: everything visible).
OVERFLOW = ("() => Math.max(0, ...Array.from(document.querySelectorAll('*')).map(e => "
            "['auto', 'scroll'].includes(getComputedStyle(e).overflowY) ? "
            "e.scrollHeight - e.clientHeight : 0))")


def _fit_height(page, limit: int = 2 * VIEWPORT["height"]) -> None:
    """Make the viewport taller until no inner panel scrolls (e.g. the Universality
    table), so the picture shows the whole view."""
    for _ in range(6):
        extra = page.evaluate(OVERFLOW)
        height = page.viewport_size["height"]
        if extra <= 0 or height >= limit:
            return
        # the graphs grow with the viewport too: ask for more than the overflow
        page.set_viewport_size({"width": VIEWPORT["width"],
                                "height": min(limit, height + max(2 * extra, 40))})
        _settle(page)


def _goto(page, url: str) -> None:
    page.add_init_script(INTRO_SEEN_SCRIPT)           # no first-visit introduction
    page.set_viewport_size(VIEWPORT)
    page.goto(url)


def shoot_dashboard(page, base: str) -> None:
    open_page(page, base + "?eta=2.2&width=16&preset=ntp&steps=300&traj=-1.5:1.2,1:2,-2:0.5")
    _wait(page, f"() => ({TRAJ_COUNT})() === 3")
    _wait(page, f"() => {{ const g = {SERIES}; return g && g.data && g.data.length >= 4; }}")


def shoot_bifurcation(page, base: str) -> None:
    _goto(page, base + "?eta=2.6#bifurcation")
    _wait(page, f"() => {{ const g = {BIF}; return g && g.data && "
                "g.data.some(t => t.meta && t.meta.raster) && "
                "g.data.some(t => t.meta && t.meta.guide); }", FIRST_MS)
    _wait(page, f"() => {{ const g = {COBWEB}; return g && g.data && "
                "g.data.some(t => t.name && t.name.startsWith('fixed')); }")


def shoot_universality(page, base: str) -> None:
    _goto(page, base + "#universality")
    _wait(page, f"() => {{ const g = {UNI}; return g && g.data && g.data.length > 5; }}",
          FIRST_MS)
    _wait(page, f"() => document.querySelectorAll('#{ids.UNIVERSALITY_TABLE} tr').length "
                ">= 11")


def shoot_fate_map(page, base: str) -> None:
    _goto(page, base + "?eta=2.26&traj=-2:0.5#fate-map-tab")
    _wait(page, f"() => ({HEATMAP_ROWS})() === 80", FIRST_MS)
    _wait(page, f"() => {FATE_STATUS} && {FATE_STATUS}.innerText.includes('80×80 starts')")


#: Seconds the example's training run may take (it writes the trace).
PROBE_RUN_S = 900


def shoot_probe_trace(page, base: str) -> None:
    import subprocess  # noqa: PLC0415
    from tests.app.views.import_trace.test_browser_follow import open_import, wait_text  # noqa: PLC0415
    with tempfile.TemporaryDirectory(prefix="probe-trace-") as tmp:
        trace = Path(tmp) / "probe_mlp.jsonl"
        subprocess.run([sys.executable, str(ROOT / "examples" / "probe_mlp.py"), "--out",
                        str(trace)], check=True, timeout=PROBE_RUN_S, stdout=subprocess.DEVNULL)
        open_page(page, base)
        open_import(page)
        page.set_input_files(f"#{ids.IMPORT_UPLOAD} input[type=file]", files=[str(trace)])
    wait_text(page, ids.IMPORT_STATUS, "imported probe_mlp.jsonl")
    _wait(page, f"() => !document.getElementById({ids.IMPORT_UV!r}).disabled")
    page.click(f"#{ids.IMPORT_UV}")                       # the plane takes the UV model
    _wait(page, f"() => ({TRAJ_COUNT})() >= 1")
    _settle(page)
    open_import(page)
    _settle(page)                                         # the note and Fit follow the state
    page.click(f"#{ids.IMPORT_FIT}")                      # the window holds the trace
    _wait(page, f"() => {{ const g = {SERIES}; return g && g.data && g.data.length >= 4; }}")


VIEWS = {"dashboard": shoot_dashboard, "bifurcation": shoot_bifurcation,
         "universality": shoot_universality, "fate-map": shoot_fate_map,
         "probe-trace": shoot_probe_trace}


# -- real-network experiments -------------------------------------------------------------------

NETWORKS = ("fig1", "fig5", "fig4")


def uvcore_command(p) -> str:
    """The ``python -m uvcore network-experiment`` line that computes the same runs
    as ``compute(p)`` for the parameters this script uses (default seed, matching,
    c of Fig 1, float32; tests/app/views/networks checks the equality)."""
    line = f"python -m uvcore network-experiment --experiment {p.experiment[:4]} --scale {p.scale:g}"
    if p.experiment == "fig5":
        return f"{line} --c-points {p.c_points}"
    if p.experiment in ("fig4", "fig4s"):
        return f"{line} --full-grid --panel {'b' if p.experiment == 'fig4s' else 'a'}"
    return line


def network_payload(experiment: str, scale: float, recompute: bool) -> tuple[object, dict]:
    import numpy as np  # noqa: PLC0415

    from app.views.networks import caps, compute, store  # noqa: PLC0415
    # Fig 5 on the paper's full grid of c (the view's default is coarser)
    extra = {"c_points": FIG5_C_POINTS} if experiment == "fig5" else {}
    p, notes, err = caps.parse_params({"experiment": experiment, "scale": scale, **extra})
    if err or notes:
        raise SystemExit(f"{experiment}: unusable scale {scale:g}: {err or '; '.join(notes)}")
    key = store.cache_key(p)
    payload = None if recompute else store.cache_get(key)
    t0 = time.perf_counter()
    if payload is None:
        print(f"  computing {experiment} ({p.describe()}) …", flush=True)
        with np.errstate(over="ignore", invalid="ignore"):   # Fig 4's diverging runs
            payload = compute.run_experiment(p)
        store.cache_put(key, payload)
        print(f"  {experiment}: computed in {time.perf_counter() - t0:.1f} s", flush=True)
    else:
        print(f"  {experiment}: cached result ({p.describe()})", flush=True)
    return p, payload


def render_figure(browser, figure: dict, path: Path, workdir: Path) -> None:
    """Draw a figure dict with the installed plotly.js in a local page; screenshot it."""
    from plotly.io.json import to_json_plotly  # noqa: PLC0415
    w, h = NET_SIZE
    page = browser.new_page(viewport={"width": w + 40, "height": h + 40})
    try:
        page.goto((workdir / "figure.html").as_uri())
        fig = json.loads(to_json_plotly(figure))
        fig["layout"].update(width=w, height=h, autosize=False)
        page.evaluate("fig => Plotly.newPlot('plot', fig.data, fig.layout, "
                      "{staticPlot: true, displayModeBar: false})", fig)
        page.wait_for_timeout(SETTLE_MS)
        page.locator("#plot").screenshot(path=str(path))
    finally:
        page.close()


def _figure_page(workdir: Path) -> None:
    import plotly  # noqa: PLC0415
    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    shutil.copyfile(js, workdir / "plotly.min.js")
    w, h = NET_SIZE
    (workdir / "figure.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<script src='plotly.min.js'></script>"
        "<style>body{margin:0;background:white}</style></head>"
        f"<body><div id='plot' style='width:{w}px;height:{h}px'></div></body></html>",
        encoding="utf-8")


# -- main -----------------------------------------------------------------------------------

ALL = [*VIEWS, *(f"networks-{e}" for e in NETWORKS)]


def _report(path: Path, too_large: list[str]) -> None:
    size = path.stat().st_size
    flag = ""
    if size > MAX_BYTES:
        flag = f"  (above the {MAX_BYTES // 1000} kB limit)"
        too_large.append(path.name)
    print(f"wrote {path.relative_to(ROOT)}  {size / 1000:.0f} kB{flag}", flush=True)


def _timeout(signum, frame):
    raise TimeoutError("docs/make_figures.py: time limit exceeded")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=ALL, metavar="NAME",
                    help=f"images to make (default: all): {', '.join(ALL)}")
    ap.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                    help=f"size factor of the network experiments (default {DEFAULT_SCALE})")
    ap.add_argument("--recompute", action="store_true",
                    help="recompute the network experiments even if cached")
    ap.add_argument("--timeout", type=float, default=1800,
                    help="limit of the whole run in seconds (default 1800)")
    args = ap.parse_args(argv)
    wanted = args.only or ALL
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(max(1, int(args.timeout)))
    if not os.path.exists(CHROMIUM):
        print(f"chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    logging.getLogger("app.access").setLevel(logging.WARNING)   # no line per request

    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from app import create_app  # noqa: PLC0415
    from app.views.networks.figures import result_figure  # noqa: PLC0415

    commands, too_large = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            views = [v for v in VIEWS if v in wanted]
            if views:
                with serve(create_app()) as base:
                    for name in views:
                        page = browser.new_page()
                        try:
                            VIEWS[name](page, base)
                            _settle(page)
                            _fit_height(page)
                            path = OUT_DIR / f"{name}.png"
                            page.screenshot(path=str(path), full_page=False)
                        finally:
                            page.close()
                        _report(path, too_large)
            nets = [e for e in NETWORKS if f"networks-{e}" in wanted]
            if nets:
                with tempfile.TemporaryDirectory(prefix="make-figures-") as tmp:
                    workdir = Path(tmp)
                    _figure_page(workdir)
                    for exp in nets:
                        p, payload = network_payload(exp, args.scale, args.recompute)
                        path = OUT_DIR / f"networks-{exp}.png"
                        render_figure(browser, result_figure(payload), path, workdir)
                        _report(path, too_large)
                        commands.append((path.name, uvcore_command(p)))
        finally:
            browser.close()
    for name, cmd in commands:
        print(f"{name}: the same runs as {cmd}")
    signal.alarm(0)
    if too_large:
        print(f"too large: {', '.join(too_large)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
