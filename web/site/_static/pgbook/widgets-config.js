/*
 * Loaded on widget pages after require.js and before the Jupyter widgets HTML manager.
 *
 * 1. Points require.js at the files this site serves itself (web/package-lock.json pins them), so
 *    the manager finds `anywidget` (the exercises' front end) locally and never asks a CDN. The
 *    base URL is computed from this script's own URL, so pages in sub-folders work too. The
 *    manager also loads its fonts relative to this base, from
 *    <base>/@jupyter-widgets/html-manager/dist/.
 * 2. html-manager 1.0.x still calls MathJax 2's `MathJax.Hub.Queue`; the book uses MathJax 3.
 *    A small shim maps those calls onto MathJax 3's typesetting, whenever MathJax is (re)defined.
 */
(function () {
  "use strict";
  var me = document.currentScript && document.currentScript.src;
  var base = me ? new URL("vendor/", me).href : "_static/pgbook/vendor/";
  if (window.require && window.require.config) {
    window.require.config({
      baseUrl: base,
      paths: { anywidget: base + "anywidget/dist/index" },
    });
  }

  function hub() {
    return {
      Queue: function () {
        var els = [];
        for (var i = 0; i < arguments.length; i++) {
          var a = arguments[i];
          if (Array.isArray(a)) {
            for (var j = 0; j < a.length; j++) if (a[j] instanceof Element) els.push(a[j]);
          }
        }
        var mj = window.MathJax;
        if (mj && typeof mj.typesetPromise === "function") {
          var run = function () { return mj.typesetPromise(els.length ? els : undefined); };
          (mj.startup && mj.startup.promise ? mj.startup.promise.then(run) : run())
            .catch(function (e) { console.warn("MathJax typeset failed:", e); });
        }
      },
    };
  }
  var current = window.MathJax;
  function withHub(obj) {
    if (obj && typeof obj === "object" && !obj.Hub) {
      try { obj.Hub = hub(); } catch (e) { /* frozen object: leave it */ }
    }
    return obj;
  }
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true,
      get: function () { return current; },
      set: function (v) { current = withHub(v); },
    });
  } catch (e) { /* property not configurable: best effort below */ }
  window.MathJax = withHub(current || {});
})();
