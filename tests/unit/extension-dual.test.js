// @ts-check
/**
 * Issue 11 in the extension: import_encryption_key is a PIN command, and the window of a
 * dual install is told, from the request's own arguments, what is added (the new signing
 * and encryption certificates), removed (the old signing certificate) and kept (the old
 * encryption certificate). A request the window could not describe reaches no host.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { sha256OfBase64 } from "../../extension/src/background/certificate.js";
import { pinOperation } from "../../extension/src/background/pin-operation.js";
import { CONFIG } from "../../extension/src/config.js";

const ORIGIN = "https://ca.example.com";
const TOKEN = { serial: "S1", label: "t", pin_pad: false, pin_count_low: false, pin_final_try: false, pin_locked: false };
const SIGN_OLD = { sha256: "aa".repeat(32), key_id: "01", subject: "CN=张三,O=测试", usage: "sign", serial: "01", not_before: "2025-01-01T00:00:00Z", not_after: "2026-01-01T00:00:00Z", has_private_key: true };
const ENC_OLD = { sha256: "bb".repeat(32), key_id: "02", subject: "CN=张三,O=测试", usage: "encrypt", serial: "02", not_before: "2025-01-01T00:00:00Z", not_after: "2026-01-01T00:00:00Z", has_private_key: true };
const LISTING = { ok: true, result: { tokens: [{ token: TOKEN, certificates: [SIGN_OLD, ENC_OLD], pairs: [{ signing: SIGN_OLD.sha256, encryption: ENC_OLD.sha256 }] }] } };
const NEW_SIGN = Buffer.from("new signing certificate DER").toString("base64");
const NEW_ENC = Buffer.from("new encryption certificate DER").toString("base64");
const hex = (/** @type {string} */ b64) => createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex");

/**
 * A fake browser: the host answers by command; the PIN window, once opened, is sent its
 * display through a fake port and answers with a PIN.
 */
function fakeChrome(listing = LISTING) {
  const log = { sent: /** @type {any[]} */ ([]), windows: /** @type {any[]} */ ([]), displays: /** @type {any[]} */ ([]) };
  /** @type {Record<string, any>} */
  const answers = { hello: { ok: true, result: { protocol: 1, host_version: "0.1.0" } }, list_certificates: listing };
  /** @type {any} */ (globalThis).chrome = {
    runtime: {
      id: "test",
      lastError: undefined,
      getURL: (/** @type {string} */ p) => `chrome-extension://test/${p}`,
      connectNative: () => {
        /** @type {((m: any) => void)[]} */
        const onMessage = [];
        return {
          onMessage: { addListener: (/** @type {any} */ f) => onMessage.push(f) },
          onDisconnect: { addListener: () => {} },
          postMessage: (/** @type {any} */ msg) => {
            log.sent.push(msg);
            const a = answers[msg.cmd] ?? { ok: true, result: {} };
            setTimeout(() => onMessage.forEach((f) => f({ v: 1, id: msg.id, ...a })), 1);
          },
          disconnect: () => {},
        };
      },
    },
    windows: {
      create: async (/** @type {any} */ opts) => {
        log.windows.push(opts);
        const req = new URL(opts.url).searchParams.get("req");
        // The PIN page connects, reads the display and types a PIN.
        setTimeout(async () => {
          const { onPinWindowConnect } = await import("../../extension/src/background/pin-window.js");
          /** @type {((m: any) => void)[]} */
          const listeners = [];
          const port = {
            name: `pin:${req}`,
            sender: { id: "test", url: `chrome-extension://test/pin.html?req=${req}` },
            postMessage: (/** @type {any} */ m) => {
              if (m.type === "display") {
                log.displays.push(m.display);
                setTimeout(() => listeners.forEach((f) => f({ type: "pin", pin: "123456" })), 1);
              }
            },
            onMessage: { addListener: (/** @type {any} */ f) => listeners.push(f) },
            onDisconnect: { addListener: () => {} },
            disconnect: () => {},
          };
          onPinWindowConnect(/** @type {any} */ (port));
        }, 1);
        return { id: 7 };
      },
      remove: async () => {},
      onRemoved: { addListener: () => {}, removeListener: () => {} },
    },
  };
  return log;
}

test("import_encryption_key is a PIN command with its own description", () => {
  assert.equal(CONFIG.PIN_COMMANDS.import_encryption_key, "opImportEncryptionKey");
  assert.ok(Object.isFrozen(CONFIG.PIN_COMMANDS));
});

test("sha256OfBase64 names a certificate as the host does; junk is null", async () => {
  assert.equal(await sha256OfBase64(NEW_ENC), hex(NEW_ENC));
  assert.equal(await sha256OfBase64("not base64!"), null);
  assert.equal(await sha256OfBase64(7), null);
});

