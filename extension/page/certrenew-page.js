// @ts-check
/**
 * Page-side library of the certrenew extension protocol (docs/protocol.md §13).
 * Load it as an ES module from the CA's web app:
 *
 *   import { request, waitForReady } from "/certrenew-page.js";
 *   const hello = await request("hello");
 *
 * The page never sends a PIN and never receives one.
 */

const CHANNEL = "certrenew";
export const ACK_TIMEOUT_MS = 1000;
/** Longer than the extension's own limit (5 min per PIN operation). */
export const DEFAULT_TIMEOUT_MS = 330_000;

/**
 * @typedef {{code: string, message: string, details?: Record<string, unknown>}} CertrenewError
 * @typedef {{timeoutMs?: number, ackTimeoutMs?: number}} RequestOptions
 */

let counter = 0;
/** @type {string | null} */
let readyVersion = null;
/** @type {Array<(version: string) => void>} */
const readyWaiters = [];

/** @type {Map<string, {acked: boolean, resolve: (v: any) => void, reject: (e: CertrenewError) => void, timers: number[]}>} */
const pending = new Map();

window.addEventListener("message", (event) => {
  if (event.source !== window || event.origin !== window.location.origin) return;
  const data = event.data;
  if (typeof data !== "object" || data === null || data.channel !== CHANNEL) return;
  if (data.type === "ready" && typeof data.extension_version === "string") {
    readyVersion = data.extension_version;
    for (const w of readyWaiters.splice(0)) w(data.extension_version);
    return;
  }
  const entry = typeof data.id === "string" ? pending.get(data.id) : undefined;
  if (!entry) return;
  if (data.type === "ack") {
    entry.acked = true;
  } else if (data.type === "response") {
    pending.delete(data.id);
    for (const t of entry.timers) clearTimeout(t);
    if (data.ok === true) entry.resolve(data.result);
    else entry.reject(toError(data.error));
  }
});

/**
 * @param {unknown} e
 * @returns {CertrenewError}
 */
function toError(e) {
  if (e && typeof e === "object" && typeof (/** @type {any} */ (e).code) === "string") {
    const { code, message, details } = /** @type {any} */ (e);
    return details === undefined ? { code, message: String(message ?? code) } : { code, message: String(message ?? code), details };
  }
  return { code: "INTERNAL", message: "malformed answer from the extension" };
}

function newId() {
  counter += 1;
  const rand = Math.random().toString(36).slice(2, 10);
  return `p-${Date.now().toString(36)}-${counter}-${rand}`;
}

/**
 * Sends one command to the extension.
 * @param {string} cmd
 * @param {Record<string, unknown>} [args]
 * @param {RequestOptions} [options]
 * @returns {Promise<any>} the host's `result`; rejects with a CertrenewError
 */
export function request(cmd, args = {}, options = {}) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  const id = newId();
  return new Promise((resolve, reject) => {
    const entry = { acked: false, resolve, reject, timers: /** @type {number[]} */ ([]) };
    pending.set(id, entry);
    const fail = (/** @type {CertrenewError} */ err) => {
      if (!pending.has(id)) return;
      pending.delete(id);
      for (const t of entry.timers) clearTimeout(t);
      reject(err);
    };
    entry.timers.push(
      window.setTimeout(() => {
        if (!entry.acked)
          fail({ code: "EXTENSION_UNAVAILABLE", message: "the certrenew extension did not answer (is it installed and enabled?)" });
      }, ackTimeoutMs),
    );
    entry.timers.push(
      window.setTimeout(
        () => fail({ code: "EXTENSION_UNAVAILABLE", message: "no answer from the extension in time", details: { stage: "response", timeout_ms: timeoutMs } }),
        timeoutMs,
      ),
    );
    window.postMessage({ channel: CHANNEL, type: "request", id, cmd, args }, window.location.origin);
  });
}

/**
 * Resolves with the extension's version once its content script has announced itself.
 * @param {number} [timeoutMs]
 * @returns {Promise<string>}
 */
export function waitForReady(timeoutMs = ACK_TIMEOUT_MS) {
  if (readyVersion !== null) return Promise.resolve(readyVersion);
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(
      () => reject({ code: "EXTENSION_UNAVAILABLE", message: "the certrenew extension is not present on this page" }),
      timeoutMs,
    );
    readyWaiters.push((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

/** The announced extension version, or null. */
export function extensionVersion() {
  return readyVersion;
}
