// @ts-check
import { CONFIG } from "../config.js";
import { describeRetire, isSm2, sha256OfBase64 } from "./certificate.js";
import { CertrenewError } from "./errors.js";
import { HostConnection } from "./native.js";
import { askPin } from "./pin-window.js";
import { keepSession, takeSession } from "./session.js";
import { checkHostVersion } from "./version.js";
import { ErrorCode } from "./error-codes.js";

/** Tabs with a PIN operation under way (REQUEST_PENDING). */
const busyTabs = new Set();

/**
 * sign / generate_csr / install_certificate / discard_key / import_encryption_key.
 * @param {string} origin the sender's origin, from the browser
 * @param {string} tabKey
 * @param {keyof typeof CONFIG.PIN_COMMANDS} cmd
 * @param {Record<string, unknown>} pageArgs
 * @returns {Promise<import("./errors.js").Answer>}
 */
export async function pinOperation(origin, tabKey, cmd, pageArgs) {
  if (busyTabs.has(tabKey)) throw new CertrenewError(ErrorCode.REQUEST_PENDING, "another PIN operation of this tab is under way");
  const token = pageArgs.token;
  if (typeof token !== "string" || token.length === 0) throw new CertrenewError(ErrorCode.BAD_REQUEST, `${cmd}: token missing`);
  busyTabs.add(tabKey);
  /** @type {HostConnection | null} */
  let conn = takeSession(origin, token);
  let keep = false;
  try {
    let loggedIn = conn !== null;
    if (conn === null) {
      conn = new HostConnection();
      const hello = await conn.call(origin, "hello", {}, CONFIG.HOST_TIMEOUT_MS);
      if (!hello.ok) return hello;
      checkHostVersion(hello.result);
    }
    const args = { ...pageArgs };
    delete args.pin;
    // A failed lookup throws: nothing is sent to the host without a window, and the
    // connection (a kept, logged-in one included) is closed in `finally`, which ends
    // its host process and with it the token login.
    const found = await lookup(conn, origin, token, cmd, pageArgs);
    if (found.token.pin_locked === true) {
      // No window: a PIN typed now could only be refused.
      throw new CertrenewError(ErrorCode.PIN_LOCKED, "the PIN of this token is locked; the CA can unlock it", { token: token });
    }
    const display = {
      origin,
      operation: CONFIG.PIN_COMMANDS[cmd],
      subject: found.subject,
      algorithm: found.algorithm,
      token_label: found.token.label ?? null,
      pin_pad: found.token.pin_pad === true,
      pin_count_low: found.token.pin_count_low === true,
      pin_final_try: found.token.pin_final_try === true,
      confirm_only: loggedIn,
      retire: found.retire,
      added: found.added,
      kept: found.kept,
      kept_until: found.kept_until,
      removed: found.removed,
    };
    // Removing history certificates needs the PIN typed now, not a kept login (the
    // host refuses it without one: docs/security.md §3.11).
    if (found.removed.length > 0) loggedIn = false;
    let answer;
    if (loggedIn) {
      // Confirmation, no PIN field; a host that dies meanwhile closes the window at once.
      const confirm = askPin(display);
      try {
        await conn.whileAlive(confirm.answer);
      } finally {
        confirm.dismiss();
      }
      answer = await conn.call(origin, cmd, args, CONFIG.PIN_OPERATION_TIMEOUT_MS);
      if (!answer.ok && answer.error.code === ErrorCode.PIN_REQUIRED) loggedIn = false; // login lost: ask again
    }
    if (!loggedIn) {
      display.confirm_only = false;
      if (display.pin_pad) {
        const prompt = askPin(display);
        try {
          answer = await Promise.race([conn.call(origin, cmd, args, CONFIG.PIN_OPERATION_TIMEOUT_MS), prompt.answer.then(() => new Promise(() => {}))]);
        } finally {
          prompt.dismiss();
        }
      } else {
        // The window closes as soon as the host goes away: no PIN is typed for nothing.
        const prompt = askPin(display);
        let pin;
        try {
          pin = await conn.whileAlive(prompt.answer);
        } finally {
          prompt.dismiss();
        }
        answer = await conn.call(origin, cmd, { ...args, pin }, CONFIG.PIN_OPERATION_TIMEOUT_MS);
        pin = "";
      }
    }
    if (answer && answer.ok && !conn.closed) {
      keepSession(origin, token, conn);
      keep = true;
    }
    return /** @type {import("./errors.js").Answer} */ (answer);
  } finally {
    busyTabs.delete(tabKey);
    if (!keep && conn) conn.close();
  }
}

