// @ts-check
/** Answers the service worker sends to the content script (the host's envelope without v/id). */

import { ErrorCode } from "./error-codes.js";

/**
 * @typedef {{code: string, message: string, details?: Record<string, unknown>}} ErrorBody
 * @typedef {{ok: true, result: any} | {ok: false, error: ErrorBody}} Answer
 */

/** An error that travels to the page as `{ok:false, error}`. */
export class CertrenewError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {Record<string, unknown>} [details]
   */
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** @returns {Answer} */
  toAnswer() {
    /** @type {ErrorBody} */
    const error = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { ok: false, error };
  }
}

/**
 * @param {unknown} e
 * @returns {Answer}
 */
export function answerFromError(e) {
  if (e instanceof CertrenewError) return e.toAnswer();
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: "extension error", details: { cause: String(e) } } };
}
