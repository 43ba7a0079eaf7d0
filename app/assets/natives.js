// The browser's own string and number functions, back in place.
//
// Dash's page loads @babel/polyfill 7 (core-js 2) before every other script:
// the renderer needs its regeneratorRuntime.  core-js 2 tests its candidates
// against U+180E, white space before Unicode 6.3 and no longer, so in every
// current browser it replaces String.prototype.trim (and trimStart/trimEnd/
// trimLeft/trimRight), parseInt, parseFloat (global and Number.*) by versions
// built on two regular-expression replacements, and Math.sinh and
// Function.prototype.toString by wrappers.  Plotly's colour parser calls
// parseInt and trim for each colour on every redraw: the wrappers took about
// 4 ms of each phase-plane redraw in a CPU profile (docs/benchmarks.md).
//
// A fresh realm (an empty iframe, removed at once) still has the browser's
// functions; they follow the current standard, so nothing that worked changes.
(function () {
    const REPLACED = {
        "String.prototype": ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight"],
        "Number": ["parseInt", "parseFloat"],
        "Math": ["sinh"],
        "Function.prototype": ["toString"],
        "": ["parseInt", "parseFloat"],
    };
    const at = (root, path) => path.split(".").filter(Boolean).reduce((o, k) => o && o[k], root);
    const frame = document.createElement("iframe");
    frame.style.display = "none";
    document.documentElement.appendChild(frame);
    try {
        const fresh = frame.contentWindow;
        for (const [path, names] of Object.entries(REPLACED)) {
            const mine = at(window, path), theirs = at(fresh, path);
            if (!mine || !theirs) continue;
            for (const name of names) {
                if (typeof theirs[name] === "function") {
                    Object.defineProperty(mine, name, {value: theirs[name], writable: true,
                                                       configurable: true, enumerable: false});
                }
            }
        }
    } finally {
        frame.remove();
    }
})();
