import SluiceCore

/// The embeddable live widget (contract section 12): one page, built on
/// `/sdk/sluice.js`, that draws an element's current state for people:
/// status, progress, the output fields the face lets through, when it last
/// changed and whether it is live. Every value is set as text, never as HTML;
/// scripts and styles carry the response's nonce, so nothing else runs.
enum EmbedPage {
    enum Theme: String, Sendable {
        case light, dark
    }

    /// `token` must already be checked to hold only JWT characters; `nonce`
    /// only base64url characters.
    static func html(circle: CircleID, token: String, element: String, theme: Theme, nonce: String) -> String {
        // The stream starts from the retained history (`last_event_id=0`), so
        // the page draws the element's current state at once, however long ago
        // its last event was, then follows live with no gap. Chosen over a
        // server-side lookup of the newest event because it needs no new store
        // query or index: the history is read in the hub's bounded replay pages,
        // once per page load, through the same face, opaque ids and retention
        // `reset` as any public stream. A reconnect resumes by `Last-Event-ID`,
        // which the stream prefers to the query.
        let source = "/api/public/events/\(circle.rawValue)?events=message&last_event_id=0&t=\(token)"
        return """
            <!doctype html>
            <html lang="en" data-theme="\(theme.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escaped(element)): live</title>
            <style nonce="\(nonce)">\(Self.style)</style>
            </head>
            <body>
            <main class="widget">
            <header><h1 id="title">\(Self.escaped(element))</h1>
            <span id="connection" class="connection" data-state="connecting"><span class="dot" aria-hidden="true"></span><span id="connection-text">connecting…</span></span></header>
            <div id="live" aria-live="polite" aria-atomic="true">
            <p class="status-line"><span id="status" data-status="waiting">waiting</span> <span id="progress-text"></span></p>
            </div>
            <div class="track" role="progressbar" aria-label="progress" aria-valuemin="0" aria-valuemax="100" id="progress"><div id="bar" class="bar"></div></div>
            <dl id="output"></dl>
            <p class="updated"><span id="updated">no update yet</span></p>
            </main>
            <script type="module" nonce="\(nonce)">
            import { subscribe } from "/sdk/sluice.js";
            const stream = \(JSONValue.string(source).jsonText);
            \(Self.script)
            </script>
            </body>
            </html>
            """
    }

    /// Text for an HTML text node or attribute.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Colours chosen for a contrast of at least 4.5:1 on their background.
    static let style = """
        :root { --bg: #ffffff; --fg: #1a1a1a; --muted: #4a4a4a; --track: #dde1e6; --bar: #0b57d0;
          --ok: #0a6b2c; --bad: #b3261e; --off: #5c5c5c; --live: #0a6b2c; --warn: #8a4b00; }
        html[data-theme="dark"] { --bg: #121417; --fg: #f1f3f4; --muted: #bdc1c6; --track: #3c4043; --bar: #8ab4f8;
          --ok: #81c995; --bad: #f28b82; --off: #bdc1c6; --live: #81c995; --warn: #fdd663; }
        html, body { margin: 0; background: var(--bg); color: var(--fg); }
        body { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
        .widget { padding: 14px 16px; }
        header { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
        h1 { font-size: 16px; margin: 0; }
        .connection { font-size: 13px; color: var(--muted); white-space: nowrap; }
        .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--off); margin-right: 6px; }
        .connection[data-state="live"] .dot { background: var(--live); }
        .connection[data-state="reconnecting"] .dot, .connection[data-state="connecting"] .dot { background: var(--warn); }
        .status-line { margin: 10px 0 6px; font-size: 15px; }
        #status { font-weight: 600; text-transform: capitalize; }
        #status[data-status="completed"] { color: var(--ok); }
        #status[data-status="failed"] { color: var(--bad); }
        #status[data-status="cancelled"] { color: var(--off); }
        #progress-text { color: var(--muted); }
        .track { height: 8px; background: var(--track); border-radius: 4px; overflow: hidden; }
        .bar { width: 0; height: 100%; background: var(--bar); transition: width .3s; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 10px 0 0; }
        dt { color: var(--muted); }
        dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
        .updated { margin: 10px 0 0; font-size: 12px; color: var(--muted); }
        """

    /// Draws each event, history first: the newest one drawn is the element's
    /// current state. The Triform rule decides whether the output is the
    /// element's whole state; either way only what the face let through is
    /// there to draw.
    static let script = """
        const $ = (id) => document.getElementById(id);
        const labels = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…", closed: "closed" };
        let updatedAt = null;
        function since() {
          if (updatedAt === null) return;
          const seconds = Math.max(0, Math.floor((Date.now() - updatedAt) / 1000));
          const ago = seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.floor(seconds / 60)} min`
            : seconds < 86400 ? `${Math.floor(seconds / 3600)} h` : `${Math.floor(seconds / 86400)} d`;
          $("updated").textContent = `updated ${ago} ago`;
        }
        function flat(value, prefix, out) {
          if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            for (const [key, inner] of Object.entries(value)) flat(inner, prefix ? `${prefix}.${key}` : key, out);
          } else {
            out.push([prefix, typeof value === "string" ? value : JSON.stringify(value)]);
          }
          return out;
        }
        function showOutput(output) {
          const list = $("output");
          list.replaceChildren();
          if (output === undefined) return;
          for (const [key, value] of flat(output, "", [])) {
            const term = document.createElement("dt");
            term.textContent = key || "output";
            const detail = document.createElement("dd");
            detail.textContent = value;
            list.append(term, detail);
          }
        }
        function draw(envelope) {
          const kind = envelope.kind;
          const status = ["completed", "failed", "cancelled"].includes(kind) ? kind : "running";
          $("status").textContent = status;
          $("status").dataset.status = status;
          const payload = envelope.payload || {};
          let percent = payload.progress && typeof payload.progress.percent === "number" ? payload.progress.percent : null;
          if (status === "completed") percent = 100;
          if (percent !== null) {
            percent = Math.max(0, Math.min(100, percent));
            $("bar").style.width = `${percent}%`;
            $("progress").setAttribute("aria-valuenow", String(percent));
            $("progress-text").textContent = `${Math.round(percent)} %`;
          }
          if (kind === "started") {
            $("bar").style.width = "0%";
            $("progress-text").textContent = "";
          }
          showOutput(payload.output);
          // When the event happened, not when it arrived: history replays at once.
          const at = Date.parse(envelope.timestamp);
          updatedAt = Number.isFinite(at) ? at : Date.now();
          since();
        }
        subscribe(stream, {
          onApply: draw,
          onInvalidate: draw,
          onStatus(state) {
            $("connection").dataset.state = state;
            $("connection-text").textContent = labels[state] || state;
          },
        });
        setInterval(since, 1000);
        const post = () => parent.postMessage({ type: "sluice:height", height: document.documentElement.scrollHeight }, "*");
        new ResizeObserver(post).observe(document.body);
        post();
        """
}
