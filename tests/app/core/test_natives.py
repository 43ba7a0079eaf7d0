"""The page runs on the browser's own string and number functions
(``app/assets/natives.js``), in headless Chromium.

Dash loads @babel/polyfill 7 first; its core-js 2 replaces trim, parseInt,
parseFloat and a few others in every current browser with slower wrappers,
which Plotly's colour parser calls on every redraw.
"""

import pytest

from ..conftest import open_page

pytestmark = pytest.mark.browser

#: Functions core-js 2 replaces in current Chromium (found by comparing the
#: functions of window and of the built-in objects and their prototypes with
#: those of a fresh realm).
REPLACED = ["parseInt", "parseFloat", "Number.parseInt", "Number.parseFloat",
            "String.prototype.trim", "String.prototype.trimStart", "String.prototype.trimEnd",
            "String.prototype.trimLeft", "String.prototype.trimRight", "Math.sinh",
            "Function.prototype.toString"]

#: Each name of REPLACED: is the page's function the browser's own?  Judged by
#: a fresh realm's Function.prototype.toString, which core-js cannot reach.
OWN = """(names) => {
    const frame = document.createElement('iframe');
    document.documentElement.appendChild(frame);
    const source = frame.contentWindow.Function.prototype.toString;
    const out = {};
    for (const name of names) {
        const f = name.split('.').reduce((o, k) => o[k], window);
        out[name] = typeof f === 'function' && source.call(f).includes('[native code]');
    }
    frame.remove();
    return out;
}"""


def test_the_polyfills_wrappers_are_replaced_by_the_browsers_functions(page, app_url):
    open_page(page, app_url)
    own = page.evaluate(OWN, REPLACED)
    assert all(own.values()), [k for k, v in own.items() if not v]
    # the polyfill itself stays: the renderer's lazy components need its runtime
    assert page.evaluate("() => typeof regeneratorRuntime.wrap") == "function"
    # the current standard: U+180E is no longer white space; hex and exponents parse
    assert page.evaluate("() => [' \\u180e x\\u00a0'.trim(), parseInt(' 0x16'), "
                         "parseFloat(' 1.5e3 '), Number.parseInt('08'), Math.sinh(0)]") \
        == ["\u180e x", 22, 1500, 8, 0]
