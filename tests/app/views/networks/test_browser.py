"""The Real networks view in headless Chromium: a background job with its progress
bar, the figure it draws, the cache hit of a second run, the export, and Cancel.

Jobs run through the app's diskcache manager (a subprocess of this test process,
which serves the app from a thread); the result cache lives in a fresh directory.
"""

import os
import re
import sys
import threading
import time

import psutil
import pytest

from app.views.import_trace import parse as imported

from app.core import ids

from ...conftest import TIMEOUT_MS, assert_texts_fit, open_page

pytestmark = pytest.mark.browser
#: Wait for the first phase plane at the large font (a loaded 2-core machine).
PAGE_MS = 45_000

GRAPH = f"document.querySelector('#{ids.NETWORKS_GRAPH} .js-plotly-plot')"
HAS_NETWORK = f"() => {{ const g = {GRAPH}; return !!(g && g.data && g.data.some(t => t.name === 'network')); }}"
PROGRESS = f"document.getElementById('{ids.NETWORKS_PROGRESS}')"
#: A job of a few seconds on a loaded 2-core machine; a job of about a minute.
SHORT = {ids.NETWORKS_WIDTH: "32", ids.NETWORKS_N_TRAIN: "256", ids.NETWORKS_STEPS: "600",
         ids.NETWORKS_EVERY: "2"}
LONG = {ids.NETWORKS_WIDTH: "128", ids.NETWORKS_N_TRAIN: "2000", ids.NETWORKS_STEPS: "2000",
        ids.NETWORKS_EVERY: "10"}
#: Seconds a cancelled job's process may take to disappear.
KILL_WAIT_S = 15
#: The run after a cancelled one: LONG's networks, few steps.
AFTER_CANCEL_STEPS = "20"


def open_view(page, url, controls):
    external = open_page(page, url)
    page.locator(".tab", has_text="Real networks").first.click()
    for cid, value in controls.items():
        page.fill(f"#{cid}", value)
        page.press(f"#{cid}", "Enter")
    steps = controls[ids.NETWORKS_STEPS]
    page.wait_for_function(f"() => document.getElementById('{ids.NETWORKS_PLAN}').innerText"
                           f".includes('width {controls[ids.NETWORKS_WIDTH]},') && document"
                           f".getElementById('{ids.NETWORKS_PLAN}').innerText.includes("
                           f"'{steps} steps')", timeout=TIMEOUT_MS)
    return external


def wait_running(page):
    page.wait_for_function(f"() => !document.getElementById('{ids.NETWORKS_CANCEL}').disabled"
                           f" && document.getElementById('{ids.NETWORKS_RUN}').disabled",
                           timeout=TIMEOUT_MS)


def wait_idle(page, timeout=TIMEOUT_MS):
    page.wait_for_function(f"() => document.getElementById('{ids.NETWORKS_CANCEL}').disabled"
                           f" && !document.getElementById('{ids.NETWORKS_RUN}').disabled",
                           timeout=timeout)


def status(page):
    return page.inner_text(f"#{ids.NETWORKS_STATUS}")


def job_processes():
    """Live direct children of this process running Python: the background jobs."""
    out, python = [], os.path.realpath(sys.executable)
    for child in psutil.Process().children(recursive=False):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and \
                    os.path.realpath(child.exe()) == python:
                out.append(child)
        except psutil.Error:
            pass
    return out


def wait_exited(procs, timeout_s):
    """Block until each process in ``procs`` has exited (or ``timeout_s`` passed).

    ``waitid(WNOWAIT)`` waits for the exit without reaping: the job manager owns
    its children and collects them itself.
    """
    def wait(pid):
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:      # already collected by the job manager
            pass
    threads = [threading.Thread(target=wait, args=(p.pid,), daemon=True) for p in procs]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))


def status_starts(page, prefix):
    page.wait_for_function(f"() => document.getElementById('{ids.NETWORKS_STATUS}').innerText"
                           f".startsWith({prefix!r})", timeout=TIMEOUT_MS)


