/*
 * What the book adds to every page (served by the site itself): keyboard, accessible names,
 * and typography around inline mathematics.
 *
 * 1. Arrow keys turn the page only when no control has focus. The theme's own
 *    `navigation_with_keys` catches ArrowLeft/ArrowRight everywhere, so a reader who moves a
 *    focused explorer slider with the keyboard would be taken to the next page. The book turns
 *    that option off and uses this instead: with the focus on the page itself (nothing focused,
 *    or the body), ArrowLeft/ArrowRight follow the previous/next links; with the focus on a
 *    slider, input, button, link or widget, the key belongs to that control.
 * 2. Accessible names: the theme's search button, its colour-mode button (through its icons'
 *    titles) and myst-nb's "Show code cell source" toggles carry an aria-label that does not
 *    contain their visible text (WCAG 2.5.3, "label in name"): they are named by their text.
 *    Widget sliders have no name at all: they are named by their widget's label.
 * 3. sphinxcontrib-bibtex marks its citation list role="list" without list items.
 * 4. Punctuation right after inline mathematics (", . ; :" ...) stays on the formula's line:
 *    the formula and the punctuation are wrapped in a no-break span once MathJax has typeset.
 */
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    var el = document.activeElement;
    if (el && el !== document.body && el !== document.documentElement) return;
    var a = document.querySelector(e.key === "ArrowLeft" ? "a.left-prev" : "a.right-next");
    if (a && a.href) {
      e.preventDefault();
      window.location.href = a.href;
    }
  });

  function visibleText(el) {
    return (el.innerText || "").replace(/\s+/g, " ").trim();
  }

  function labelInName(root) {
    // Decorative icons with a title give the colour-mode button a "visible" text ("Light").
    root.querySelectorAll(".theme-switch-button [title], .theme-switch-button title")
      .forEach(function (i) {
        if (i.tagName.toLowerCase() === "title") { i.remove(); return; }
        i.removeAttribute("title");
      });
    root.querySelectorAll(".theme-switch-button i, .theme-switch-button svg").forEach(function (i) {
      i.setAttribute("aria-hidden", "true");
      i.removeAttribute("role");
      i.removeAttribute("aria-labelledby");
    });
    // A button, link or summary whose aria-label hides its visible text: name it by its text.
    root.querySelectorAll("button[aria-label], a[aria-label], summary[aria-label]")
      .forEach(function (el) {
        var text = visibleText(el), label = el.getAttribute("aria-label") || "";
        if (text && label.toLowerCase().indexOf(text.toLowerCase()) < 0) {
          el.removeAttribute("aria-label");
        }
      });
  }

  // The sidebar's expand toggles (pages with sub-pages) are icon-only <summary> elements.
  function navToggleNames(root) {
    root.querySelectorAll(".bd-sidenav details > summary").forEach(function (sm) {
      if (visibleText(sm) || sm.getAttribute("aria-label")) return;
      var link = sm.parentElement.parentElement.querySelector(":scope > a");
      var page = link ? visibleText(link) : "";
      sm.setAttribute("aria-label", page ? "Sub-pages of " + page : "Sub-pages");
    });
  }

  function widgetNames(root) {
    root.querySelectorAll(".widget-slider, .widget-hslider, .widget-vslider").forEach(function (w) {
      var lab = w.querySelector(".widget-label");
      var name = lab ? visibleText(lab) : "";
      w.querySelectorAll(".noUi-handle, input[type=range]").forEach(function (h) {
        if (name && !h.getAttribute("aria-label")) h.setAttribute("aria-label", name);
      });
    });
  }

  function citationList(root) {
    root.querySelectorAll('.citation-list[role="list"]').forEach(function (list) {
      Array.prototype.forEach.call(list.children, function (c) {
        if (!c.getAttribute("role") || c.getAttribute("role") === "doc-biblioentry") {
          c.setAttribute("role", "listitem");
        }
      });
    });
  }

  var PUNCT = /^[.,;:!?)\]\u2019\u201d]+/;

  function keepPunctuation(root) {
    root.querySelectorAll("mjx-container:not([display='true'])").forEach(function (c) {
      var m = c.parentElement && c.parentElement.matches("span.math") ? c.parentElement : c;
      var next = m.nextSibling;
      if (!next || next.nodeType !== 3 || m.parentElement.classList.contains("pgbook-nobr")) return;
      var hit = PUNCT.exec(next.textContent);
      if (!hit) return;
      var span = document.createElement("span");
      span.className = "pgbook-nobr";
      m.parentNode.insertBefore(span, m);
      span.appendChild(m);
      span.appendChild(document.createTextNode(hit[0]));
      next.textContent = next.textContent.slice(hit[0].length);
    });
  }

  function afterMath() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(function () { keepPunctuation(document); });
    }
  }

  function fixAll() {
    labelInName(document);
    navToggleNames(document);
    widgetNames(document);
    citationList(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixAll);
  } else {
    fixAll();
  }
  window.addEventListener("load", afterMath);
  // Widgets render after load (and the colour-mode button relabels itself): fix again on change.
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fixAll(); });
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["aria-label"] });
})();
