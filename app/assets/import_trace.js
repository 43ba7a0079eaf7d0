// Clientside callback of the Import view (namespace "import_trace"); the Python
// side names it with dash.ClientsideFunction("import_trace", "size_check").
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
    },
});
