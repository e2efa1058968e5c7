// @ts-check
/**
 * Content script (a classic script: MV3 content scripts cannot be ES modules, so the
 * few constants it needs are repeated here; they equal CONFIG.CHANNEL / MAX_ID_LENGTH).
 *
 * Thin relay, as Web eID's: it accepts only well-formed requests from this very
 * window, acks at once, forwards {id, cmd, args} to the service worker, and posts the
 * answer back to the page's own origin (never "*"). The service worker takes the
 * origin from the browser's sender information, not from anything here.
 */
(() => {
  const CHANNEL = "certrenew";
  const MAX_ID_LENGTH = 64;
  const CMD_PATTERN = /^[a-z_]{1,64}$/;

  /** @param {Record<string, unknown>} msg */
  function post(msg) {
    window.postMessage({ channel: CHANNEL, ...msg }, window.location.origin);
  }

  /**
   * @param {unknown} args
   * @returns {Record<string, unknown>}
   */
  function cleanArgs(args) {
    if (args === undefined || args === null) return {};
    if (typeof args !== "object" || Array.isArray(args)) return {};
    /** @type {Record<string, unknown>} */
    const copy = { ...args };
    delete copy.pin; // the page never supplies a PIN
    return copy;
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window) return;
    if (!window.isSecureContext) return;
    const data = event.data;
    if (typeof data !== "object" || data === null) return;
    if (data.channel !== CHANNEL || data.type !== "request") return;
    const { id, cmd } = data;
    if (typeof id !== "string" || id.length < 1 || id.length > MAX_ID_LENGTH) return;
    if (typeof cmd !== "string" || !CMD_PATTERN.test(cmd)) return;
    const origin = event.origin;
    window.postMessage({ channel: CHANNEL, type: "ack", id }, origin);
    const args = cleanArgs(data.args);
    chrome.runtime.sendMessage({ id, cmd, args }).then(
      (answer) => {
        const body =
          answer && typeof answer === "object"
            ? answer
            : { ok: false, error: { code: "EXTENSION_UNAVAILABLE", message: "no answer from the extension" } };
        window.postMessage({ ...body, channel: CHANNEL, type: "response", id }, origin);
      },
      (err) => {
        window.postMessage(
          {
            channel: CHANNEL,
            type: "response",
            id,
            ok: false,
            error: { code: "EXTENSION_UNAVAILABLE", message: "the extension did not answer", details: { browser: String(err && err.message ? err.message : err) } },
          },
          origin,
        );
      },
    );
  });

  // Announced when the page's own scripts (modules included) have run, so a page-side
  // library loaded with the document hears it.
  const announce = () => post({ type: "ready", extension_version: chrome.runtime.getManifest().version });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", announce, { once: true });
  else announce();
})();
