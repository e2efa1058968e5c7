// @ts-check
import { CONFIG } from "../config.js";
import { CertrenewError } from "./errors.js";
import { ErrorCode } from "./error-codes.js";

/**
 * What the PIN window shows. No secret is in here.
 * @typedef {{origin: string, operation: string, subject: string | null, algorithm?: string | null, token_label: string | null,
 *   pin_pad: boolean, pin_count_low: boolean, pin_final_try: boolean, confirm_only: boolean,
 *   retire?: import("./certificate.js").RetireDisplay | null,
 *   added?: import("./certificate.js").AddedDisplay | null,
 *   kept?: import("./certificate.js").RetireDisplay | null,
 *   kept_until?: string | null, removed?: import("./certificate.js").RetireDisplay[]}} PinDisplay
 * `algorithm`: "sm2" for an SM2 certificate (shown as 国密SM2), else absent or null.
 * `retire`: install_certificate's certificate (and key) that will be deleted.
 * `added`: the certificates a dual install or a key recovery writes.
 * `kept`: the old encryption certificate a dual install keeps (as history).
 * `kept_until`: when the project's policy lets a later renewal remove it (null: kept).
 * `removed`: history certificates this install removes with their history keys.
 */

/** @type {Map<string, {display: PinDisplay, settle: (pin: string | null, err?: CertrenewError) => void}>} */
const waiting = new Map();

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Opens the extension's PIN window and waits for the user.
 * `answer` resolves with the PIN (or "" for OK in a PIN-pad / confirmation window) and
 * rejects with USER_CANCELLED (window closed, Cancel) or USER_TIMEOUT; `dismiss()`
 * closes the window (a PIN-pad window once the host has answered).
 * @param {PinDisplay} display
 * @returns {{answer: Promise<string>, dismiss: () => void}}
 */
export function askPin(display) {
  const req = randomId();
  const answer = open(req, display);
  answer.catch(() => {});
  return {
    answer,
    dismiss: () => {
      const entry = waiting.get(req);
      if (entry) entry.settle(null, new CertrenewError(ErrorCode.USER_CANCELLED, "dismissed"));
    },
  };
}

/**
 * @param {string} req
 * @param {PinDisplay} display
 * @returns {Promise<string>}
 */
async function open(req, display) {
  /** @type {number | undefined} */
  let windowId;
  /** @type {(id: number) => void} */
  let onRemoved = () => {};
  const result = new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(null, new CertrenewError(ErrorCode.USER_TIMEOUT, "no PIN was entered in time", { timeout_ms: CONFIG.PIN_ENTRY_TIMEOUT_MS })), CONFIG.PIN_ENTRY_TIMEOUT_MS);
    /** @param {string | null} pin @param {CertrenewError} [err] */
    function settle(pin, err) {
      if (!waiting.has(req)) return;
      waiting.delete(req);
      clearTimeout(timer);
      chrome.windows.onRemoved.removeListener(onRemoved);
      if (windowId !== undefined) chrome.windows.remove(windowId).catch(() => {});
      if (pin === null) reject(err ?? new CertrenewError(ErrorCode.USER_CANCELLED, "the user cancelled"));
      else resolve(pin);
    }
    waiting.set(req, { display, settle });
    onRemoved = (id) => {
      if (id === windowId) settle(null, new CertrenewError(ErrorCode.USER_CANCELLED, "the PIN window was closed"));
    };
    chrome.windows.onRemoved.addListener(onRemoved);
  });
  try {
    const win = await chrome.windows.create({
      url: chrome.runtime.getURL(`pin.html?req=${req}`),
      type: "popup",
      width: CONFIG.PIN_WINDOW.width,
      height: display.added ? CONFIG.PIN_WINDOW.dualHeight : display.retire ? CONFIG.PIN_WINDOW.retireHeight : CONFIG.PIN_WINDOW.height,
      focused: true,
    });
    windowId = win.id;
    if (!waiting.has(req) && windowId !== undefined) chrome.windows.remove(windowId).catch(() => {});
  } catch (e) {
    const entry = waiting.get(req);
    if (entry) entry.settle(null, new CertrenewError(ErrorCode.INTERNAL, "could not open the PIN window", { browser: String(e) }));
  }
  return /** @type {Promise<string>} */ (result);
}

/**
 * The PIN window connects with a port named "pin:<req>"; it gets the display data and
 * answers {pin} or {cancel:true}. Its port closing before an answer is a cancel.
 * @param {chrome.runtime.Port} port
 */
export function onPinWindowConnect(port) {
  if (!port.name.startsWith("pin:")) return false;
  const sender = port.sender;
  const pinPage = chrome.runtime.getURL("pin.html");
  if (!sender || sender.id !== chrome.runtime.id || typeof sender.url !== "string" || !sender.url.startsWith(pinPage)) {
    port.disconnect();
    return true;
  }
  const req = port.name.slice(4);
  const entry = waiting.get(req);
  if (!entry) {
    port.postMessage({ type: "gone" });
    port.disconnect();
    return true;
  }
  port.postMessage({ type: "display", display: entry.display });
  port.onMessage.addListener((msg) => {
    if (msg && msg.type === "pin" && typeof msg.pin === "string") entry.settle(msg.pin);
    else if (msg && msg.type === "ok") entry.settle("");
    else entry.settle(null, new CertrenewError(ErrorCode.USER_CANCELLED, "the user cancelled"));
  });
  port.onDisconnect.addListener(() => entry.settle(null, new CertrenewError(ErrorCode.USER_CANCELLED, "the PIN window was closed")));
  return true;
}
