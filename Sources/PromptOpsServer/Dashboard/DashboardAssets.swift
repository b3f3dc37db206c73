import HTTPTypes
import Crypto
import NIOCore

/// The dashboard's stylesheet and script, embedded in the binary (no build step). Each is
/// served under a name carrying its content hash with a strong `ETag` and a year-long,
/// immutable cache lifetime: a new build changes the name, so no stale copy is ever used.
struct DashboardAsset: Sendable {
    /// The file name pages link to (`app.1f2e3d4c5b6a.css`).
    let name: String
    let contentType: String
    let body: ByteBuffer
    /// `"sha256-prefix"`: strong (byte-exact).
    let etag: String

    init(stem: String, ext: String, contentType: String, text: String) {
        let digest = SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        name = "\(stem).\(digest.prefix(12)).\(ext)"
        self.contentType = contentType
        body = ByteBuffer(string: text)
        etag = "\"\(digest.prefix(32))\""
    }

    static let stylesheet = DashboardAsset(stem: "app", ext: "css", contentType: "text/css; charset=utf-8", text: css)
    static let script = DashboardAsset(stem: "live", ext: "js", contentType: "text/javascript; charset=utf-8", text: js)
    static let icon = DashboardAsset(stem: "icon", ext: "svg", contentType: "image/svg+xml", text: """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5fbf"/>\
        <path d="M4 12V4h4.5a2.5 2.5 0 0 1 0 5H4" fill="none" stroke="#fff" stroke-width="2"/></svg>

        """)
    static let all: [String: DashboardAsset] = [stylesheet.name: stylesheet, script.name: script, icon.name: icon]

    static let css = """
        :root { --bg: #ffffff; --fg: #1d2330; --muted: #5b6475; --line: #d8dce4; --panel: #f5f7fa; --accent: #1f5fbf;
          --ok: #1d7a3e; --warn: #9a6200; --bad: #b42318; --added: #e6f4ea; --removed: #fdecea; --chart: #1f5fbf; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #12151b; --fg: #e4e7ec; --muted: #9aa3b2; --line: #2e3440; --panel: #1a1f27; --accent: #7fb0ff;
            --ok: #5fd38a; --warn: #f0b64a; --bad: #ff8a80; --added: #163a22; --removed: #45191a; --chart: #7fb0ff; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, svg:focus-visible, summary:focus-visible {
          outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
        header.top { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
        .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
        header nav a { margin-right: 14px; }
        .session { margin-left: auto; color: var(--muted); }
        main { padding: 12px 20px 40px; max-width: 1200px; }
        h1 { font-size: 1.5rem; margin: 8px 0 12px; word-break: break-word; }
        h2 { font-size: 1.15rem; margin: 24px 0 8px; }
        .crumbs ol { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px; color: var(--muted); }
        .crumbs li + li::before { content: "/"; margin-right: 6px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
        caption { text-align: left; color: var(--muted); padding: 4px 0; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--panel); }
        code { font: 0.86rem ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
        .message { white-space: pre-wrap; word-break: break-word; }
        .none { color: var(--muted); }
        .state, .phase { font-weight: 600; }
        .ok, .Healthy { color: var(--ok); }
        .warn, .Progressing, .Paused { color: var(--warn); }
        .bad, .Degraded, .error { color: var(--bad); }
        tr.Warning td { color: var(--bad); }
        .diagnostics { margin: 4px 0 0; padding-left: 18px; }
        .diagnostics li { color: var(--bad); }
        .diagnostics li.warning { color: var(--warn); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        meter { width: 160px; height: 14px; vertical-align: middle; }
        .steps li.done { color: var(--muted); }
        .steps li[aria-current] { font-weight: 600; }
        figure { margin: 12px 0 20px; }
        figcaption { color: var(--muted); font-size: 0.9rem; }
        svg.chart { width: 100%; height: auto; max-width: 900px; display: block; background: var(--panel); border-radius: 6px; }
        svg.chart .frame { fill: none; stroke: var(--line); }
        svg.chart .axis, svg.chart .threshold-label, svg.chart .empty { fill: var(--muted); font-size: 11px; }
        svg.chart .series { fill: none; stroke: var(--chart); stroke-width: 2; }
        svg.chart .point { fill: var(--chart); }
        svg.chart .point.bad { fill: var(--bad); }
        svg.chart .threshold { stroke: var(--warn); stroke-dasharray: 5 4; }
        table.diff td { padding: 1px 8px; border: 0; }
        table.diff tr.added { background: var(--added); }
        table.diff tr.removed { background: var(--removed); }
        table.diff code { white-space: pre-wrap; }
        .mark { display: inline-block; width: 1.2em; color: var(--muted); }
        form.compare, form.filter { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin: 8px 0; }
        form.login { max-width: 420px; display: grid; gap: 8px; }
        input, select, button { font: inherit; padding: 5px 8px; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; }
        button { cursor: pointer; background: var(--panel); }
        footer { padding: 8px 20px; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); }
        @media (max-width: 600px) {
          main { padding: 8px 10px 30px; }
          header.top { padding: 8px 10px; }
          dl.facts { grid-template-columns: 1fr; }
          meter { width: 100px; }
          th, td { padding: 5px 4px; }
        }

        """

