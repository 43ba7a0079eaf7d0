"""The Import view in headless Chromium at 1366×768 with large font (the
projector): a trace file of the server's TRACES_DIR followed while a writer
appends to it grows on the phase plane; an off-screen trace is said to be
off-screen and "Fit window to trace" brings it into view; a CSV named .txt
uploads; "Show the matched UV model" sets η and adds the model's start.
Every wait is on a condition in the page."""

import json
import os

import numpy as np
import pytest

from app.core import ids

from ...conftest import PLOT, serve

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 768}
#: Milliseconds a condition may take: generous, since the large-font plane is slow to
#: paint in software on a loaded machine (the waits end as soon as it holds).
TIMEOUT_MS = 60_000
#: The plane's imported trace named ``name`` (undefined while the plane is not drawn).
TRACE = (f"(() => {{ const g = {PLOT}; return g && g.data ? "
         "g.data.find(t => t.name === 'imported: ' + name) : undefined; })()")


@pytest.fixture(scope="module")
def traces_root(tmp_path_factory):
    return tmp_path_factory.mktemp("traces")


@pytest.fixture(scope="module")
def follow_url(traces_root):
    from app import create_app
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACES_DIR", str(traces_root))
        with serve(create_app({"warmup": False})) as url:
            yield url


_MTIME = [2_000_000_000]


def newest(path):
    """Make ``path`` the newest file of the listing (the one the dropdown selects)."""
    _MTIME[0] += 10
    os.utime(path, (_MTIME[0], _MTIME[0]))


def csv_rows(start, n, lam0=0.5):
    return "".join(f"{t},{-2 + 0.01 * t:.6g},{lam0 + 0.004 * t:.6g}\n"
                   for t in range(start, start + n))


def open_large(page, url):
    page.set_viewport_size(VIEWPORT)
    page.goto(url + "?large=1")
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && g.data.length > 5 "
                           "&& document.querySelector('.app.large'); }", timeout=TIMEOUT_MS)


def open_import(page):
    page.locator(".tab", has_text="Import").first.click()
    page.wait_for_selector(f"#{ids.IMPORT_UPLOAD}", state="visible", timeout=TIMEOUT_MS)


def follow_newest(page, url):
    """The import view, large font, following the newest trace of the folder."""
    open_large(page, url)
    open_import(page)
    page.click(f"#{ids.IMPORT_FOLLOW}")


def show_uv_model(page):
    """Once the followed trace offers its matched UV model, show it on the plane."""
    page.wait_for_function(f"() => !document.getElementById({ids.IMPORT_UV!r}).disabled",
                           timeout=TIMEOUT_MS)
    page.click(f"#{ids.IMPORT_UV}")


def wait_text(page, element_id, text):
    page.wait_for_function(f"() => {{ const e = document.getElementById({element_id!r}); "
                           f"return e && e.textContent.includes({text!r}); }}",
                           timeout=TIMEOUT_MS)


def points(page, name):
    return page.evaluate(f"(name) => {{ const t = {TRACE}; return t ? t.x.length : 0; }}", name)


