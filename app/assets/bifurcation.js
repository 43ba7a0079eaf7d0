/* Clientside callbacks of the Bifurcation view (dash.ClientsideFunction("bifurcation", …)). */
window.dash_clientside = Object.assign({}, window.dash_clientside);

(function () {
    /* A click is passed on after DOUBLE_CLICK_MS unless a zoom reset (a
       double-click, which Plotly also reports as clicks) came after it.
       Without this the click's η change recomputes the diagram in the zoomed
       window and, answering last, undoes the reset. */
    const DOUBLE_CLICK_MS = 400;

    window.dash_clientside.bifurcation = {
        /* Pass on zoom/pan/reset events of the η axis and of the two diagram
           rows (their image is re-binned for the new value range); drop the
           rest (autosize, legend clicks, the exponent row), which need no
           recomputation.  A reset is timestamped for click_filter. */
        zoom_filter: function (r) {
            const nu = window.dash_clientside.no_update;
            if (!r || typeof r !== "object") return nu;
            if (Object.keys(r).some(k => /autorange/.test(k))) {
                window.__bifurcationResetAt = Date.now();
            }
            return Object.keys(r).some(k => /^(xaxis|yaxis2?)\.(range|autorange)/.test(k))
                ? r : nu;
        },

        click_filter: async function (click) {
            const nu = window.dash_clientside.no_update;
            if (!click) return nu;
            const t = Date.now();
            await new Promise(done => setTimeout(done, DOUBLE_CLICK_MS));
            return (window.__bifurcationResetAt || 0) >= t - 50 ? nu : click;
        },
    };
})();
