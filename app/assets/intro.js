// The first-visit introduction (namespace "intro"; app/core/intro.py).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    intro: {
        // On load: open unless this browser dismissed it before (the dcc.Store
        // "intro-seen" keeps its value JSON-encoded in localStorage under its id,
        // read here directly so the answer is known before anything is shown) or
        // the URL says intro=0.  "Got it" closes and remembers; "?" reopens.
        toggle: function (closes, opens) {
            const nu = window.dash_clientside.no_update;
            const trig = window.dash_clientside.callback_context.triggered_id || "";
            if (trig === "intro-close") return ["intro hidden", true];
            if (trig === "intro-open") return ["intro", nu];
            let seen = false;
            try { seen = JSON.parse(window.localStorage.getItem("intro-seen")) === true; }
            catch (e) { seen = false; }
            const off = new URLSearchParams(window.location.search || "").get("intro") === "0";
            return [seen || off ? "intro hidden" : "intro", nu];
        },
    },
});

// Esc closes the open introduction as "Got it" does (and so is remembered).
document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    const box = document.getElementById("intro"), close = document.getElementById("intro-close");
    if (box && close && !box.classList.contains("hidden")) close.click();
});