def test_a_followed_trace_grows_on_the_plane(page, follow_url, traces_root):
    path = traces_root / "live.csv"
    path.write_text("# model: mlp\nstep,df,lam\n" + csv_rows(0, 20) + "20,-1.8")  # partial row
    newest(path)
    follow_newest(page, follow_url)
    # inside the window: the view switches to the plane, which draws the 20 complete rows
    page.wait_for_function(f"() => {{ const name = 'live.csv'; const t = {TRACE}; "
                           "return t && t.x.length === 20; }", timeout=TIMEOUT_MS)
    with open(path, "a") as f:             # the writer finishes the row and adds more
        f.write(",0.58\n" + csv_rows(21, 30))
    page.wait_for_function(f"() => {{ const name = 'live.csv'; const t = {TRACE}; "
                           "return t && t.x.length === 51; }", timeout=TIMEOUT_MS)
    with open(path, "a") as f:
        f.write(csv_rows(51, 9))
    page.wait_for_function(f"() => {{ const name = 'live.csv'; const t = {TRACE}; "
                           "return t && t.x.length === 60; }", timeout=TIMEOUT_MS)
    x = page.evaluate(f"(name) => {TRACE}.x", "live.csv")
    assert np.allclose(x, [-2 + 0.01 * t for t in range(60)], atol=1e-6)
    open_import(page)
    wait_text(page, ids.IMPORT_FOLLOW_STATUS, "following: 60 rows, updated")
    # a hidden page asks nothing: rows appended meanwhile wait until it is visible
    page.evaluate("() => Object.defineProperty(document, 'hidden', "
                  "{configurable: true, get: () => true})")
    with open(path, "a") as f:
        f.write(csv_rows(60, 10))
    page.wait_for_function(_status_ago(3, 60), timeout=TIMEOUT_MS)
    assert "following: 60 rows" in page.text_content(f"#{ids.IMPORT_FOLLOW_STATUS}")
    page.evaluate("() => { delete document.hidden; }")
    wait_text(page, ids.IMPORT_FOLLOW_STATUS, "following: 70 rows, updated")
    page.click(f"#{ids.IMPORT_STOP}")
    wait_text(page, ids.IMPORT_STATUS, "Stopped following live.csv")
    page.wait_for_function(f"() => document.getElementById({ids.IMPORT_FOLLOW_STATUS!r})"
                           ".textContent === ''", timeout=TIMEOUT_MS)


def _status_ago(seconds, rows):
    """The following line says ``rows`` rows, last changed ≥ ``seconds`` s ago."""
    return (f"() => {{ const e = document.getElementById({ids.IMPORT_FOLLOW_STATUS!r}); "
            f"const m = e && e.textContent.match(/following: (\\d+) rows, updated (\\d+)s ago/);"
            f" return m && +m[1] === {rows} && +m[2] >= {seconds}; }}")


def test_the_gate_stops_after_a_quiet_while(page, follow_url):
    """The clientside gate (app/assets/import_trace.js) itself: no request while
    the page is hidden, the interval stopped once the file has been quiet for
    ``idle_ms``, a request on a visible tick otherwise."""
    open_large(page, follow_url)
    result = page.evaluate("""() => {
        const gate = window.dash_clientside.import_trace.follow_gate;
        const tick = {triggered: [{prop_id: "import-interval.n_intervals"}]};
        const saved = window.dash_clientside.callback_context;
        window.dash_clientside.callback_context = tick;
        const f = {name: "a.csv", sig: {size: 5}, rows: 3, token: "t", idle_ms: 120000};
        const now = Date.now();
        const fresh = gate(7, f, {key: "t|" + JSON.stringify(f.sig), at: now - 2000});
        const quiet = gate(8, f, {key: "t|" + JSON.stringify(f.sig), at: now - 121000});
        const none = gate(9, null, null);
        window.dash_clientside.callback_context = saved;
        return {fresh: fresh, quiet: quiet, none: none};
    }""")
    assert result["fresh"][0] == {"name": "a.csv", "sig": {"size": 5}, "tick": 7}
    assert result["fresh"][1] is False and result["fresh"][2].startswith(
        "following: 3 rows, updated 2s ago")
    assert result["quiet"][1] is True and result["quiet"][2].startswith(
        "following paused: 3 rows, no change for 121 s")
    assert result["none"][1] is True and result["none"][2] == ""


def _axes_hold(page, name):
    """The plane's axis ranges hold every point of the imported trace."""
    return page.evaluate(
        f"""(name) => {{ const g = {PLOT}; const t = {TRACE}; if (!t || !g._fullLayout) return false;
            const [a, b] = g._fullLayout.xaxis.range, [c, d] = g._fullLayout.yaxis.range;
            return t.x.every((x, i) => x === null || (x >= a && x <= b
                                                       && t.y[i] >= c && t.y[i] <= d)); }}""",
        name)


