// A click on the phase plane or the fate map starts a trajectory at the
// pointer, not at the nearest drawn point.
//
// Plotly's plotly_click names the point under the cursor: with hovermode
// "closest" that is the nearest trace point within about 20 px (a nullcline,
// the line ηλ = 2, the last marker of a diverged run far outside the window)
// or the centre of the heatmap cell, so a click "snapped" to a curve.  A
// listener put before Dash's own (which copies the points into clickData)
// writes the pointer's data coordinates into the first point; Dash then sends
// those.  Without Plotly's event emitter (an older bundle) nothing changes.
(function () {
    "use strict";
    const GRAPHS = ["phase-plane", "fate-map"];

    function plot(id) {
        const box = document.getElementById(id);
        return box ? box.querySelector(".js-plotly-plot") : null;
    }

    // Data coordinates (linear axes) of a mouse event, or null outside the axes.
    function pointer(g, e) {
        const fl = g._fullLayout, xa = fl && fl.xaxis, ya = fl && fl.yaxis;
        const svg = g.querySelector(".main-svg");
        if (!xa || !ya || !svg || !e || typeof e.clientX !== "number") return null;
        const r = svg.getBoundingClientRect();
        const px = e.clientX - r.left - xa._offset, py = e.clientY - r.top - ya._offset;
        if (px < 0 || px > xa._length || py < 0 || py > ya._length) return null;
        const x = (xa.p2d || xa.p2l)(px), y = (ya.p2d || ya.p2l)(py);
        return isFinite(x) && isFinite(y) ? [x, y] : null;
    }

    function hook(g) {
        if (!g || g.__clickHooked || !g._ev || typeof g._ev.prependListener !== "function") return;
        g.__clickHooked = true;
        g._ev.prependListener("plotly_click", data => {
            const at = data && Array.isArray(data.points) && data.points.length
                ? pointer(g, data.event) : null;
            if (!at) return;
            // a copy: the original point is Plotly's hover state
            const first = Object.assign({}, data.points[0], {x: at[0], y: at[1]});
            data.points = [first].concat(data.points.slice(1));
        });
    }

    window.labGraphs.watch(() => GRAPHS.forEach(id => hook(plot(id))));
})();
