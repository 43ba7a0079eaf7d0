// The export format of every graph (namespace "export"; app/core/export.py).
// A dcc.Graph replots when its figure changes, not when only its config
// does: writing `config` alone would apply PNG/SVG after the next
// recomputation.  So `apply` returns each graph's config with the chosen
// format (kept for later plots, and for tabs mounted later) and also sets the
// format on the plot already drawn, which is what the modebar's camera reads.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    export: {
        apply: function (fmt) {
            const format = fmt === "svg" ? "svg" : "png";
            const configs = Array.prototype.slice.call(arguments, 1);
            const ctx = window.dash_clientside.callback_context || {};
            const outs = [].concat(ctx.outputs_list || []);
            return configs.map(function (cfg, i) {
                const base = cfg && typeof cfg === "object" ? cfg : {};
                const opts = Object.assign({}, base.toImageButtonOptions, {format: format});
                const id = outs[i] && outs[i].id;
                const host = typeof id === "string" ? document.getElementById(id) : null;
                const gd = host && host.querySelector(".js-plotly-plot");
                if (gd && gd._context) {
                    gd._context.toImageButtonOptions = Object.assign(
                        {}, gd._context.toImageButtonOptions, {format: format});
                }
                return Object.assign({}, base, {toImageButtonOptions: opts});
            });
        },
    },
});
