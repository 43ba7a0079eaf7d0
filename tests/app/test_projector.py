"""Every view fits the projector's screens: geometry checked in headless Chromium.

Parametrised over the screens a lecture meets (:data:`SIZES`) × normal and
large font (``?large=1``, the projector mode) × every tab.  For each case the
page is measured and a screenshot is kept (``tmp_path``) for a failing case:

(a) no two visible text-bearing or control elements overlap — HTML labels,
    inputs, buttons, tab labels, headings, text blocks, graph containers, and
    inside each graph Plotly's own title, axis titles, tick labels, legend,
    annotations and colour bar; an element may lie inside its DOM ancestor;
(b) the main graph takes at least :data:`MAIN_FRACTION` of the viewport, its
    plotting area at least :data:`PLOT_IN_GRAPH` of the graph (so neither a
    legend nor margins eat it), and every panel of every graph is at least
    :data:`MIN_PANEL` of the viewport's height tall and wide;
(c) the document does not scroll; an element that scrolls is a marked
    ``scroll-region`` (a scroll cue is drawn), and only the left panel, the
    Real networks view's column of controls and the views that are lists
    (Presets, Import's formats) have one;
(d) no text is clipped: text blocks fit their boxes, everything lies in the
    viewport (or in a scroll region) and Plotly's texts lie in their graph,
    and no Plotly legend needs its own scrollbar.

Cheap by construction: one server and one page for the module, cases ordered
so that a case changes only the tab (a click), the viewport size or the font
(one navigation), and every wait is on a condition.
"""

from __future__ import annotations

import os

import pytest

from .conftest import INTRO_SEEN_SCRIPT, TIMEOUT_MS

#: The first page of the module may wait for the kernels' first calls.
FIRST_LOAD_MS = 90_000

pytestmark = pytest.mark.browser

#: The screens: a projector's 1280×720 and 1366×768, and a laptop's 1440×900.
SIZES = ((1280, 720), (1366, 768), (1440, 900))

#: Tab value → the id of the view's main graph (None: a view without one).
VIEWS = {
    "phase-plane-tab": "phase-plane",
    "bifurcation": "bifurcation-graph",
    "universality": "universality-graph",
    "fate-map-tab": "fate-map",
    "presets-tab": None,
    "import-tab": None,
    "eta-max-tab": "eta-max-graph",
    "networks": "networks-graph",
}

#: Least share of the viewport's area taken by the main graph.  The left
#: panel (≈ 25–28 % of the width) and the header and tabs (≈ 10 % of the
#: height) leave the view ≈ 65 % of the viewport; a graph that stands alone
#: in its view keeps most of that (0.40), the plane shares its row with the
#: time series (3 : 2, so 0.30), the bifurcation diagram with the cobweb
#: (0.28), and the networks view keeps a toolbar of its many controls (0.25).
MAIN_FRACTION = {"phase-plane-tab": 0.30, "bifurcation": 0.28, "universality": 0.40,
                 "fate-map-tab": 0.40, "eta-max-tab": 0.40, "networks": 0.25}
#: Least share of a main graph's box inside its axes: legends and margins
#: (tick labels, titles) may take the rest.
PLOT_IN_GRAPH = 0.50
#: Least length of every axis of every graph, as a share of the viewport's
#: height (≈ 86 px at 720): room for three tick labels of the large font.  The
#: bifurcation diagram's outcome strip is a thin row by design and is exempt
#: (an axis whose domain spans less than :data:`STRIP_DOMAIN`).
MIN_PANEL = 0.12
STRIP_DOMAIN = 0.1
#: Largest share of a graph's box a Plotly legend may cover: the key is read
#: once, the plot all the time (the plane's legend took 0.4–0.5 before).
MAX_LEGEND = 0.20
#: Pixels two boxes may share before they count as overlapping (anti-aliased
#: text boxes of neighbours touch).
OVERLAP_PX = 2
#: Widest typed number input, in ems of its font: a number needs a dozen
#: characters at most.
NUMBER_EM = 10
#: Elements allowed to scroll inside themselves (they carry the scroll cue).
SCROLL_REGIONS = {"controls", "presets-view", "import-view", "net-side"}

_CASES = [(w, h, large, tab) for large in (False, True) for (w, h) in SIZES for tab in VIEWS]

