// Clientside callbacks of the dashboard's shell and phase plane (namespace "lab").
// Dash loads every file of app/assets; the Python side names these functions
// with dash.ClientsideFunction("lab", <name>).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    lab: {
        // The active view follows the URL's fragment (#bifurcation), so a copied
        // link opens the same tab and back/forward move between tabs; the first
        // tab (the phase plane) has no fragment.  `valid` lists the tab values.
        tab_hash: function (hash, tab, valid) {
            const nu = window.dash_clientside.no_update;
            const trig = window.dash_clientside.callback_context.triggered_id || "";
            if (!Array.isArray(valid) || !valid.length) return [nu, nu];
            if (trig === "view-tabs") {
                const want = tab === valid[0] ? "" : "#" + tab;
                return [(hash || "") === want ? nu : want, nu];
            }
            const name = decodeURIComponent((hash || "").replace(/^#/, ""));
            const target = valid.includes(name) ? name : valid[0];
            return [nu, target === tab ? nu : target];
        },

        // A slider and its typed input stay equal.  Slider → input: 10**position
        // rounded to 3 significant digits on log sliders.  Input → slider:
        // log10(value), clamped to the slider.  Anything that is not a finite
        // (positive, on log sliders) number leaves the other side alone: the
        // server reports it.  `specs` maps each slider id to {log, lo, hi}.
        slider_sync: function (pos, val, specs) {
            const nu = window.dash_clientside.no_update;
            const ctx = window.dash_clientside.callback_context;
            const trig = ((ctx.triggered || [])[0] || {}).prop_id || "";
            const id = trig.replace(/\.value$/, "");
            const fromSlider = !id.endsWith("-input");
            const spec = (specs || {})[fromSlider ? id : id.replace(/-input$/, "")];
            if (!spec) return [nu, nu];
            if (fromSlider) {
                if (typeof pos !== "number" || !isFinite(pos)) return [nu, nu];
                const v = spec.log ? Number(Math.pow(10, pos).toPrecision(3)) : pos;
                return [nu, v];
            }
            if (typeof val !== "number" || !isFinite(val) || (spec.log && val <= 0)) return [nu, nu];
            let p = spec.log ? Math.round(Math.log10(val) * 1e4) / 1e4 : val;
            p = Math.min(Math.max(p, spec.lo), spec.hi);
            return [p === pos ? nu : p, nu];
        },

        // Pass on zoom/pan/reset relayout events of the plane, drop the rest
        // (autosize, legend clicks), which must not trigger (and cancel) a request.
        zoom_filter: function (r) {
            const nu = window.dash_clientside.no_update;
            if (!r || typeof r !== "object") return nu;
            const keep = Object.keys(r).some(k => /^[xy]axis\.(range|autorange)/.test(k));
            return keep ? r : nu;
        },

        // The typed n_eff input follows the slider's disabled state.
        same_disabled: function (d) { return !!d; },
    },
});
