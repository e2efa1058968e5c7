// @ts-check
import { CONFIG } from "../config.js";
import { CertrenewError } from "./errors.js";
import { ErrorCode } from "./error-codes.js";

let counter = 0;

/**
 * One connection to certrenew-host. Requests go one at a time; a disconnect fails the
 * request in flight with HOST_UNAVAILABLE and the browser's lastError text.
 */
export class HostConnection {
  constructor() {
    /** @type {chrome.runtime.Port} */
    this.port = chrome.runtime.connectNative(CONFIG.HOST_NAME);
    this.closed = false;
    /** @type {string | null} */
    this.disconnectReason = null;
    /** @type {((msg: any) => void) | null} */
    this.onAnswer = null;
    /** @type {(() => void) | null} */
    this.onClosed = null;
    this.port.onMessage.addListener((msg) => {
      if (this.onAnswer) this.onAnswer(msg);
    });
    /** @type {() => void} */
    let resolveGone = () => {};
    /** Settles when the host goes away (so a waiting PIN window can be closed at once). */
    this.gone = new Promise((resolve) => {
      resolveGone = () => resolve(undefined);
    });
    this.port.onDisconnect.addListener(() => {
      const err = chrome.runtime.lastError;
      this.disconnectReason = err && err.message ? err.message : "the native host closed the connection";
      this.closed = true;
      resolveGone();
      if (this.onClosed) this.onClosed();
    });
  }

  /**
   * Waits for `promise`, but fails with HOST_UNAVAILABLE as soon as the host goes away.
   * @template T
   * @param {Promise<T>} promise
   * @returns {Promise<T>}
   */
  whileAlive(promise) {
    if (this.closed) return Promise.reject(this.unavailable());
    return Promise.race([promise, this.gone.then(() => Promise.reject(this.unavailable()))]);
  }

  /**
   * Sends one request and waits for its answer.
   * @param {string} origin the sender's origin, from the browser
   * @param {string} cmd
   * @param {Record<string, unknown>} args
   * @param {number} timeoutMs
   * @returns {Promise<import("./errors.js").Answer>}
   */
  call(origin, cmd, args, timeoutMs) {
    if (this.closed) return Promise.reject(this.unavailable());
    counter += 1;
    const id = `x${Date.now().toString(36)}-${counter}`;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.onAnswer = null;
        this.onClosed = null;
      };
      const timer = setTimeout(() => {
        done();
        this.close();
        reject(new CertrenewError(ErrorCode.HOST_UNAVAILABLE, "the certrenew host did not answer in time", { timeout_ms: timeoutMs }));
      }, timeoutMs);
      this.onAnswer = (msg) => {
        if (!msg || typeof msg !== "object" || (msg.id !== id && msg.id !== null)) return; // id null: a refusal of an unreadable frame
        done();
        if (msg.ok === true && msg.result && typeof msg.result === "object") resolve({ ok: true, result: msg.result });
        else if (msg.ok === false && msg.error && typeof msg.error.code === "string") {
          /** @type {import("./errors.js").ErrorBody} */
          const error = { code: msg.error.code, message: String(msg.error.message ?? "") };
          if (msg.error.details !== undefined) error.details = msg.error.details;
          resolve({ ok: false, error });
        } else reject(new CertrenewError(ErrorCode.INTERNAL, "malformed answer from the certrenew host"));
      };
      this.onClosed = () => {
        done();
        reject(this.unavailable());
      };
      try {
        this.port.postMessage({ v: CONFIG.PROTOCOL_VERSION, id, origin, cmd, args });
      } catch (e) {
        done();
        this.closed = true;
        reject(new CertrenewError(ErrorCode.HOST_UNAVAILABLE, "could not send to the certrenew host", { browser: String(e) }));
      }
    });
  }

  /** @returns {CertrenewError} */
  unavailable() {
    return new CertrenewError(ErrorCode.HOST_UNAVAILABLE, "the certrenew host is not available", {
      browser: this.disconnectReason ?? "disconnected",
    });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    try {
      this.port.disconnect();
    } catch {
      // already gone
    }
  }
}
