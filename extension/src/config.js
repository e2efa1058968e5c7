// @ts-check
/**
 * Every constant of the extension, in one frozen object.
 * `ca_origins` between the BUILD markers is rewritten by build.mjs from build.config.json.
 */

/** @type {readonly string[]} */
const CA_ORIGINS = /*BUILD:ca_origins*/ ["http://127.0.0.1:8080", "http://localhost:8080"] /*END*/;

export const CONFIG = Object.freeze({
  /** Registered name of certrenew-host (docs/protocol.md §1). */
  HOST_NAME: "org.certrenew.host",
  /** Protocol major version spoken with the host. */
  PROTOCOL_VERSION: 1,
  /** Oldest host the extension works with (VERSION_MISMATCH below it). */
  MIN_HOST_VERSION: "0.1.0",
  /** Page channel name (docs/protocol.md §13). */
  CHANNEL: "certrenew",
  /**
   * Web origins this extension serves, matched exactly on scheme + host + port (an origin
   * written without a port means the scheme's default port, never "any port").
   */
  CA_ORIGINS: Object.freeze([...CA_ORIGINS]),
  /** Host answer timeout for hello / list_certificates. */
  HOST_TIMEOUT_MS: 30_000,
  /** Host answer timeout for PIN operations (MV3: 5 min per request). */
  PIN_OPERATION_TIMEOUT_MS: 5 * 60_000,
  /**
   * No PIN within this → USER_TIMEOUT. Always 120 s in a shipped build; the browser
   * tests' own build rewrites the value between the TEST markers in their copy of this
   * file (tests/browser/harness.js, `pinTimeoutMs`), so nothing at run time can change it.
   */
  PIN_ENTRY_TIMEOUT_MS: /*TEST:pin_entry_timeout_ms*/ 120_000 /*END*/,
  /** A logged-in host connection is kept this long for the same origin + token. */
  SESSION_KEEP_MS: 120_000,
  /** Commands that need no PIN. */
  PLAIN_COMMANDS: Object.freeze(["hello", "list_certificates"]),
  /** Commands that log in to the token, with their description key in _locales. */
  PIN_COMMANDS: Object.freeze({
    sign: "opSign",
    generate_csr: "opGenerateCsr",
    install_certificate: "opInstallCertificate",
    discard_key: "opDiscardKey",
    import_encryption_key: "opImportEncryptionKey",
  }),
  /**
   * PIN window size (taller when it lists a certificate and key that will be removed, and
   * taller still for a dual install: what is added, removed and kept).
   */
  PIN_WINDOW: Object.freeze({ width: 440, height: 470, retireHeight: 720, dualHeight: 900 }),
  /**
   * Keyjacking guard: the PIN / confirm window ignores keys, clicks and typing until it
   * has been shown (and focused, and visible) this long with no input meanwhile; each
   * input during the wait starts it again. Firefox uses 1 s for its security dialogs
   * (security.dialog_enable_delay); a page cannot time a click or Enter into the window.
   */
  INPUT_DELAY_MS: 1_000,
  /** Request ids: 1–64 characters. */
  MAX_ID_LENGTH: 64,
  /** History certificates one dual install may remove (protocol MAX_HISTORY_REMOVALS). */
  MAX_HISTORY_REMOVALS: 16,
});