    /// Live updates: the page's `#live` region is fetched again (the server renders it, charts
    /// included) when the event stream reports something about what the page shows. Without
    /// this script the page is complete; it only saves a reload.
    static let js = """
        // PromptOps dashboard: live updates. No framework, no build step.
        (function () {
          "use strict";
          var body = document.body;
          if (!body.getAttribute("data-live") || !window.EventSource || !window.fetch || !window.DOMParser) return;
          var ns = body.getAttribute("data-namespace") || "";
          var deployment = body.getAttribute("data-deployment") || "";
          var since = body.getAttribute("data-since") || "";
          var state = document.getElementById("live-state");
          var source = null, timer = null, busy = false, again = false, down = false, ended = false, stale = false, opened = false;

          function say(text) { if (state) state.textContent = text; }

          function concerns(data) {
            if (!ns) return true;
            if (data.namespace !== ns) return false;
            if (!deployment) return true;
            return data.deployment === deployment || (data.kind === "Deployment" && data.name === deployment);
          }

          // What to keep across a swap: the focused element (by id or link target) and the
          // open disclosures (by their summary), so keyboard users keep their place.
          function sameHref(root, href) {
            return Array.prototype.filter.call(root.querySelectorAll("[href]"), function (l) { return l.getAttribute("href") === href; });
          }
          function keyOf(el, root) {
            if (!el || el === body) return null;
            if (el.id) return { id: el.id };
            if (el.getAttribute && el.getAttribute("href")) {
              var href = el.getAttribute("href");
              return { href: href, index: sameHref(root, href).indexOf(el) };
            }
            return null;
          }
          function find(root, key) {
            if (!key) return null;
            if (key.id) return document.getElementById(key.id);
            return sameHref(root, key.href)[Math.max(key.index, 0)] || null;
          }
          // Someone typing in a form inside the region: swap when they leave it.
          function editing(current) {
            var el = document.activeElement;
            return el && current.contains(el) && /^(INPUT|SELECT|TEXTAREA|SUMMARY)$/.test(el.tagName);
          }

          function refresh() {
            if (ended) return;
            if (busy) { again = true; return; }
            busy = true;
            fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
              .then(function (r) {
                if (r.redirected || !r.ok) {
                  // Signed out (a revoked token) or an error: never show another page in place.
                  close(); ended = true;
                  throw new Error(r.redirected ? "signed out" : "HTTP " + r.status);
                }
                return r.text();
              })
              .then(function (html) {
                var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
                var current = document.getElementById("live");
                if (!fresh || !current) return;
                if (editing(current)) {
                  current.addEventListener("focusout", function () { schedule(); }, { once: true });
                  return;
                }
                var focused = keyOf(document.activeElement, current);
                var open = [];
                current.querySelectorAll("details[open] > summary").forEach(function (s) { open.push(s.textContent); });
                fresh = document.adoptNode(fresh);
                fresh.querySelectorAll("details > summary").forEach(function (s) {
                  if (open.indexOf(s.textContent) >= 0) s.parentNode.open = true;
                });
                current.replaceWith(fresh);
                var target = find(fresh, focused);
                if (target) target.focus();
                say("updated at " + new Date().toLocaleTimeString() + (stale ? "; not live: reload the page" : ""));
              })
              .catch(function (e) { say("not updating (" + e.message + "): reload the page"); })
              .then(function () { busy = false; if (again && !ended) { again = false; schedule(); } });
          }

          function schedule() {
            if (timer || ended) return;
            timer = setTimeout(function () { timer = null; refresh(); }, 120);
          }

          function received(e) {
            var data;
            try { data = JSON.parse(e.data); } catch (x) { return; }
            if (concerns(data)) schedule();
          }

          function open() {
            if (source || ended) return;
            source = new EventSource("/api/v1/events/stream" + (since ? "?since=" + encodeURIComponent(since) : ""));
            source.onmessage = function (e) { if (e.lastEventId) since = e.lastEventId; received(e); };
            source.addEventListener("measurement", received);
            source.onopen = function () {
              say("live");
              // The first time: catch up with what changed between rendering and connecting.
              if (down || !opened) { down = false; opened = true; schedule(); }
            };
            source.onerror = function () {
              down = true;
              if (source && source.readyState === EventSource.CLOSED) { close(); stale = true; schedule(); say("not updating: reload the page"); }
              else say("reconnecting");
            };
          }

          function close() { if (source) { source.close(); source = null; } }

          // A page kept in the back/forward cache must not keep its stream open.
          window.addEventListener("pagehide", close);
          window.addEventListener("pageshow", function (e) { if (e.persisted && !ended) { open(); schedule(); } });
          open();
        })();

        """
}
