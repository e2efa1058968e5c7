// @ts-check
/** Pure parts of the extension, without a browser. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { matchPattern } from "../../extension/build.mjs";
import { describeRetire, dnValues, formatTime, isSm2 } from "../../extension/src/background/certificate.js";
import { isCaOrigin } from "../../extension/src/background/origin.js";
import { pinOperation } from "../../extension/src/background/pin-operation.js";
import { HostConnection } from "../../extension/src/background/native.js";
import { hasSession, keepSession } from "../../extension/src/background/session.js";
import { checkHostVersion, compareVersions } from "../../extension/src/background/version.js";
import { CONFIG } from "../../extension/src/config.js";

test("isCaOrigin: scheme, host and port must match exactly; a configured origin without port means the default port, not any port", () => {
  const allowed = ["http://127.0.0.1:8080", "https://ca.example.com", "https://pinned.example.com:8443"];
  for (const [origin, ok] of /** @type {[string, boolean][]} */ ([
    ["http://127.0.0.1:8080", true],
    ["http://127.0.0.1", false],
    ["http://127.0.0.1:8081", false],
    ["https://ca.example.com", true],
    ["https://ca.example.com:444", false],
    ["https://ca.example.com:8443", false],
    ["http://ca.example.com", false],
    ["https://evil.example.com", false],
    ["https://ca.example.com.evil.com", false],
    ["http://127.0.0.2:8080", false],
    ["https://pinned.example.com:8443", true],
    ["https://pinned.example.com", false],
    ["null", false],
    ["https://ca.example.com/path", false],
  ])) {
    assert.equal(isCaOrigin(origin, allowed), ok, origin);
  }
});

test("compareVersions and checkHostVersion", () => {
  assert.equal(compareVersions("0.10.0", "0.9.3"), 1);
  assert.equal(compareVersions("0.1.0", "0.1.0"), 0);
  assert.equal(compareVersions("0.0.9", "0.1.0"), -1);
  checkHostVersion({ protocol: 1, host_version: "0.1.0" });
  assert.throws(
    () => checkHostVersion({ protocol: 2, host_version: "9.0.0" }),
    (e) => /** @type {any} */ (e).code === "VERSION_MISMATCH" && /** @type {any} */ (e).details.component === "extension",
  );
  assert.throws(
    () => checkHostVersion({ protocol: 0, host_version: "0.1.0" }),
    (e) => /** @type {any} */ (e).details.component === "host",
  );
  assert.throws(
    () => checkHostVersion({ protocol: 1, host_version: "0.0.1" }),
    (e) => {
      const err = /** @type {any} */ (e);
      return err.code === "VERSION_MISMATCH" && err.details.component === "host" && err.details.minimum === "0.1.0" && err.details.found === "0.0.1";
    },
  );
});

test("matchPattern always names the port (a pattern without one matches every port) and refuses non-https CA origins", () => {
  assert.equal(matchPattern("http://127.0.0.1"), "http://127.0.0.1:80/*");
  assert.equal(matchPattern("http://127.0.0.1:8080"), "http://127.0.0.1:8080/*");
  assert.equal(matchPattern("https://ca.example.com"), "https://ca.example.com:443/*");
  assert.equal(matchPattern("https://ca.example.com:8443"), "https://ca.example.com:8443/*");
  assert.throws(() => matchPattern("http://ca.example.com"));
});

test("the keyjacking delay is a constant of config.js, long enough to matter", () => {
  assert.equal(typeof CONFIG.INPUT_DELAY_MS, "number");
  assert.ok(CONFIG.INPUT_DELAY_MS >= 500 && CONFIG.INPUT_DELAY_MS <= 3000, String(CONFIG.INPUT_DELAY_MS));
  assert.ok(Object.isFrozen(CONFIG));
});

test("dnValues reads RFC 4514 as the host writes it (escapes, multi-valued RDNs, UTF-8)", () => {
  assert.deepEqual(dnValues("CN=张三,O=测试医药有限公司,C=CN", "CN"), ["张三"]);
  assert.deepEqual(dnValues("CN=张三,O=测试医药有限公司,C=CN", "o"), ["测试医药有限公司"]);
  assert.deepEqual(dnValues("CN=Smith\\, John+UID=7,O=A\\+B,C=CN", "CN"), ["Smith, John"]);
  assert.deepEqual(dnValues("CN=Smith\\, John+UID=7,O=A\\+B,C=CN", "O"), ["A+B"]);
  assert.deepEqual(dnValues("CN=\\E5\\BC\\A0,OU=x", "CN"), ["张"]);
  assert.deepEqual(dnValues("OU=a,OU=b", "OU"), ["a", "b"]);
  assert.deepEqual(dnValues("C=CN", "CN"), []);
});