#: JavaScript: every check of (a)–(d) at once; returns lists of violations.
MEASURE = r"""
(args) => {
  const [mainId, overlapPx, minPanel, stripDomain, regions, numberEm, maxLegend] = args;
  const vw = innerWidth, vh = innerHeight, out = {overlap: [], clip: [], scroll: [], size: {}};
  // display, visibility, opacity and the content of a closed <details>
  // (content-visibility) in one native call
  const shown = el => {
    const r = el.getBoundingClientRect();
    // a 1×1 box: a label kept for screen readers only (visually hidden)
    return r.width > 1 && r.height > 1 &&
           el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const name = el => {
    const id = el.id || (el.closest('[id]') || {}).id || '';
    const cls = (el.getAttribute('class') || '').split(' ')[0];
    const txt = (el.textContent || el.value || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()}.${cls}#${id} "${txt}"`;
  };
  const inRegion = el => (el.parentElement && el.parentElement.closest('.scroll-region')) || null;
  const html = [...document.querySelectorAll(
      'h1, h2, h3, label, button, input:not([type=hidden]), select, textarea, progress, summary, ' +
      '.tab, .control-slider, .dash-dropdown, .subtitle, .readout > span, .upload, table, ' +
      '.message, .summary, .hint, .toolbar-label, .export-label, .js-plotly-plot')]
    .filter(el => !el.closest('.js-plotly-plot') || el.classList.contains('js-plotly-plot'))
    .filter(el => (el.matches('.message, .summary, .hint') ? el.textContent.trim() : true) && shown(el));
  const svg = [];
  for (const g of document.querySelectorAll('.js-plotly-plot')) {
    if (!shown(g)) continue;
    svg.push(...[...g.querySelectorAll('.infolayer text[class*="title"], g[class$="tick"] > text, ' +
                                       'g.legend, g.annotation, g.colorbar')]
      .filter(el => shown(el) && ((el.textContent || '').trim() !== '' || el.matches('g.legend'))));
  }
  const all = [...html, ...svg].map(el => ({el, r: el.getBoundingClientRect(), region: inRegion(el)}));
  // (a) overlaps between boxes that are not ancestor and descendant
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
    const a = all[i], b = all[j];
    if (a.region !== b.region) continue;
    const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (w > overlapPx && h > overlapPx && !a.el.contains(b.el) && !b.el.contains(a.el))
      out.overlap.push(`${name(a.el)} × ${name(b.el)}`);
  }
  // (d) clipped text
  for (const {el, r, region} of all) {
    if (!region && (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1))
      out.clip.push(`${name(el)} outside the viewport`);
    if (el instanceof HTMLElement && !el.matches('.js-plotly-plot, input, select, textarea, progress, .control-slider, .dash-dropdown, table, .upload') &&
        getComputedStyle(el).display !== 'inline' && el.scrollWidth > el.clientWidth + 1)
      out.clip.push(`${name(el)} text wider than its box (${el.scrollWidth} > ${el.clientWidth})`);
    if (el.matches('button, .tab, label, .toolbar-label, .control-label') &&
        !el.matches('.dash-dropdown') && el.querySelectorAll('input').length < 2 &&
        !el.querySelector('input:not([type=checkbox]):not([type=radio]), select, textarea, .dash-dropdown')) {
      const s = getComputedStyle(el), lh = parseFloat(s.lineHeight) || 1.25 * parseFloat(s.fontSize);
      const inner = el.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
      if (inner > 1.6 * lh) out.clip.push(`${name(el)} wraps onto ${Math.round(inner / lh)} lines`);
    }
    if (el.matches('input[type=number]') && r.width > numberEm * parseFloat(getComputedStyle(el).fontSize))
      out.clip.push(`${name(el)} is ${Math.round(r.width)} px wide for a number`);
  }
  for (const el of svg) {
    const s = el.closest('.js-plotly-plot').querySelector('.main-svg').getBoundingClientRect();
    const r = el.getBoundingClientRect();
    if (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1)
      out.clip.push(`${name(el)} cut by its graph's edge`);
    if (el.matches('g.legend')) {
      const g = el.closest('.js-plotly-plot').getBoundingClientRect();
      const share = r.width * r.height / (g.width * g.height);
      if (share > maxLegend) out.size[`${name(el)} legend`] = `${share.toFixed(2)} of its graph > ${maxLegend}`;
    }
    const bar = el.matches('g.legend') && el.querySelector('.scrollbar');
    if (bar && bar.getBoundingClientRect().height > 0) out.clip.push(`${name(el)} scrolls`);
  }
  // (c) scrolling
  const doc = document.scrollingElement;
  if (doc.scrollHeight > vh + 1 || doc.scrollWidth > vw + 1)
    out.scroll.push(`the page scrolls: ${doc.scrollWidth}×${doc.scrollHeight} in ${vw}×${vh}`);
  for (const el of document.querySelectorAll('body *')) {
    // MathJax's assistive MathML is clipped on purpose (read by screen readers only)
    if (!(el instanceof HTMLElement) || el.scrollHeight <= el.clientHeight + 1 &&
        el.scrollWidth <= el.clientWidth + 1) continue;
    if (el.closest('.js-plotly-plot, mjx-assistive-mml') || !shown(el)) continue;
    const s = getComputedStyle(el);
    if (s.overflowY === 'visible' && s.overflowX === 'visible') continue;
    const allowed = el.classList.contains('scroll-region') &&
                    regions.some(c => el.classList.contains(c)) && s.overflowX !== 'scroll' &&
                    el.scrollWidth <= el.clientWidth + 1 &&
                    getComputedStyle(el).backgroundAttachment.includes('local');
    if (!allowed) out.scroll.push(`${name(el)} scrolls or cuts its content ` +
                                  `(${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight})`);
  }
  // (b) sizes
  for (const g of document.querySelectorAll('.js-plotly-plot')) {
    if (!shown(g) || !g._fullLayout) continue;
    const fl = g._fullLayout, id = g.closest('[id]').id;
    for (const ax of [...Object.keys(fl).filter(k => /^[xy]axis\d*$/.test(k))].map(k => fl[k])) {
      if (!ax || !ax._length || ax.visible === false) continue;
      const span = ax.domain ? ax.domain[1] - ax.domain[0] : 1;
      const least = minPanel * vh;
      if (span >= stripDomain && ax._length < least)
        out.size[`${id} ${ax._name}`] = `${Math.round(ax._length)} px < ${Math.round(least)} px`;
    }
  }
  const main = mainId && document.querySelector(`#${mainId} .js-plotly-plot`);
  if (main) {
    const r = main.getBoundingClientRect(), s = main._fullLayout._size;
    out.main = {graph: r.width * r.height / (vw * vh), plot: s.w * s.h / (r.width * r.height)};
  }
  return out;
}
"""

