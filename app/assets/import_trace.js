// Clientside callbacks of the Import view (namespace "import_trace"); the Python
// side names them with dash.ClientsideFunction("import_trace", "size_check") and
// ("import_trace", "follow_gate").
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    import_trace: {
        // Forward an upload to the server, or refuse it here when its request
        // would be larger than the server accepts (instead of a silent 413).
        // `limit` is {max_chars: longest data URL accepted, text: the largest
        // file in words}.  Always resets the upload, so choosing the same file
        // again is a new event.
        size_check: function (contents, filename, limit) {
            const nu = window.dash_clientside.no_update;
            if (typeof contents !== "string" || !contents) return [nu, nu, nu, nu];
            const max = limit && limit.max_chars;
            if (typeof max === "number" && contents.length > max) {
                const kb = Math.round(contents.length * 0.75 / 1000);
                return [nu, "⚠ upload: file of about " + kb + " kB is larger than this "
                            + "server's limit of " + limit.text, "message error", null];
            }
            return [{contents: contents, filename: filename}, "Reading the file…", "message",
                    null];
        },
        // Decide, on each tick of the follow interval, whether to ask the server
        // whether the followed file grew: only while the page is visible and the
        // file changed in the last `followed.idle_ms` ms; after that the interval
        // is stopped (Follow starts it again).  `followed` is the server's
        // {name, sig, rows, token, idle_ms} (null: not following); `clock`
        // remembers when this browser last saw it change.  Returns [poll request,
        // interval disabled, "following: N rows, updated Xs ago", clock].
        follow_gate: function (n, followed, clock) {
            const nu = window.dash_clientside.no_update;
            if (!followed || typeof followed.name !== "string") {
                return [nu, true, "", null];
            }
            const now = Date.now();
            const key = followed.token + "|" + JSON.stringify(followed.sig);
            let c = clock, newClock = nu;
            if (!c || c.key !== key) {
                c = {key: key, at: now};
                newClock = c;
            }
            if (document.hidden) {
                // time spent hidden does not count as "no change": nothing was asked
                c = Object.assign({}, c, {seen: now});
                newClock = c;
            }
            const ago = Math.max(0, Math.round((now - c.at) / 1000));
            const idle = now - Math.max(c.at, c.seen || 0);
            const rows = followed.rows + " row" + (followed.rows === 1 ? "" : "s");
            if (idle > (followed.idle_ms || 120000)) {
                return [nu, true, "following paused: " + rows + ", no change for "
                        + Math.round(idle / 1000) + " s (press Follow to resume)", newClock];
            }
            const status = "following: " + rows + ", updated " + ago + "s ago";
            const ctx = window.dash_clientside.callback_context;
            const byTimer = ctx && ctx.triggered && ctx.triggered.some(
                (t) => t.prop_id === "import-interval.n_intervals");
            if (!byTimer || document.hidden) return [nu, false, status, newClock];
            return [{name: followed.name, sig: followed.sig, tick: n}, false, status, newClock];
        },
    },
});
