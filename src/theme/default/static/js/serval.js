// Serval default theme: dark-mode toggle, tabs, and the search page.
// Plain JavaScript, no dependencies, no network beyond the site itself.
(function () {
  "use strict";

  // Dark mode: system preference, overridden by the toggle (remembered).
  var root = document.documentElement;
  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var dark = root.dataset.theme
        ? root.dataset.theme === "dark"
        : window.matchMedia("(prefers-color-scheme: dark)").matches;
      root.dataset.theme = dark ? "light" : "dark";
      localStorage.setItem("serval-theme", root.dataset.theme);
    });
  });

  // Tabs: buttons with role=tab inside a .tab-set select their panel.
  document.querySelectorAll(".tab-set").forEach(function (set) {
    var tabs = set.querySelectorAll('[role="tab"]');
    var panels = set.querySelectorAll('[role="tabpanel"]');
    function select(i) {
      tabs.forEach(function (t, j) {
        t.setAttribute("aria-selected", String(i === j));
        t.classList.toggle("active", i === j);
      });
      panels.forEach(function (p, j) {
        p.hidden = i !== j;
        p.classList.toggle("active", i === j);
      });
    }
    var first = 0;
    tabs.forEach(function (tab, i) {
      if (tab.classList.contains("active")) first = i;
      tab.addEventListener("click", function () { select(i); });
    });
    if (tabs.length) select(first);
  });

  // Search over /index.json: [{title, url, summary, tags, content}, ...].
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  if (!input || !results) return;
  var index = null;
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function score(entry, terms) {
    var title = (entry.title || "").toLowerCase();
    var text = ((entry.summary || "") + " " + (entry.content || "") + " " + (entry.tags || []).join(" ")).toLowerCase();
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var inTitle = title.indexOf(terms[i]) >= 0, inText = text.indexOf(terms[i]) >= 0;
      if (!inTitle && !inText) return 0;
      total += (inTitle ? 10 : 0) + (inText ? 1 : 0);
    }
    return total;
  }
  function render() {
    var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!index || terms.length === 0) { results.innerHTML = ""; return; }
    var hits = index
      .map(function (e) { return { e: e, s: score(e, terms) }; })
      .filter(function (h) { return h.s > 0; })
      .sort(function (a, b) { return b.s - a.s || a.e.title.localeCompare(b.e.title); })
      .slice(0, 30);
    results.innerHTML = hits.length
      ? hits.map(function (h) {
          return '<li><a href="' + escapeHtml(h.e.url) + '">' + escapeHtml(h.e.title) +
                 "</a><p>" + escapeHtml(h.e.summary || "") + "</p></li>";
        }).join("")
      : "<li>No results.</li>";
  }
  fetch(results.dataset.index)
    .then(function (r) { return r.json(); })
    .then(function (data) { index = data; render(); })
    .catch(function () { results.innerHTML = "<li>The search index could not be loaded.</li>"; });
  input.addEventListener("input", render);
  var q = new URLSearchParams(location.search).get("q");
  if (q) input.value = q;
})();