#: Milliseconds the page must keep the same boxes before it is measured.
STABLE_MS = 300

READY = """() => {
  if (document.querySelector('[data-dash-is-loading="true"], ._dash-loading')) return false;
  const graphs = [...document.querySelectorAll('.tab-content .dash-graph')];
  const sizes = [];
  const drawn = document.querySelector('.tab-content > div') && graphs.every(d => {
    const g = d.querySelector('.js-plotly-plot'), fl = g && g._fullLayout;
    if (!fl || g._transitioning || !(g.data.length || (g.layout.annotations || []).length))
      return false;
    // the graph's own box, not the plot's: after a text beside it grows (the
    // series' step line is written after each draw) Plotly resizes a moment later
    const r = d.getBoundingClientRect(), svg = g.querySelector('.main-svg');
    // and the drawing itself: Plotly sets the new size before it redraws
    const s = svg ? svg.getBoundingClientRect() : {width: -9, height: -9};
    sizes.push(Math.round(r.width), Math.round(r.height), Math.round(r.top));
    return Math.abs(fl.width - Math.round(r.width)) <= 2
               && Math.abs(fl.height - Math.round(r.height)) <= 2
               && Math.abs(s.width - r.width) <= 2 && Math.abs(s.height - r.height) <= 2;
  });
  // and the boxes have stayed as they are for a moment: a text that arrives
  // after a draw (a summary, the step line) resizes a graph once more
  const key = drawn ? sizes.join(',') + '|' + document.body.innerText.length : null;
  const now = performance.now();
  if (key === null || key !== window.__readyKey) {
    window.__readyKey = key;
    window.__readySince = now;
    return false;
  }
  return now - window.__readySince >= %d;
}""" % STABLE_MS


@pytest.fixture(scope="module")
def projector_page(browser, app_url):
    """One page for the whole module; :func:`show` moves it between cases."""
    context = browser.new_context()
    context.add_init_script(INTRO_SEEN_SCRIPT)     # a returning visitor: no introduction
    page = context.new_page()
    page.current = None
    yield page
    context.close()


