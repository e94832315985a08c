import SluiceCore

/// The embeddable live widget: one static page, the stream through the
/// browser's own EventSource, every value shown as text (never as HTML).
enum EmbedPage {
    /// `token` must already be checked to hold only JWT characters.
    static func html(circle: CircleID, token: String, element: String) -> String {
        let source = "/api/public/events/\(circle.rawValue)?events=message&t=\(token)"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sluice live: \(element)</title>
            <style>
            body { font: 14px system-ui, sans-serif; margin: 1rem; color: #222; }
            #status { color: #666; margin-bottom: .5rem; }
            li { font-family: ui-monospace, monospace; white-space: pre-wrap; border-bottom: 1px solid #eee; padding: .25rem 0; }
            </style>
            </head>
            <body>
            <h1 id="title"></h1>
            <div id="status">connecting…</div>
            <ol id="events" reversed></ol>
            <script>
            (function () {
              document.getElementById("title").textContent = "Live: " + \(JSONValue.string(element).jsonText);
              var status = document.getElementById("status");
              var list = document.getElementById("events");
              var source = new EventSource(\(JSONValue.string(source).jsonText));
              source.addEventListener("connected", function () { status.textContent = "live"; });
              source.addEventListener("reset", function () { status.textContent = "live (older events expired)"; });
              source.onmessage = function (message) {
                var item = document.createElement("li");
                item.textContent = message.data;
                list.insertBefore(item, list.firstChild);
                while (list.children.length > 100) { list.removeChild(list.lastChild); }
              };
              source.onerror = function () { status.textContent = "reconnecting…"; };
            })();
            </script>
            </body>
            </html>
            """
    }
}