test("describeRetire: what the window says will be deleted; null when the hash is not on the token", () => {
  const certs = [
    { sha256: "aa", subject: "CN=张三,O=测试医药有限公司,C=CN", issuer: "CN=certrenew Test CA,O=certrenew,C=CN", serial: "0102", not_before: "2026-01-01T00:00:00Z", not_after: "2027-01-01T00:00:00Z", key_id: "01", label: "张三", has_private_key: true },
    { sha256: "bb", subject: "CN=Other", issuer: "CN=X", serial: "03", key_id: "02", has_private_key: true },
    { sha256: "cc", subject: "CN=Shares 02", issuer: "CN=X", serial: "04", key_id: "02", has_private_key: true },
    { sha256: "dd", subject: "CN=No id", issuer: "CN=X", serial: "05", key_id: null, has_private_key: false },
  ];
  assert.deepEqual(describeRetire(certs, "aa"), {
    sha256: "aa",
    subject: "CN=张三,O=测试医药有限公司,C=CN",
    cn: "张三",
    o: "测试医药有限公司",
    serial: "0102",
    not_before: "2026-01-01T00:00:00Z",
    not_after: "2027-01-01T00:00:00Z",
    issuer: "CN=certrenew Test CA,O=certrenew,C=CN",
    label: "张三",
    key_id: "01",
    has_private_key: true,
    key_kept: false,
  });
  assert.equal(describeRetire(certs, "bb")?.key_kept, true, "another certificate uses key 02: the host keeps it");
  assert.equal(describeRetire(certs, "dd")?.key_kept, true, "no CKA_ID: no key is deleted");
  assert.equal(describeRetire(certs, "ee"), null);
  assert.equal(describeRetire(certs, "AA"), null, "the exact hash, as listed");
  assert.equal(formatTime("2026-11-22T18:10:21Z"), "2026-11-22 18:10:21 UTC");
  assert.equal(formatTime(null), null);
});

// --- pin-operation with a fake browser: a lookup failure never reaches the host's command --

/**
 * A fake `chrome` whose native host answers by command (`answers[cmd]` → the answer's
 * ok/result/error part); records what was sent, windows opened, disconnects.
 * @param {Record<string, any>} answers
 */
function fakeChrome(answers) {
  const log = { sent: /** @type {any[]} */ ([]), windows: 0, disconnects: 0 };
  /** @type {any} */ (globalThis).chrome = {
    runtime: {
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
            const a = answers[msg.cmd] ?? { ok: false, error: { code: "UNKNOWN_COMMAND", message: msg.cmd } };
            setTimeout(() => onMessage.forEach((f) => f({ v: 1, id: msg.id, ...a })), 1);
          },
          disconnect: () => {
            log.disconnects += 1;
          },
        };
      },
    },
    windows: {
      create: async () => {
        log.windows += 1;
        return { id: 1 };
      },
      remove: async () => {},
      onRemoved: { addListener: () => {}, removeListener: () => {} },
    },
  };
  return log;
}

const HELLO = { ok: true, result: { protocol: 1, host_version: "0.1.0" } };
const TOKEN = { serial: "S1", label: "t", pin_pad: false, pin_count_low: false, pin_final_try: false, pin_locked: false };
const LISTING = { ok: true, result: { tokens: [{ token: TOKEN, certificates: [{ sha256: "aa", key_id: "01", subject: "CN=A", has_private_key: true }] }] } };
const ORIGIN = "https://ca.example.com";

test("pinOperation: a failed lookup on a kept (logged-in) connection sends nothing more, opens no window, ends the session", async () => {
  for (const [listing, code] of /** @type {[any, string][]} */ ([
    [{ ok: false, error: { code: "TOKEN_REMOVED", message: "gone" } }, "TOKEN_REMOVED"],
    [{ ok: true, result: { tokens: [] } }, "TOKEN_NOT_FOUND"],
    [{ ok: true, result: {} }, "INTERNAL"],
  ])) {
    const log = fakeChrome({ hello: HELLO, list_certificates: listing, sign: { ok: true, result: { signature: "x" } } });
    keepSession(ORIGIN, "S1", new HostConnection());
    assert.equal(hasSession(), true);
    await assert.rejects(pinOperation(ORIGIN, "tab", "sign", { token: "S1", cert_sha256: "aa", purpose: "login", challenge: "c" }), (e) => /** @type {any} */ (e).code === code);
    assert.deepEqual(log.sent.map((m) => m.cmd), ["list_certificates"], "nothing but the lookup reached the host");
    assert.equal(log.windows, 0);
    assert.equal(log.disconnects, 1, "the kept connection was closed (its host process ends, and the login with it)");
    assert.equal(hasSession(), false);
  }
});

