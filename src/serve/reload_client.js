// Serval live reload, injected into every page `serval serve` sends.
// Listens to /__serval/events (Server-Sent Events):
//   reload  reload the page
//   css     swap same-origin stylesheets in place; clear the error overlay
//   error   show the build error in an overlay (until the next event)
// It reconnects by itself, with the last event id, after the server goes
// away; a server restarted in between answers that id with `reload`.
(function () {
  "use strict";
  if (window.__servalLiveReload) return;
  var state = (window.__servalLiveReload = {
    connected: false, lastId: "", events: 0, cssSwaps: 0
  });
  var delay = 250;
  var overlayId = "serval-error-overlay";

  function clearOverlay() {
    var old = document.getElementById(overlayId);
    if (old) old.remove();
  }

  function showOverlay(text) {
    clearOverlay();
    var box = document.createElement("div");
    box.id = overlayId;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(20,20,20,.92);color:#f3f3f3;padding:2em;" +
      "font:14px/1.5 ui-monospace,monospace;";
    var title = document.createElement("div");
    title.textContent = "Serval: build failed — fix the error and save";
    title.style.cssText = "color:#ff6b6b;font-weight:bold;margin-bottom:1em;";
    var pre = document.createElement("pre");
    pre.textContent = text;
    pre.style.cssText = "white-space:pre-wrap;margin:0;";
    box.appendChild(title);
    box.appendChild(pre);
    (document.body || document.documentElement).appendChild(box);
  }

  // The new stylesheet URLs come from the page as the server has it now:
  // a build that fingerprints CSS (site.3f2a.css) changes the href itself.
  function swapStylesheets() {
    var selector = 'link[rel~="stylesheet"][href]';
    fetch(location.href, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelectorAll(selector);
        var links = document.querySelectorAll(selector);
        if (fresh.length !== links.length) { location.reload(); return; }
        Array.prototype.forEach.call(links, function (link, i) {
          var url = new URL(fresh[i].getAttribute("href"), location.href);
          if (url.origin !== location.origin) return;
          url.searchParams.set("serval-reload", String(Date.now()));
          var next = link.cloneNode(false);
          next.href = url.href;
          // Swap once the new sheet is in: the page never flashes unstyled.
          next.onload = next.onerror = function () { link.remove(); };
          link.parentNode.insertBefore(next, link.nextSibling);
        });
        state.cssSwaps++;
      })
      .catch(function () { location.reload(); });
  }

  function connect() {
    var url = "/__serval/events" +
      (state.lastId ? "?since=" + encodeURIComponent(state.lastId) : "");
    var source = new EventSource(url);
    function seen(e) {
      if (e.lastEventId) state.lastId = e.lastEventId;
      state.events++;
    }
    source.onopen = function () { state.connected = true; delay = 250; };
    source.addEventListener("hello", seen);
    source.addEventListener("reload", function (e) {
      seen(e);
      source.close();
      location.reload();
    });
    source.addEventListener("css", function (e) {
      seen(e);
      clearOverlay();
      swapStylesheets();
    });
    source.addEventListener("error", function (e) {
      if (typeof e.data === "string") {  // the server's `error` event
        seen(e);
        showOverlay(e.data);
        return;
      }
      // The connection dropped: reconnect ourselves, with the last id.
      state.connected = false;
      source.close();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 4000);
    });
  }

  connect();
})();
