// Shared by the assets that hook the views' graphs (namespace window.labGraphs).
// Dash makes each graph when its tab is shown and makes it again when the tab
// comes back: `watch(fn)` calls fn after the page's elements change, at most
// once a frame, so fn can find the graphs and hook the new ones.  One observer
// of the page serves every watcher.
// (Dash loads app/assets in name order: the files that call watch() at load
// time come after this one.)
window.labGraphs = (function () {
    const watchers = [];
    let looking = false;
    new MutationObserver(() => {
        if (looking) return;
        looking = true;
        requestAnimationFrame(() => { looking = false; watchers.forEach(fn => fn()); });
    }).observe(document.documentElement, {childList: true, subtree: true});
    return {watch: function (fn) { watchers.push(fn); }};
})();