test("pinOperation: a failed lookup on a fresh connection sends nothing more either", async () => {
  const log = fakeChrome({ hello: HELLO, list_certificates: { ok: false, error: { code: "NO_MODULE", message: "none" } }, sign: { ok: true, result: {} } });
  await assert.rejects(pinOperation(ORIGIN, "tab", "sign", { token: "S1", cert_sha256: "aa", purpose: "login", challenge: "c" }), (e) => /** @type {any} */ (e).code === "NO_MODULE");
  assert.deepEqual(log.sent.map((m) => m.cmd), ["hello", "list_certificates"]);
  assert.equal(log.windows, 0);
  assert.equal(log.disconnects, 1);
});

test("pinOperation: install_certificate whose retire is not on the token is refused (CERT_NOT_FOUND) before any window or host write", async () => {
  const log = fakeChrome({ hello: HELLO, list_certificates: LISTING, install_certificate: { ok: true, result: {} } });
  keepSession(ORIGIN, "S1", new HostConnection());
  await assert.rejects(
    // Key "02" holds no certificate yet: this is no re-run of an interrupted install.
    pinOperation(ORIGIN, "tab", "install_certificate", { token: "S1", key_id: "02", certificate: "AA==", retire: "ff".repeat(32), challenge: "c" }),
    (e) => /** @type {any} */ (e).code === "CERT_NOT_FOUND" && /** @type {any} */ (e).details.retire === "ff".repeat(32),
  );
  await assert.rejects(
    pinOperation(ORIGIN, "tab", "install_certificate", { token: "S1", key_id: "02", certificate: "AA==", retire: 7, challenge: "c" }),
    (e) => /** @type {any} */ (e).code === "BAD_REQUEST",
  );
  assert.ok(!log.sent.some((m) => m.cmd === "install_certificate"));
  assert.equal(log.windows, 0);
  assert.equal(hasSession(), false);
});

test("isSm2: the install window says 国密SM2 only for a certificate of an SM2 key", () => {
  // Self-signed by openssl 3: `req -x509 -newkey sm2 -sm3` and `-newkey ec` (P-256).
  const sm2 = "MIIBcjCCARegAwIBAgIUWhODU+6qkLQ9ss/JMJS8Xcf+4qkwCgYIKoEcz1UBg3UwDjEMMAoGA1UEAwwDc20yMB4XDTI2MTIwMjIwNTQxN1oXDTI2MTIwMzIwNTQxN1owDjEMMAoGA1UEAwwDc20yMFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEjutiGqB3lwkVCwxHS1SUD26K82Tjgn16aifNsEac5vPbQu0rberqjokcsxIBM531+Zt+ukdkClpsgTHXkbpYR6NTMFEwHQYDVR0OBBYEFCyiPFJ5NjKMEY4tK+B8p0kjXKnGMB8GA1UdIwQYMBaAFCyiPFJ5NjKMEY4tK+B8p0kjXKnGMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoEcz1UBg3UDSQAwRgIhALCCehI/3M8z4WPQVLZKgzP3sx2UHQNEd9tedZOB6mEBAiEAnDT0P9AW+NAuSJRe3v1iEJc/k8A29YsUChK6d8l3Kxc=";
  const p256 = "MIIBbzCCARWgAwIBAgIUWzpjECv2Q96UVuPyZxMoywV4RDowCgYIKoZIzj0EAwIwDTELMAkGA1UEAwwCZWMwHhcNMjYxMjAyMjA1NDE3WhcNMjYxMjAzMjA1NDE3WjANMQswCQYDVQQDDAJlYzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJlXkaQN9fvAmYj+PpDQ4f2VXkl3KKktxcX3DyckNTja7Z7JBsMfJRd8Nd9PGP6GTyW9gwuy7CivqSfWw9yCOIOjUzBRMB0GA1UdDgQWBBSnIlWgGl9hoRw8JjZA/Ur/ExMFDTAfBgNVHSMEGDAWgBSnIlWgGl9hoRw8JjZA/Ur/ExMFDTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDJ0M+OIZrgXML0r4Vz2MLKgSeBrNXzPkcxOildyZbtsAIgXWUeTAoiz/7MRGFn0bDmaHVoA0TnxJTsFzKl9qQIYqA=";
  assert.equal(isSm2(sm2), true);
  assert.equal(isSm2(p256), false);
  assert.equal(isSm2("not base64!"), false);
  assert.equal(isSm2(null), false);
});