/**
 * Finds the token and the certificate concerned, for the window; for install_certificate
 * with `retire`, the certificate (and key) that will be removed. Throws when anything is
 * missing: the host's own listing error, TOKEN_NOT_FOUND, CERT_NOT_FOUND for a `retire`
 * that is not on the token (the window could not say what would be deleted).
 * @param {HostConnection} conn
 * @param {string} origin
 * @param {string} token
 * @param {keyof typeof CONFIG.PIN_COMMANDS} cmd
 * @param {Record<string, unknown>} args
 * For a dual install (`encryption`) or a key recovery, also what is added (the new
 * certificates) and, for a dual install, the old encryption certificate that is kept.
 * `algorithm`: "sm2" when that certificate's key is SM2 (the window says 国密SM2).
 * @returns {Promise<{token: any, subject: string | null, algorithm: string | null, retire: import("./certificate.js").RetireDisplay | null,
 *   added: import("./certificate.js").AddedDisplay | null, kept: import("./certificate.js").RetireDisplay | null}>}
 */
async function lookup(conn, origin, token, cmd, args) {
  const listing = await conn.call(origin, "list_certificates", {}, CONFIG.HOST_TIMEOUT_MS);
  if (!listing.ok) {
    throw new CertrenewError(listing.error.code, listing.error.message, { ...listing.error.details, during: "list_certificates" });
  }
  if (!Array.isArray(listing.result.tokens)) throw new CertrenewError(ErrorCode.INTERNAL, "malformed list_certificates answer from the certrenew host");
  const entry = listing.result.tokens.find((/** @type {any} */ t) => t && t.token && t.token.serial === token);
  if (!entry) throw new CertrenewError(ErrorCode.TOKEN_NOT_FOUND, "no token with this serial number is present", { token });
  const certs = Array.isArray(entry.certificates) ? entry.certificates : [];
  let retire = null;
  if (cmd === "install_certificate" && args.retire !== undefined && args.retire !== null) {
    if (typeof args.retire !== "string") throw new CertrenewError(ErrorCode.BAD_REQUEST, "install_certificate: retire must be a certificate's sha256");
    retire = describeRetire(certs, args.retire);
    // Not on the token: refused before anything reaches the host (the user could not be
    // told what goes), unless the new key already holds its certificate. That is the
    // re-run of an install interrupted after the old certificate went: nothing is left
    // to delete, and the host accepts it only as an exact re-run.
    const installed = typeof args.key_id === "string" && certs.some((/** @type {any} */ c) => c && c.key_id === args.key_id);
    if (retire === null && !installed) {
      throw new CertrenewError(ErrorCode.CERT_NOT_FOUND, "the certificate to be removed (retire) is not on this token", { retire: args.retire, token, key_has_certificate: installed });
    }
  }
  const { added, kept, kept_until, removed } = await encryptionHalf(certs, cmd, args);
  const wanted = [args.cert_sha256, args.retire].filter((x) => typeof x === "string");
  let cert = certs.find((/** @type {any} */ c) => wanted.includes(c.sha256));
  if (!cert && typeof args.key_id === "string") cert = certs.find((/** @type {any} */ c) => c.key_id === args.key_id);
  const algorithm = cert && isSm2(cert.der) ? "sm2" : null;
  return { token: entry.token, subject: cert && typeof cert.subject === "string" ? cert.subject : null, algorithm, retire, added, kept, kept_until, removed };
}

