// Clientside callbacks of the dashboard's shell and phase plane (namespace "lab";
// the sliders' live gate is in live.js).
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

        // Pass on zoom/pan/reset relayout events of the plane, drop the rest
        // (autosize, legend clicks), which must not trigger (and cancel) a request.
        zoom_filter: function (r) {
            const nu = window.dash_clientside.no_update;
            if (!r || typeof r !== "object") return nu;
            const keep = Object.keys(r).some(k => /^[xy]axis\.(range|autorange)/.test(k));
            return keep ? r : nu;
        },

        // The state for the view on each tab (stores "state-for-<tab>"): the
        // dashboard's state while that tab is shown, unchanged while it is
        // hidden, so a hidden view sends no request when the plane changes;
        // shown again, it gets the state if that moved on meanwhile.
        // `held`: the stores' values, in the order of the outputs.
        state_for_tabs: function (state, tab, ...held) {
            const nu = window.dash_clientside.no_update;
            const outs = window.dash_clientside.callback_context.outputs_list || [];
            return outs.map(function (out, i) {
                const mine = ((out && out.id) || "").replace(/^state-for-/, "");
                return tab === mine && state !== held[i] ? state : nu;
            });
        },

        // The root's class: "app", and "large" with the large-font box ticked.
        root_class: function (large, controls) {
            const big = (large || []).indexOf("large") >= 0;
            const folded = Array.isArray(controls) && controls.indexOf("show") < 0;
            return "app" + (big ? " large" : "") + (folded ? " controls-hidden" : "");
        },

        // n_eff (its slider and its typed input) is set by the preset unless
        // the preset is "custom".
        n_eff_locked: function (preset) {
            const locked = preset !== "custom";
            return [locked, locked];
        },
    },
});
