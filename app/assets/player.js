// The trajectory player (namespace "player"; the Python side is
// app/views/phase_plane/player.py).
//
// The selected trajectory's states arrive once in the store "player-data"
// ({key, df, lam, color, label, tail}).  Playing runs on requestAnimationFrame
// and moves a few SVG elements of an overlay laid over each graph's plot area,
// placed with the graph's own axes (Plotly's xaxis/yaxis l2p): on the phase
// plane the current state (circle.player-marker) and the states before it,
// fading (circle.player-tail, line.player-tail); on the time series a vertical
// line at the step across both panels (line.player-cursor).  Each element
// carries data-step (and data-df, data-lam).  No request, no Plotly call and
// no re-render per frame: a Plotly.relayout of shapes would make dcc.Graph
// write the shapes back into its figure, and that re-renders the whole graph.
// The overlay is placed again after every redraw of a graph (zoom, pan, a new
// figure) from its plotly_afterplot / plotly_relayouting events.  After each
// draw of the series, the line under it (#series-range) says which steps it
// shows.
(function () {
    "use strict";
    const PLANE = "phase-plane", SERIES = "timeseries", RANGE = "series-range",
          NS = "http://www.w3.org/2000/svg";
    // Up to EXACT states per second every state is drawn, one per frame at most
    // (a slow browser plays slower rather than skip: a skipped state could hide
    // a period-2 orbit); faster, the player keeps time and skips states.
    const EXACT = 60;
    const P = {data: null, key: null, step: 0, active: false, playing: false, speed: 10,
               t0: 0, s0: 0, raf: 0};

    function plot(id) { return document.querySelector("#" + id + " .js-plotly-plot"); }
    function last() { return P.data ? P.data.df.length - 1 : -1; }
    function large() {
        const root = document.getElementById("app-root");
        return !!(root && root.classList.contains("large"));
    }
    function el(tag, attrs, parent) {
        const e = document.createElementNS(NS, tag);
        for (const k in attrs) e.setAttribute(k, attrs[k]);
        if (parent) parent.appendChild(e);
        return e;
    }
    function set(e, attrs) { for (const k in attrs) e.setAttribute(k, attrs[k]); }

    // The overlay of a graph: an <svg> over its plot area (which clips it), kept
    // as the last child of Plotly's container so it stays on top.
    function overlay(g, cls) {
        const box = g && g.querySelector(".svg-container");
        if (!box || !g._fullLayout || !g._fullLayout._size) return null;
        let svg = box.querySelector(":scope > svg.player-overlay");
        if (!svg) svg = el("svg", {"class": "player-overlay " + cls, "aria-hidden": "true"}, box);
        else if (svg !== box.lastElementChild) box.appendChild(svg);
        const s = g._fullLayout._size;
        set(svg, {x: 0, y: 0, width: s.w, height: s.h,
                  style: `position:absolute;left:${s.l}px;top:${s.t}px;width:${s.w}px;` +
                         `height:${s.h}px;overflow:hidden;pointer-events:none`});
        return svg;
    }
    // Pixel position in the overlay of a value on an axis (null when off-axis
    // or the axis is not ready).
    function px(ax, v, start) {
        if (!ax || typeof ax.l2p !== "function" || typeof v !== "number") return null;
        const p = ax._offset + ax.l2p(ax.type === "log" ? Math.log10(v) : v) - start;
        return isFinite(p) ? p : null;
    }

    function drawPlane() {
        const g = plot(PLANE), svg = overlay(g, "player-plane");
        if (!svg) return;
        while (svg.firstChild) svg.removeChild(svg.firstChild);
        if (!P.active || !P.data) return;
        const fl = g._fullLayout, s = fl._size, xa = fl.xaxis, ya = fl.yaxis;
        const d = P.data, k = P.step, tail = Math.max(0, d.tail | 0), big = large();
        const at = j => [px(xa, d.df[j], s.l), px(ya, d.lam[j], s.t)];
        for (let j = Math.max(0, k - tail); j < k; j++) {
            // age 1 (just before the current state) … tail: opacity falls linearly
            const op = (0.85 * (1 - (k - j - 1) / (tail + 1))).toFixed(3);
            const [x0, y0] = at(j), [x1, y1] = at(j + 1);
            if (x0 === null || y0 === null || x1 === null || y1 === null) continue;
            el("line", {"class": "player-tail", x1: x0, y1: y0, x2: x1, y2: y1, opacity: op,
                        stroke: d.color, "stroke-width": big ? 3 : 2}, svg);
            el("circle", {"class": "player-tail", cx: x0, cy: y0, r: big ? 4 : 3, opacity: op,
                          fill: d.color, "data-step": j, "data-df": d.df[j],
                          "data-lam": d.lam[j]}, svg);
        }
        const [x, y] = at(k);
        if (x === null || y === null) return;
        el("circle", {"class": "player-marker", cx: x, cy: y, r: big ? 9 : 6.5, fill: d.color,
                      stroke: "#000000", "stroke-width": 2, "data-step": k,
                      "data-df": d.df[k], "data-lam": d.lam[k]}, svg);
    }

    // The series shows the steps until the run settles (or a zoom): a cursor
    // that leaves them widens both panels to every step, once, rather than
    // walk off the plot.  Plotly redraws the axes before relayout returns.
    function follow(g) {
        const xa = g._fullLayout.xaxis2 || g._fullLayout.xaxis, r = xa && xa.range;
        if (!P.active || !P.data || !r || typeof Plotly === "undefined") return;
        if (P.step >= Math.min(r[0], r[1]) && P.step <= Math.max(r[0], r[1])) return;
        const all = [0, Math.max(last(), 1)];
        Plotly.relayout(g, {"xaxis.range": all, "xaxis2.range": all});
    }

    // The steps the series shows, written beside the trajectory's summary
    // after every draw of the series (its figure's own range, a zoom, the
    // widening above, a double-click): its axis now, and from the figure's
    // meta the run's last step, settling step and first range.
    function stepRange(g) {
        const out = document.getElementById(RANGE), fl = g && g._fullLayout;
        if (!out || !fl) return;
        const meta = (g.layout && g.layout.meta) || {}, xa = fl.xaxis2 || fl.xaxis;
        let text = "";
        if (typeof meta.steps === "number" && xa && Array.isArray(xa.range)) {
            const m = meta.steps, lo = Math.min(...xa.range), hi = Math.max(...xa.range);
            const f = Array.isArray(meta.first) ? meta.first : [0, m];
            const a = Math.max(0, Math.ceil(lo - 1e-9)), b = Math.min(m, Math.floor(hi + 1e-9));
            const atFirst = Math.abs(lo - f[0]) + Math.abs(hi - f[1]) <= 1e-6 * Math.max(m, 1);
            const settled = typeof meta.settled === "number" ? meta.settled : null;
            if (a === 0 && b === m) text = f[1] < m ? `All ${m} steps shown.` : "";
            else text = `Steps ${a}–${b} of ${m} shown` +
                (a === 0 && settled !== null ? ` (settled by step ${settled})` : "") +
                (atFirst ? ": double-click the time series for all." : ".");
        }
        if (out.textContent !== text) out.textContent = text;
    }

    function drawSeries() {
        const g = plot(SERIES);
        if (g && g._fullLayout) follow(g);
        const svg = overlay(g, "player-series");
        if (!svg) return;
        let line = svg.querySelector("line.player-cursor");
        const fl = g._fullLayout, xa = fl.xaxis2 || fl.xaxis;
        const x = P.active && P.data ? px(xa, P.step, fl._size.l) : null;
        if (x === null) { if (line) svg.removeChild(line); return; }
        if (!line) line = el("line", {"class": "player-cursor"}, svg);
        set(line, {x1: x, x2: x, y1: 0, y2: fl._size.h, stroke: P.data.color,
                   "stroke-width": large() ? 3 : 2, "data-step": P.step});
    }

    function readout() {
        const r = document.getElementById("player-readout");
        if (r) r.textContent = P.data ? (P.active ? P.step : 0) + " / " + last() : "";
        const play = document.getElementById("player-play");
        if (play) play.setAttribute("aria-pressed", P.playing ? "true" : "false");
    }

    // Everything in one task: the marker, the cursor and the read-out agree.
    function render() {
        hook(plot(PLANE)); hook(plot(SERIES));
        drawPlane(); drawSeries(); readout();
    }

    // A redraw of a graph (zoom, pan, resize, a new figure) moves its axes.
    function hook(g) {
        if (!g || g.__playerHooked || typeof g.on !== "function") return;
        g.__playerHooked = true;
        const again = () => { if (P.active) render(); };
        g.on("plotly_afterplot", again);
        g.on("plotly_relayouting", again);
        const series = document.getElementById(SERIES);
        if (series && series.contains(g)) {
            g.on("plotly_afterplot", () => stepRange(g));
            stepRange(g);               // hooked after its first draw
        }
        const box = document.getElementById(PLANE);
        if (box && box.contains(g)) {
            // the plane takes the keyboard focus when pressed (space plays)
            if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
            box.addEventListener("pointerdown", () => box.focus({preventScroll: true}));
        }
    }

    function tick(now) {
        P.raf = 0;
        if (!P.playing || !P.data) return;
        // (a frame's timestamp may precede the press that started the run)
        let target = P.s0 + Math.max(0, Math.floor((now - P.t0) * P.speed / 1000));
        if (P.speed <= EXACT && target > P.step + 1) {
            target = P.step + 1;
            P.s0 = target; P.t0 = now;
        }
        target = Math.min(last(), target);
        if (target !== P.step) { P.step = target; render(); }
        if (P.step >= last()) { P.playing = false; readout(); return; }
        P.raf = requestAnimationFrame(tick);
    }

    function play() {
        if (!P.data || last() < 1) return;
        if (!P.active || P.step >= last()) P.step = 0;
        P.active = true; P.playing = true;
        P.t0 = performance.now(); P.s0 = P.step;
        render();
        if (!P.raf) P.raf = requestAnimationFrame(tick);
    }
    function pause() {
        P.playing = false;
        if (P.raf) { cancelAnimationFrame(P.raf); P.raf = 0; }
        readout();
    }
    function step() {
        if (!P.data) return;
        pause();
        if (!P.active) { P.active = true; P.step = 0; }
        P.step = Math.min(last(), P.step + 1);
        render();
    }
    function reset() {
        if (!P.data) return;
        pause();
        P.active = true; P.step = 0;
        render();
    }
    function load(data) {
        const ok = data && Array.isArray(data.df) && Array.isArray(data.lam) &&
            data.df.length > 0 && data.df.length === data.lam.length;
        const key = ok ? String(data.key) : null;
        P.data = ok ? data : null;
        if (key !== P.key) {           // another trajectory: stop and hide
            P.key = key;
            pause();
            P.active = false; P.step = 0;
        }
        P.step = Math.min(P.step, Math.max(0, last()));
        render();
    }
    function setSpeed(v) {
        const s = Number(v);
        if (!isFinite(s) || s <= 0) return;
        if (P.playing) { P.s0 = P.step; P.t0 = performance.now(); }
        P.speed = s;
    }

    // The phase plane's tab is unmounted while another tab is open: when its
    // graphs come back (new elements), hook them and draw the player again.
    window.labGraphs.watch(() => {
        const a = plot(PLANE), b = plot(SERIES);
        if ((a && !a.__playerHooked) || (b && !b.__playerHooked)) render();
    });

    document.addEventListener("keydown", e => {
        if (e.key !== " " && e.code !== "Space") return;
        const box = document.getElementById(PLANE), a = document.activeElement;
        if (!box || !a || !(a === box || box.contains(a))) return;
        e.preventDefault();
        if (P.playing) pause(); else play();
    });

    const api = {
        // Buttons, speed and the store: one entry point, dispatched on the trigger.
        control: function (play_, pause_, step_, reset_, speed, data) {
            const trig = window.dash_clientside.callback_context.triggered_id || "";
            setSpeed(speed);
            if (trig === "player-data" || (P.data === null && data)) load(data);
            if (trig === "player-play") play();
            else if (trig === "player-pause") pause();
            else if (trig === "player-step") step();
            else if (trig === "player-reset") reset();
            return window.dash_clientside.no_update;
        },
        // A graph got a new figure: once it is drawn, place the overlay again.
        redraw: function () {
            requestAnimationFrame(render);
            return window.dash_clientside.no_update;
        },
    };
    window.dash_clientside = Object.assign({}, window.dash_clientside, {player: api});
    // for the console: the player's state (read only)
    window.labPlayer = {state: () => ({step: P.step, active: P.active, playing: P.playing,
                                       speed: P.speed, states: last() + 1})};
})();