/**
 * What a dual install or a key recovery adds and keeps, from the request's arguments;
 * refused (nothing reaches the host) when the window could not say it.
 * @param {any[]} certs
 * @param {keyof typeof CONFIG.PIN_COMMANDS} cmd
 * @param {Record<string, unknown>} args
 */
async function encryptionHalf(certs, cmd, args) {
  /** @type {import("./certificate.js").AddedDisplay | null} */
  let added = null;
  /** @type {import("./certificate.js").RetireDisplay | null} */
  let kept = null;
  /** @type {string | null} */
  let kept_until = null;
  /** @type {import("./certificate.js").RetireDisplay[]} */
  const removed = [];
  const enc = /** @type {any} */ (args.encryption);
  if (cmd === "import_encryption_key" && (enc === undefined || enc === null)) {
    throw new CertrenewError(ErrorCode.BAD_REQUEST, "import_encryption_key: encryption missing");
  }
  if ((cmd !== "install_certificate" && cmd !== "import_encryption_key") || enc === undefined || enc === null) return { added, kept, kept_until, removed };
  const encryption = typeof enc === "object" ? await sha256OfBase64(enc.certificate) : null;
  if (encryption === null) throw new CertrenewError(ErrorCode.BAD_REQUEST, `${cmd}: encryption.certificate must be base64 DER`);
  const signing = cmd === "install_certificate" ? await sha256OfBase64(args.certificate) : null;
  if (cmd === "install_certificate" && signing === null) throw new CertrenewError(ErrorCode.BAD_REQUEST, "install_certificate: certificate must be base64 DER");
  added = { signing, encryption };
  if (cmd === "install_certificate" && enc.keep !== undefined && enc.keep !== null) {
    if (typeof enc.keep !== "string") throw new CertrenewError(ErrorCode.BAD_REQUEST, "install_certificate: encryption.keep must be a certificate's sha256");
    kept = describeRetire(certs, enc.keep);
    // The host never deletes it, and it stays listed (as history) after a finished
    // install: not on the token means the page named the wrong certificate.
    if (kept === null) throw new CertrenewError(ErrorCode.CERT_NOT_FOUND, "the encryption certificate to be kept is not on this token", { keep: enc.keep });
  }
  const remove = enc.remove;
  if (remove !== undefined && remove !== null) {
    if (cmd !== "install_certificate") throw new CertrenewError(ErrorCode.BAD_REQUEST, `${cmd}: encryption.remove is for install_certificate only`);
    const days = remove.after_days;
    const named = remove.certificates ?? [];
    if (!Number.isInteger(days) || days < 0 || !Array.isArray(named) || named.length > CONFIG.MAX_HISTORY_REMOVALS || named.some((s) => typeof s !== "string")) {
      throw new CertrenewError(ErrorCode.BAD_REQUEST, "install_certificate: encryption.remove must be {after_days, certificates: [sha256, …]}");
    }
    for (const sha of named) {
      const shown = describeRetire(certs, sha);
      // Gone already (a re-run): the host skips it, nothing to say.
      if (shown === null || removed.some((r) => r.sha256 === sha)) continue;
      const listed = certs.find((/** @type {any} */ c) => c && c.sha256 === sha);
      // Only history is ever removed; anything else is refused before the host sees it.
      if (!listed || listed.history !== true) {
        throw new CertrenewError(ErrorCode.BAD_REQUEST, "install_certificate: encryption.remove names a certificate that is not a kept history certificate", { remove: sha });
      }
      removed.push(shown);
    }
    if (kept !== null && kept.not_after !== null) kept_until = keptUntil(kept.not_after, days);
  }
  return { added, kept, kept_until, removed };
}

/**
 * The day a kept encryption certificate valid to `notAfter` may be removed under the
 * project's policy (`after_days` after its notAfter), RFC 3339; null when unreadable.
 * @param {string} notAfter
 * @param {number} days
 * @returns {string | null}
 */
export function keptUntil(notAfter, days) {
  const t = Date.parse(notAfter);
  return Number.isNaN(t) ? null : new Date(t + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
