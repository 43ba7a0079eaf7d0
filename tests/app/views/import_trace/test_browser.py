"""The Import view in headless Chromium: bad files are refused with their
message (a too large one in the browser itself), a good one is drawn on the
phase plane and the time series, and Clear removes it.  The app is served
from a thread (tests/app/conftest.py)."""

import pytest

from app.core import ids

from ...conftest import PLOT, VIEWPORT

pytestmark = pytest.mark.browser

#: Milliseconds a condition may take: the first paint of the plane and the first
#: upload wait behind every view's first computation, long on a loaded machine
#: (waits end as soon as the condition holds).
TIMEOUT_MS = 60_000

SERIES = "document.querySelector('#timeseries .js-plotly-plot')"


def open_page(page, url):
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && "
                           "g.data.length > 5; }", timeout=TIMEOUT_MS)


def open_tab(page, label):
    page.locator(".tab", has_text=label).first.click()


def wait_message(page, element_id, text):
    page.wait_for_function(f"() => {{ const e = document.getElementById({element_id!r}); "
                           f"return e && e.innerText.includes({text!r}); }}", timeout=TIMEOUT_MS)


CSV = ("step,df,lam,lam_h\n" + "\n".join(f"{t},{-2 + 0.01 * t},{0.5 + 0.004 * t},"
                                         f"{0.6 + 0.004 * t}" for t in range(200)) + "\n")


def test_upload_draws_the_imported_trace_and_clear_removes_it(page, app_url):
    open_page(page, app_url)
    open_tab(page, "Import")
    upload = f"#{ids.IMPORT_UPLOAD} input[type=file]"
    page.set_input_files(upload, files=[{"name": "bad.csv", "mimeType": "text/csv",
                                         "buffer": b"a,b,c\n1,2,3\n"}])
    wait_message(page, ids.IMPORT_STATUS, "missing step, df, lam")
    # a file larger than the server accepts is refused in the browser, with a message
    big = b"step,df,lam\n" + b"0,0,0\n" * 250_000
    page.set_input_files(upload, files=[{"name": "big.csv", "mimeType": "text/csv",
                                         "buffer": big}])
    wait_message(page, ids.IMPORT_STATUS, "larger than this server's limit")
    page.set_input_files(upload, files=[{"name": "run.csv", "mimeType": "text/csv",
                                         "buffer": CSV.encode()}])
    # the view switches to the phase plane, which shows the trace; so does the time series
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data.some(t => "
                           "t.name === 'imported: run.csv'); }", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {{ const g = {SERIES}; return g && g.data.some(t => "
                           "t.name === 'λ, trace'); }", timeout=TIMEOUT_MS)
    n = page.evaluate(f"() => {PLOT}.data.find(t => t.name === 'imported: run.csv').x.length")
    assert n == 200
    # the trace stays when the parameters change
    page.fill("#eta-input", "0.8")
    page.press("#eta-input", "Enter")
    page.wait_for_function(f"() => {PLOT}.layout.title.text.includes('η = 0.8,')",
                           timeout=TIMEOUT_MS)
    assert page.evaluate(f"() => {PLOT}.data.some(t => t.name === 'imported: run.csv')")
    # Clear trajectories: the trace stays on both graphs, the series drawn over its steps
    page.click(f"#{ids.CLEAR}")
    page.wait_for_function(f"() => !{PLOT}.data.some(t => t.name && "
                           "t.name.startsWith('trajectory'))", timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {{ const g = {SERIES}; return g && g.data && g.data.length "
                           "&& g.data.every(t => t.name === '2/η' || t.name.endsWith(', trace')); }",
                           timeout=TIMEOUT_MS)
    lam = page.evaluate(f"() => {SERIES}.data.find(t => t.name === 'λ, trace').y")
    assert len(lam) == 200 and abs(lam[-1] - (0.5 + 0.004 * 199)) < 1e-9
    assert page.evaluate(f"() => {SERIES}._fullLayout.xaxis2.range") == [0, 199]
    assert page.evaluate(f"() => {PLOT}.data.some(t => t.name === 'imported: run.csv')")
    wait_message(page, ids.SUMMARY, "imported trace is drawn alone")
    open_tab(page, "Import")
    page.click(f"#{ids.IMPORT_CLEAR}")
    wait_message(page, ids.IMPORT_STATUS, "removed")
    open_tab(page, "Phase plane")
    page.wait_for_function(f"() => {{ const g = {PLOT}; return g && g.data && "
                           "!g.data.some(t => t.name && t.name.startsWith('imported')); }",
                           timeout=TIMEOUT_MS)
