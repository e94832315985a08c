import SluiceCore
import SluiceCrypto

/// `sluice.js`, the browser module `GET /sdk/sluice.js` serves (contract
/// section 12): `subscribe` on EventSource with the Triform rule and the
/// connection state, and `waitForRun`. Kept in the binary so the gateway
/// serves exactly the module it was built with.
enum SluiceScript {
    /// Bumped with every change to the module's API.
    static let version = "1.0.0"

    /// The entity tag: the version and a digest of the text, so a cached copy
    /// is replaced whenever the module changes.
    static let entityTag = "\"sluice-js-\(version)-\(String(SecretDigest.sha256Hex(Array(source.utf8)).prefix(16)))\""

    static let source = #"""
        // sluice.js: a live view of a Sluice stream for browsers, on EventSource.
        // No dependencies. Served by the gateway at /sdk/sluice.js.
        export const version = "1.0.0";

        const TERMINAL = ["completed", "failed", "cancelled"];

        // The Triform rule: only a completed event whose payload is the element's
        // full new state (cache "apply") and which the face left whole may be applied;
        // everything else tells the viewer its state is stale.
        export function decide(envelope) {
          return envelope !== null && typeof envelope === "object" && envelope.kind === "completed" &&
            envelope.cache === "apply" && envelope.redacted === false ? "apply" : "invalidate";
        }

        // Every event reaches onmessage only without `event:` lines.
        function messageURL(url) {
          const u = new URL(url, globalThis.location ? globalThis.location.href : undefined);
          if (!u.searchParams.has("events")) u.searchParams.set("events", "message");
          return u.toString();
        }

        function parse(text) {
          try { return JSON.parse(text); } catch (_) { return null; }
        }

        // Follows a stream. Handlers (all optional): onEvent(envelope) for every
        // event, then onApply(envelope) or onInvalidate(envelope) by the Triform
        // rule; onStatus("connecting" | "live" | "reconnecting" | "closed");
        // onReset(info) when older events expired. EventSource resumes with
        // Last-Event-ID by itself after a drop. Returns {close(), status}.
        export function subscribe(url, handlers = {}) {
          const call = (name, value) => { if (typeof handlers[name] === "function") handlers[name](value); };
          let status = null;
          const report = (next) => { if (next !== status) { status = next; call("onStatus", next); } };
          report("connecting");
          const source = new EventSource(messageURL(url), { withCredentials: handlers.withCredentials === true });
          source.addEventListener("connected", () => report("live"));
          source.addEventListener("reset", (message) => call("onReset", parse(message.data)));
          source.onmessage = (message) => {
            const envelope = parse(message.data);
            if (envelope === null) return;
            call("onEvent", envelope);
            call(decide(envelope) === "apply" ? "onApply" : "onInvalidate", envelope);
          };
          source.onerror = () => report(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
          return {
            get status() { return status; },
            close() { source.close(); report("closed"); },
          };
        }

        // Resolves with the terminal envelope (completed, failed or cancelled) of
        // invocation `runId` on the stream at `url`, or rejects after `timeout` ms.
        // On a run stream (/api/{circle}/runs/{run}/events) the run id comes from the
        // path, and a finished run resolves at once from its history.
        export function waitForRun(url, { runId, timeout = 60000, withCredentials = false } = {}) {
          const path = new URL(url, globalThis.location ? globalThis.location.href : undefined).pathname;
          const fromPath = /\/runs\/([^/]+)\/events$/.exec(path);
          const id = runId !== undefined ? runId : (fromPath ? decodeURIComponent(fromPath[1]) : undefined);
          return new Promise((resolve, reject) => {
            let subscription = null;
            const timer = setTimeout(() => { subscription.close(); reject(new Error("timeout waiting for run " + id)); }, timeout);
            subscription = subscribe(url, {
              withCredentials,
              onEvent(envelope) {
                if (!TERMINAL.includes(envelope.kind)) return;
                if (id !== undefined && envelope.invocation_id !== undefined && envelope.invocation_id !== id) return;
                clearTimeout(timer);
                subscription.close();
                resolve(envelope);
              },
            });
          });
        }
        """#
}
