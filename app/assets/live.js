// The sliders drive the phase plane live (namespace "live").
//
// Every slider reports each move (updatemode="drag").  Sending each move to
// the server would not work: the Dash renderer drops the answer of a request
// when the same callback fires again before it returns, so during a drag no
// answer would ever be drawn.  The gate below keeps at most one plane request
// of a slider in flight: a move while one is in flight only replaces the
// pending value (stale values are dropped, never queued), and the pending
// value is sent when the plane's answer arrives (store "plane-done", written
// by every answer).  When the gesture is over (pointer released, nothing in
// flight or pending) the last value is sent once more, marked final: the
// server then writes the URL (one history entry per gesture, not per frame)
// and the time series' state.  A value typed meanwhile ends the gesture.
//
// Values go to the server through the store "slider-live" with set_props:
// a callback's own output could not trigger the plane callback, which the
// renderer would prune as circular (the plane wrote "plane-done").
(function () {
    const LIVE = "slider-live";
    // A request with no answer after this long (a lost connection) no longer
    // holds the gate.
    const STUCK_MS = 4000;
    // Quiet time after the last answer before the gesture counts as over
    // (arrow keys pressed in a burst make one gesture).
    const SETTLE_MS = 120;
    // Times a superseded final message is sent again before the gate gives up.
    const FINAL_RETRIES = 3;
    // Time after a release at which the handle's value is checked against the
    // last value sent, and again after each final answer.
    const RECONCILE_MS = 400;
    const RECONCILE_RTOL = 5e-3;

    const gate = {
        busy: false,      // a live value is in flight
        watchdog: null,
        n: 0,             // counter of the messages sent
        pending: null,    // {key, value}: the latest move not sent yet
        moved: false,     // a value was sent since the last final message
        last: null,       // {key, value}: the latest value sent
        final: null,      // counter of the final message in flight
        sent: {},         // slider id -> values sent during this gesture
        held: false,      // the pointer is down on a slider
        timer: null,
        retries: 0,       // final messages sent again in this gesture
    };

    // A request with no answer (a lost connection, a dropped request) must
    // not hold a pending value forever.
    function watch() {
        const n = gate.n;
        clearTimeout(gate.watchdog);
        gate.watchdog = setTimeout(function () {
            if (gate.busy && gate.n === n) done(null);
        }, STUCK_MS);
    }

    function send(key, value) {
        gate.n += 1;
        watch();
        gate.busy = true;
        gate.moved = true;
        gate.last = {key: key, value: value};
        (gate.sent[key] = gate.sent[key] || []).push(value);
        window.dash_clientside.set_props(LIVE, {data: {key: key, value: value, n: gate.n}});
    }

    // The end of a gesture: the last value again, marked final (the request
    // that carried it may have been cancelled by a later one, with its answer).
    function sendFinal() {
        gate.n += 1;
        watch();
        gate.busy = true;
        gate.moved = false;
        gate.final = gate.n;
        window.dash_clientside.set_props(LIVE, {data: {
            key: gate.last.key, value: gate.last.value, n: gate.n, final: true}});
    }

    // A value typed into the gesture's slider (or set by navigation) takes over.
    function abandon() {
        clearTimeout(gate.timer);
        gate.pending = null;
        gate.moved = false;
        gate.last = null;
        gate.sent = {};
    }

    function settleLater() {
        clearTimeout(gate.timer);
        gate.timer = setTimeout(settle, SETTLE_MS);
    }

    function settle() {
        if (gate.busy || gate.pending || gate.held || !gate.moved || !gate.last) return;
        // the slider reports a drag's moves throttled: the handle may rest on
        // a value it has not reported yet.  Send that one first, so the final
        // message (and the gesture's one history entry) carries it.
        const v = drifted();
        if (v !== null) { offer(gate.last.key, v); return; }
        sendFinal();
    }

    function offer(key, value) {
        clearTimeout(gate.timer);
        if (gate.busy) {
            gate.pending = {key: key, value: value};
            return;
        }
        gate.pending = null;
        send(key, value);
    }

    function done(answer) {
        gate.busy = false;
        if (gate.pending) {
            const p = gate.pending;
            gate.pending = null;
            send(p.key, p.value);
        } else if (gate.moved) {
            settleLater();
        } else if (gate.final !== null) {
            if (answer && answer.n === gate.final) {
                gate.final = null;
                gate.retries = 0;
                const last = gate.last;
                reconcile();
                if (!gate.busy && gate.last === last) gate.sent = {};   // the gesture is over
            } else if (gate.last && gate.retries < FINAL_RETRIES) {
                // another trigger of the plane callback (an echo, the URL)
                // superseded the final message, and the renderer dropped its
                // answer: the plane may show an older value, so send it again
                gate.retries += 1;
                sendFinal();
            } else {
                gate.final = null;
                gate.retries = 0;
            }
        }
    }

    // Is `val` (written into a slider's typed input) the server's echo of a
    // value this gesture sent (any of them: the answer to an earlier value may
    // be applied after the next one was sent), or is the slider ahead anyway?
    function isEcho(key, val) {
        if (gate.pending && gate.pending.key === key) return true;
        return (gate.sent[key] || []).some(
            s => Math.abs(val - s) <= 1e-6 * Math.max(Math.abs(s), 1e-12));
    }

    function onSlider(target) {
        return !!(target && target.closest && target.closest(".control-slider"));
    }
    document.addEventListener("pointerdown", function (e) {
        if (onSlider(e.target)) gate.held = true;
    }, true);
    // The value under the slider's handle now (its aria-valuenow, as the
    // slider reports it), or null.
    function handleValue(key) {
        const spec = (gate.specs || {})[key];
        const el = document.querySelector("#" + key + " [role=slider]");
        const pos = el ? Number(el.getAttribute("aria-valuenow")) : NaN;
        if (!spec || !isFinite(pos)) return null;
        return valueAt(spec, pos);
    }

    // The value of a slider position: 10**position rounded to 3 significant
    // digits on log sliders, a whole number on the sliders of whole numbers
    // (steps, n: a value that is not whole is then one typed, and the server
    // says it rounded it).
    function valueAt(spec, pos) {
        const v = spec.log ? Number(Math.pow(10, pos).toPrecision(3)) : pos;
        return spec.integer ? Math.round(v) : v;
    }

    // After the gesture: if the handle rests on a value the plane was never
    // sent (its last move was lost between two answers), send that value.
    function reconcile() {
        if (!gate.last || gate.held) return;
        const v = drifted();
        if (v === null) return;
        gate.retries = 0;
        offer(gate.last.key, v);
    }

    // The value under the handle of the gesture's slider when it is not the
    // last value sent, else null.  The handle's aria value may be rounded
    // apart from the value sent: only a different slider position (≥ one
    // step of 3 digits) counts.
    function drifted() {
        const v = gate.last ? handleValue(gate.last.key) : null;
        if (v === null || Math.abs(v - gate.last.value) <= RECONCILE_RTOL * Math.abs(v)) return null;
        return v;
    }

    function release() {
        if (!gate.held) return;
        gate.held = false;
        if (!gate.busy && !gate.pending) settleLater();
        setTimeout(reconcile, RECONCILE_MS);
    }
    document.addEventListener("pointerup", release, true);
    document.addEventListener("pointercancel", release, true);

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        live: {
            // A slider and its typed input.  Slider → server: its value
            // (valueAt), through the gate.  Typed input → slider:
            // log10(value), clamped to the slider, unless it is the echo of
            // a value the slider sent.
            // Anything that is not a finite (positive, on log sliders)
            // number leaves the slider alone: the server reports it.
            // `specs` maps each slider id to {log, lo, hi, integer}.
            slider_sync: function (pos, val, specs) {
                const nu = window.dash_clientside.no_update;
                const ctx = window.dash_clientside.callback_context;
                const trig = ((ctx.triggered || [])[0] || {}).prop_id || "";
                const id = trig.replace(/\.value$/, "");
                const fromSlider = !id.endsWith("-input");
                const key = fromSlider ? id : id.replace(/-input$/, "");
                gate.specs = specs || gate.specs;
                const spec = (specs || {})[key];
                if (!spec) return nu;
                if (fromSlider) {
                    if (typeof pos !== "number" || !isFinite(pos)) return nu;
                    offer(key, valueAt(spec, pos));
                    return nu;
                }
                if (typeof val !== "number" || !isFinite(val) || (spec.log && val <= 0)) return nu;
                if (isEcho(key, val)) return nu;
                // a new value for the slider of the gesture: typed, or navigation
                if (gate.last && gate.last.key === key) abandon();
                let p = spec.log ? Math.round(Math.log10(val) * 1e4) / 1e4 : val;
                p = Math.min(Math.max(p, spec.lo), spec.hi);
                return p === pos ? nu : p;
            },

            // Every answer of the phase plane frees the gate.
            plane_done: function (answer) {
                done(answer);
                return window.dash_clientside.no_update;
            },
        },
    });
})();
