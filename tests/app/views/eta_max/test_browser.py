"""The η_max map view in headless Chromium: what the grid input says at once
when it is wrong, before any job runs."""

import pytest

from app.core import ids
from tests.app.conftest import TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser
#: Wait for the first phase plane at the large font (a loaded 2-core machine).
PAGE_MS = 45_000


def type_grid(page, text):
    page.fill(f"#{ids.ETA_MAX_GRID}", text)
    page.press(f"#{ids.ETA_MAX_GRID}", "Enter")


def summary_is(page, text):
    page.wait_for_function(f"() => document.getElementById('{ids.ETA_MAX_SUMMARY}')"
                           f".textContent === {text!r}", timeout=TIMEOUT_MS)


def test_a_bad_grid_says_what_is_wrong_and_the_range_at_once(page, app_url):
    open_page(page, app_url + "?large=1", {"width": 1366, "height": 768}, PAGE_MS)
    page.click(f"#{ids.VIEW_TABS} >> text=η_max map")
    takes = "enter an integer from 8 to 120"
    for typed, line in (("5", f"⚠ grid = 5 is out of range: {takes}"),
                        ("1000", f"⚠ grid = 1000 is out of range: {takes}"),
                        ("12.5", f"⚠ grid = 12.5 is not a whole number: {takes}"),
                        ("", f"⚠ grid is empty: {takes}")):
        type_grid(page, typed)
        summary_is(page, line)
        assert page.locator(f"#{ids.ETA_MAX_SUMMARY}").is_visible()
    type_grid(page, "12")
    summary_is(page, "")
    # the job: its bar's label says what runs and how far, 100 % at the end
    page.click(f"#{ids.ETA_MAX_RUN}")
    label = f"document.getElementById('{ids.ETA_MAX_PROGRESS}-label').textContent"
    page.wait_for_function(f"() => {label} === 'η_max of 12×12 starts: 100 %'", timeout=60_000)
    page.wait_for_function(f"() => document.getElementById('{ids.ETA_MAX_SUMMARY}')"
                           ".textContent.includes('current η')", timeout=TIMEOUT_MS)
    assert page.locator(f"#{ids.ETA_MAX_PROGRESS}-label").is_visible()
    # the seed of the controls: 1.5 is rounded, and the plane says so
    page.fill(f"#{ids.SEED}", "1.5")
    page.press(f"#{ids.SEED}", "Enter")
    page.wait_for_function(f"() => document.getElementById('{ids.MESSAGE}').textContent"
                           ".includes('seed must be a whole number: 1.5 rounded to 2')",
                           timeout=TIMEOUT_MS)
