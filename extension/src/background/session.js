// @ts-check
import { CONFIG } from "../config.js";

/**
 * The one kept host connection (docs/protocol.md §13 "Fewer PIN prompts"): after a successful
 * PIN operation, its connection stays open for SESSION_KEEP_MS for the same origin and
 * token; the host process stays logged in. Anything else ends it.
 * @typedef {{origin: string, token: string, conn: import("./native.js").HostConnection, timer: ReturnType<typeof setTimeout>}} Kept
 */

/** @type {Kept | null} */
let kept = null;

/**
 * Takes the kept connection if it is for this origin and token (and still open);
 * otherwise closes whatever is kept.
 * @param {string} origin
 * @param {string} token
 */
export function takeSession(origin, token) {
  const k = kept;
  kept = null;
  if (!k) return null;
  clearTimeout(k.timer);
  if (k.origin === origin && k.token === token && !k.conn.closed) return k.conn;
  k.conn.close();
  return null;
}

/**
 * Keeps `conn` for the next operation of the same origin and token.
 * @param {string} origin
 * @param {string} token
 * @param {import("./native.js").HostConnection} conn
 */
export function keepSession(origin, token, conn) {
  endSession();
  const timer = setTimeout(endSession, CONFIG.SESSION_KEEP_MS);
  kept = { origin, token, conn, timer };
}

export function endSession() {
  const k = kept;
  kept = null;
  if (!k) return;
  clearTimeout(k.timer);
  k.conn.close();
}

/** For tests and diagnostics. */
export function hasSession() {
  return kept !== null && !kept.conn.closed;
}