test("a dual install's window says what is added, removed and kept", async () => {
  const log = fakeChrome();
  const args = {
    token: "S1",
    key_id: "03",
    certificate: NEW_SIGN,
    retire: SIGN_OLD.sha256,
    challenge: "c",
    encryption: { certificate: NEW_ENC, envelope: {}, keep: ENC_OLD.sha256 },
  };
  const answer = await pinOperation(ORIGIN, "tab-dual", "install_certificate", args);
  assert.equal(answer.ok, true);
  const shown = log.displays[0];
  assert.deepEqual(shown.added, { signing: hex(NEW_SIGN), encryption: hex(NEW_ENC) }, "added: both new certificates");
  assert.equal(shown.retire.sha256, SIGN_OLD.sha256, "removed: the old signing certificate");
  assert.equal(shown.kept.sha256, ENC_OLD.sha256, "kept: the old encryption certificate");
  assert.equal(shown.kept.cn, "张三");
  assert.equal(log.windows[0].height, CONFIG.PIN_WINDOW.dualHeight);
  const sent = log.sent.find((m) => m.cmd === "install_certificate");
  assert.equal(sent.args.pin, "123456");
  assert.deepEqual(sent.args.encryption, args.encryption, "the encryption half reaches the host unchanged");
});

test("key recovery's window names the encryption certificate added and removes nothing", async () => {
  const log = fakeChrome();
  const args = { token: "S1", cert_sha256: SIGN_OLD.sha256, challenge: "c", encryption: { certificate: NEW_ENC, envelope: {} } };
  // Another origin: the first test's logged-in connection is kept for ORIGIN + S1.
  const answer = await pinOperation("https://kmc.example.com", "tab-recover", "import_encryption_key", args);
  assert.equal(answer.ok, true);
  const shown = log.displays[0];
  assert.equal(shown.operation, "opImportEncryptionKey");
  assert.deepEqual(shown.added, { signing: null, encryption: hex(NEW_ENC) });
  assert.equal(shown.retire, null);
  assert.equal(shown.kept, null);
  assert.equal(shown.subject, SIGN_OLD.subject, "the signing certificate whose key opens the envelope");
  assert.ok(log.sent.some((m) => m.cmd === "import_encryption_key"));
});

test("an encryption half the window cannot describe reaches no host", async () => {
  for (const [cmd, args, code] of /** @type {[any, any, string][]} */ ([
    ["install_certificate", { token: "S1", key_id: "03", certificate: NEW_SIGN, retire: SIGN_OLD.sha256, challenge: "c", encryption: { certificate: NEW_ENC, envelope: {}, keep: "cc".repeat(32) } }, "CERT_NOT_FOUND"],
    ["install_certificate", { token: "S1", key_id: "03", certificate: NEW_SIGN, retire: SIGN_OLD.sha256, challenge: "c", encryption: { certificate: "%%%", envelope: {} } }, "BAD_REQUEST"],
    ["install_certificate", { token: "S1", key_id: "03", certificate: NEW_SIGN, retire: SIGN_OLD.sha256, challenge: "c", encryption: { certificate: NEW_ENC, envelope: {}, keep: 5 } }, "BAD_REQUEST"],
    ["import_encryption_key", { token: "S1", cert_sha256: SIGN_OLD.sha256, challenge: "c" }, "BAD_REQUEST"],
  ])) {
    const log = fakeChrome();
    await assert.rejects(pinOperation(ORIGIN, `tab-${code}`, cmd, args), (e) => /** @type {any} */ (e).code === code, `${cmd} ${JSON.stringify(args.encryption)}`);
    assert.ok(!log.sent.some((m) => m.cmd === cmd), "nothing but the lookup reached the host");
    assert.equal(log.windows.length, 0);
  }
});

test("removing history under the project's policy: the window lists it, says until when the kept one stays, and the PIN is typed", async () => {
  const hist = { ...ENC_OLD, sha256: "dd".repeat(32), key_id: "04", serial: "04", not_after: "2024-01-01T00:00:00Z", label: "certrenew history: 张三", history: true };
  const notHistory = { ...ENC_OLD, sha256: "ee".repeat(32), key_id: "05", serial: "05" };
  const certificates = [SIGN_OLD, ENC_OLD, hist, notHistory];
  const listing = { ok: true, result: { tokens: [{ token: TOKEN, certificates, pairs: [] }] } };
  const install = (/** @type {string[]} */ names) => ({
    token: "S1", key_id: "03", certificate: NEW_SIGN, retire: SIGN_OLD.sha256, challenge: "c",
    encryption: { certificate: NEW_ENC, envelope: {}, keep: ENC_OLD.sha256, remove: { after_days: 30, certificates: names } },
  });
  // ORIGIN + S1 has the first test's logged-in connection: removal still asks the PIN.
  const log = fakeChrome(listing);
  const answer = await pinOperation(ORIGIN, "tab-remove", "install_certificate", install([hist.sha256, "ff".repeat(32)]));
  assert.equal(answer.ok, true);
  const shown = log.displays[0];
  assert.deepEqual(shown.removed.map((/** @type {any} */ r) => r.sha256), [hist.sha256], "on the token: listed; gone: skipped");
  assert.equal(shown.removed[0].cn, "张三");
  assert.equal(shown.kept_until, "2026-01-31T00:00:00Z", "the kept one: its notAfter + 30 days");
  assert.equal(shown.confirm_only, false);
  const sent = log.sent.find((m) => m.cmd === "install_certificate");
  assert.equal(sent.args.pin, "123456", "the PIN typed in the window");
  // A certificate not marked history never reaches the host to be removed.
  const refused = fakeChrome(listing);
  await assert.rejects(pinOperation(ORIGIN, "tab-remove-bad", "install_certificate", install([notHistory.sha256])), (e) => /** @type {any} */ (e).code === "BAD_REQUEST");
  assert.ok(!refused.sent.some((m) => m.cmd === "install_certificate"));
  assert.equal(refused.windows.length, 0);
});