def test_a_txt_csv_off_screen_is_noted_and_fit_window_shows_it(page, follow_url):
    # an exported network trace: λ ≈ 70–83, far above the default window [0, 3]
    rows = "".join(f"{t},{-np.sqrt(2 * (0.9 - 0.018 * t)):.6g},{70 + 0.26 * t:.6g},"
                   f"{69 + 0.26 * t:.6g}\n" for t in range(50))
    text = "# model: fcn\n# eta: 0.025\nstep,df,lam,lam_h\n" + rows
    open_large(page, follow_url)
    open_import(page)
    page.set_input_files(f"#{ids.IMPORT_UPLOAD} input[type=file]",
                         files=[{"name": "network.txt", "mimeType": "text/plain",
                                 "buffer": text.encode()}])
    wait_text(page, ids.IMPORT_STATUS, "imported network.txt: 50 steps")
    wait_text(page, ids.IMPORT_STATUS, "model fcn, η = 0.025")
    wait_text(page, ids.IMPORT_WINDOW_NOTE, "lies outside the window (all 50 points")
    assert not _axes_hold(page, "network.txt")
    page.click(f"#{ids.IMPORT_FIT}")
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g._fullLayout && "
                           "g._fullLayout.yaxis.range[1] > 83; }", timeout=TIMEOUT_MS)
    assert _axes_hold(page, "network.txt")
    assert points(page, "network.txt") == 50
    # back in the Import view, the note is gone
    open_import(page)
    page.wait_for_function(f"() => document.getElementById({ids.IMPORT_WINDOW_NOTE!r})"
                           ".textContent === ''", timeout=TIMEOUT_MS)
    # not a trace at all: one line saying why
    page.set_input_files(f"#{ids.IMPORT_UPLOAD} input[type=file]",
                         files=[{"name": "notes.txt", "mimeType": "text/plain",
                                 "buffer": b"Dear colleague,\nthe results.\n"}])
    wait_text(page, ids.IMPORT_STATUS, "header must name the columns step,df,lam")


UV = {"eta": 0.05, "n_eff": 37.5, "x_norm": 1.2, "y": 2.5, "df0": -2.5, "lam0": 31.0,
      "method": "calibrated", "calibrated": True}


def test_show_the_matched_uv_model(page, follow_url, traces_root):
    header = {"format": "sharpness-lab-trace", "version": 1, "model": "torch-mlp", "eta": 0.05,
              "loss": "mse_half_mean", "measure_batch": 500, "dtype": "float32", "uv": UV}
    lines = [json.dumps({"header": header})] + [json.dumps(
        {"step": t, "df": -2.5 + 0.02 * t, "lam": 31 + 0.3 * t, "lam_h": 30 + 0.3 * t,
         "loss": 0.5 * (2.5 - 0.02 * t) ** 2, "eta": 0.05}) for t in range(40)]
    path = traces_root / "probe.jsonl"
    path.write_text("\n".join(lines) + "\n")
    newest(path)
    follow_newest(page, follow_url)
    # λ ≈ 31–43 lies above the default window: the view stays here and says so
    wait_text(page, ids.IMPORT_STATUS, "following probe.jsonl: 40 steps")
    wait_text(page, ids.IMPORT_STATUS, "model torch-mlp, η = 0.05, with a matched UV model")
    wait_text(page, ids.IMPORT_WINDOW_NOTE, "outside the window")
    show_uv_model(page)
    page.wait_for_function("() => document.getElementById('eta-input').value === '0.05'",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(
        f"() => {PLOT} && {PLOT}.data && {PLOT}.data.some(t => t.name && t.name.endsWith('(selected) start') "
        "&& t.x[0] === -2.5 && t.y[0] === 31)", timeout=TIMEOUT_MS)
    assert page.evaluate("() => document.getElementById('n-eff-input').value") == "37.5"
    assert page.evaluate("() => document.getElementById('y-input').value") == "2.5"
    # the trace is drawn beside the model's trajectory, inside the window
    assert points(page, "probe.jsonl") == 40 and _axes_hold(page, "probe.jsonl")