def test_a_run_shows_progress_then_the_figure_is_cached_and_exports(page, networks_url):
    external = open_view(page, networks_url, SHORT)
    page.click(f"#{ids.NETWORKS_RUN}")
    wait_running(page)
    page.wait_for_function(f"() => {PROGRESS}.max === 1000 && {PROGRESS}.value > 0",
                           timeout=60_000)
    # the label beside the bar says what runs and its percentage, the bar's own
    page.wait_for_function(
        f"() => {{ const m = document.getElementById('{ids.NETWORKS_PROGRESS}-label')"
        ".textContent.match(/^training the networks: (\\d+) %$/); "
        f"return m && Number(m[1]) === Math.floor({PROGRESS}.value / 10); }}",
        timeout=60_000)
    page.wait_for_function(HAS_NETWORK, timeout=120_000)
    assert status(page).startswith("Done")
    wait_idle(page)
    names = page.evaluate(f"() => {GRAPH}.data.map(t => t.name)")
    assert {"network: λᴴ", "network: UV model λᴴ", "network: 2/η"} <= set(names)
    # the same parameters again: the cached result, at once
    page.click(f"#{ids.NETWORKS_RUN}")
    status_starts(page, "Cached result")
    # export: a file the Import view accepts
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.click(f"#{ids.NETWORKS_DOWNLOAD_CSV}")
    download = info.value
    with open(download.path(), "rb") as fh:
        trace, message = imported.parse_bytes(fh.read(), download.suggested_filename)
    assert trace is not None, message
    assert trace.rows == 301 and trace.lam_h is not None
    assert external == []


SIZES = [(1440, 900), (1366, 768), (1280, 720)]


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_runs_figure_fits_its_graph(page, networks_url, size, large):
    """After a run, the figure's title (the run's parameters, one long line
    before), axis titles and legend lie in the graph and apart."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_view(page, networks_url + ("?large=1" if large else ""), SHORT)
    page.click(f"#{ids.NETWORKS_RUN}")
    page.wait_for_function(HAS_NETWORK, timeout=120_000)
    wait_idle(page)
    assert_texts_fit(page, f"#{ids.NETWORKS_GRAPH} .js-plotly-plot", "the run's figure")


def test_cancel_stops_a_running_job(page, networks_url):
    open_view(page, networks_url, LONG)
    page.click(f"#{ids.NETWORKS_RUN}")
    wait_running(page)
    page.wait_for_function(f"() => {PROGRESS}.value > 0", timeout=60_000)
    running = job_processes()
    assert running, "the job should run in a subprocess"
    page.click(f"#{ids.NETWORKS_CANCEL}")
    wait_idle(page)
    wait_exited(running, KILL_WAIT_S)
    assert job_processes() == []
    # the process that would have drawn the long run is gone: its figure never comes
    assert not page.evaluate(HAS_NETWORK)
    assert not status(page).startswith("Done")
    # and the view is free again: a short run of the same networks completes and is drawn
    page.fill(f"#{ids.NETWORKS_STEPS}", AFTER_CANCEL_STEPS)
    page.press(f"#{ids.NETWORKS_STEPS}", "Enter")
    page.wait_for_function(f"() => document.getElementById('{ids.NETWORKS_PLAN}').innerText"
                           f".includes('{AFTER_CANCEL_STEPS} steps')", timeout=TIMEOUT_MS)
    page.click(f"#{ids.NETWORKS_RUN}")
    page.wait_for_function(HAS_NETWORK, timeout=120_000)
    wait_idle(page)
    assert status(page).startswith("Done")
    losses = page.evaluate(f"() => {GRAPH}.data.find(t => t.name === 'network').y.length")
    assert losses == int(AFTER_CANCEL_STEPS) + 1


def plan_says(page, text):
    page.wait_for_function(f"() => document.getElementById('{ids.NETWORKS_PLAN}').innerText"
                           f".includes({text!r})", timeout=TIMEOUT_MS)


def test_typed_inputs_say_what_is_wrong_and_what_is_allowed(page, networks_url):
    """A fractional depth reaches the server (no browser step) and is rounded with a
    note; an empty width is refused with its range; both in the plan line."""
    open_page(page, networks_url + "?large=1", {"width": 1366, "height": 768}, PAGE_MS)
    page.locator(".tab", has_text="Real networks").first.click()
    page.fill(f"#{ids.NETWORKS_DEPTH}", "2.5")
    page.press(f"#{ids.NETWORKS_DEPTH}", "Enter")
    plan_says(page, "(depth must be a whole number: 2.5 rounded to 2)")
    page.fill(f"#{ids.NETWORKS_WIDTH}", "")
    page.press(f"#{ids.NETWORKS_WIDTH}", "Enter")
    plan_says(page, "⚠ width is empty: enter an integer from 2 to 512 — nothing will run.")
    assert page.locator(f"#{ids.NETWORKS_PLAN}").is_visible()
    # the learning rate is ηλ₀ᴴ, never a bare c (c is η/η_c in every other view)
    page.fill(f"#{ids.NETWORKS_WIDTH}", "64")
    page.press(f"#{ids.NETWORKS_WIDTH}", "Enter")
    plan_says(page, "ηλ₀ᴴ = 1.5")
    text = page.locator(".networks-view").inner_text()
    assert "ηλ₀ᴴ" in page.locator(f"#{ids.NETWORKS_LR_MODE}").inner_text()
    assert not re.search(r"(?<!\w)c = ", text), text