def show(page, url: str, width: int, height: int, large: bool, tab: str) -> None:
    """Bring ``page`` to the case: the font by navigation, the size by a
    resize, the tab by a click on its label; then wait until it is drawn."""
    was = page.current
    if was is None or was[2] != large:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url + ("?large=1" if large else "") + ("" if tab == "phase-plane-tab" else
                                                         f"#{tab}"))
    else:
        if was[:2] != (width, height):
            page.set_viewport_size({"width": width, "height": height})
        if was[3] != tab:
            page.click(f"#view-tabs .tab:nth-child({list(VIEWS).index(tab) + 1})")
    page.current = (width, height, large, tab)
    page.wait_for_function(f"() => document.querySelector('#view-tabs .tab--selected') && "
                           f"document.querySelector('#view-tabs .tab:nth-child("
                           f"{list(VIEWS).index(tab) + 1})').classList.contains('tab--selected')",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(READY, timeout=FIRST_LOAD_MS if was is None else TIMEOUT_MS)


@pytest.mark.parametrize("width,height,large,tab", _CASES,
                         ids=[f"{w}x{h}-{'large' if lg else 'normal'}-{t}"
                              for w, h, lg, t in _CASES])
def test_view_fits_the_screen(projector_page, app_url, tmp_path, width, height, large, tab):
    page = projector_page
    show(page, app_url, width, height, large, tab)
    got = page.evaluate(MEASURE, [VIEWS[tab], OVERLAP_PX, MIN_PANEL, STRIP_DOMAIN,
                                  sorted(SCROLL_REGIONS), NUMBER_EM, MAX_LEGEND])
    problems = [f"overlap: {o}" for o in got["overlap"]]
    problems += [f"clipped: {c}" for c in got["clip"]]
    problems += [f"scroll: {s}" for s in got["scroll"]]
    problems += [f"too small: {k}: {v}" for k, v in got["size"].items()]
    if VIEWS[tab] is not None:
        main = got.get("main")
        if main is None:
            problems.append(f"the main graph #{VIEWS[tab]} is not shown")
        else:
            if main["graph"] < MAIN_FRACTION[tab]:
                problems.append(f"main graph takes {main['graph']:.2f} of the viewport "
                                f"< {MAIN_FRACTION[tab]}")
            if main["plot"] < PLOT_IN_GRAPH:
                problems.append(f"plotting area is {main['plot']:.2f} of the main graph "
                                f"< {PLOT_IN_GRAPH}")
    if problems:
        page.screenshot(path=os.path.join(tmp_path, "view.png"))
    assert not problems, "\n".join(problems)


def test_legend_box_shows_the_planes_key_inside_the_plot(projector_page, app_url):
    """The plane's key is hidden until "Legend" is ticked; shown, it lies inside
    the plotting area (it takes no margin) and goes again when unticked."""
    page = projector_page
    show(page, app_url, 1366, 768, True, "phase-plane-tab")
    key = "#phase-plane g.legend"
    assert not page.locator(key).is_visible()
    page.check("#layers input[value=legend]")
    page.locator(key).wait_for(state="visible", timeout=TIMEOUT_MS)
    box = page.locator(key).bounding_box()
    plot = page.locator("#phase-plane .nsewdrag").first.bounding_box()
    assert plot["x"] <= box["x"] and box["x"] + box["width"] <= plot["x"] + plot["width"] + 1
    assert plot["y"] <= box["y"] and box["y"] + box["height"] <= plot["y"] + plot["height"] + 1
    page.uncheck("#layers input[value=legend]")
    page.locator(key).wait_for(state="hidden", timeout=TIMEOUT_MS)


def test_help_opens_over_the_view_without_moving_the_graphs(projector_page, app_url):
    page = projector_page
    show(page, app_url, 1280, 720, True, "bifurcation")
    graph = page.locator("#bifurcation-graph").bounding_box()
    note = page.locator(".bifurcation-view .help")
    assert not note.locator(".help-text").is_visible()
    note.locator("summary").click()
    note.locator(".help-text").wait_for(state="visible", timeout=TIMEOUT_MS)
    text = note.locator(".help-text").bounding_box()
    assert page.locator("#bifurcation-graph").bounding_box() == graph
    assert text["x"] >= 0 and text["x"] + text["width"] <= 1280 and text["y"] >= 0
    note.locator("summary").click()
