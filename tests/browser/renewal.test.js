// @ts-check
/**
 * A whole renewal on the token through the page protocol, in a real Chromium with the
 * real extension, the real host and a SoftHSM token: generate_csr with the PIN typed in
 * the extension's window, install_certificate of a certificate issued for that request
 * (a confirmation only: same host connection, still logged in), discard_key of an
 * abandoned key. openssl and pkcs11-tool check the results independently.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  assertNoPinSeen,
  certificateSubject,
  clickClosing,
  enterPin,
  inspectCsr,
  issueCertificate,
  listObjects,
  localeTexts,
  opensslVerify,
  pageRequest,
  setup,
  sha256hex,
  windowShows,
} from "./harness.js";

const SUBJECT = "CN=张三,O=测试医药有限公司,C=CN";
const challenge = () => randomBytes(32).toString("base64");

test("renewal: generate_csr (PIN in the window), install_certificate (confirmation only, same connection), discard_key", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const listed = await pageRequest(page, "list_certificates");
    assert.equal(listed.ok, true, JSON.stringify(listed));
    const old = listed.result.tokens[0].certificates[0];
    assert.equal(old.key_id, "01");
    const origin = env.server.origin;
    const token = env.token.serial;

    // 1. generate_csr: a PIN window (with a PIN field); a PIN the page sends is dropped.
    const csrChallenge = challenge();
    let windowOpens = env.nextPinWindow();
    let pending = pageRequest(page, "generate_csr", { token, cert_sha256: old.sha256, algorithm: "ec-p256", challenge: csrChallenge, pin: "999999" });
    let win = await windowOpens;
    let shown = await windowShows(win);
    assert.equal(shown.origin, origin);
    assert.ok(localeTexts("opGenerateCsr").includes(String(shown.operation)), `operation shown: ${shown.operation}`);
    assert.equal(shown.subject, SUBJECT);
    assert.equal(shown.token, env.token.label);
    assert.equal(shown.pinField, true);
    await enterPin(win);
    const generated = await pending;
    assert.equal(generated.ok, true, JSON.stringify(generated));
    const { key_id: keyId, csr, binding_signature: binding, algorithm } = generated.result;
    assert.match(keyId, /^([0-9a-f]{2})+$/);
    assert.notEqual(keyId, "01");
    assert.equal(algorithm, "ecdsa-p256-sha256"); // the OLD key's, which made the binding

    // The request verifies, names the old certificate's subject, carries a new key.
    const csrDer = Buffer.from(csr, "base64");
    const request = inspectCsr(env.dir, csrDer);
    assert.equal(request.verified, true, "openssl req -verify accepts the CSR");
    assert.equal(request.subject, "CN=张三,O=测试医药有限公司,C=CN");
    assert.equal(request.subject, certificateSubject(env.dir, env.token.certDer));
    assert.notEqual(readFileSync(request.pubPem, "utf8"), readFileSync(env.token.pubPem, "utf8"));

    // The binding signature: the OLD key over the exact rekey TBS, and nothing else.
    const tbs = `certrenew-v1\nrekey\n${origin}\n${csrChallenge}\n${sha256hex(csrDer)}\n`;
    const bindingSig = Buffer.from(binding, "base64");
    assert.ok(opensslVerify(env.dir, env.token.pubPem, Buffer.from(tbs, "utf8"), bindingSig), "binding signature verifies with the old key");
    assert.ok(!opensslVerify(env.dir, request.pubPem, Buffer.from(tbs, "utf8"), bindingSig), "…and not with the new key");
    assert.ok(!opensslVerify(env.dir, env.token.pubPem, Buffer.from(`certrenew-v1\nrekey\n${origin}\n${csrChallenge}\n${"0".repeat(64)}\n`), bindingSig));
    assert.ok(!opensslVerify(env.dir, env.token.pubPem, Buffer.from(`certrenew-v1\nrekey\nhttps://evil.example\n${csrChallenge}\n${sha256hex(csrDer)}\n`), bindingSig));

    // The new key pair is on the token, without a certificate yet.
    let objects = listObjects(env.token, { login: true });
    assert.deepEqual(objects.filter((o) => o.id === keyId).map((o) => o.kind).sort(), ["Private Key", "Public Key"]);

    // 2. install_certificate of a certificate issued for that request. The follow-up runs
    //    on the same (logged-in) connection: the window only confirms, no PIN field.
    const certDer = issueCertificate(env.token, csrDer);
    const installChallenge = challenge();
    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "install_certificate", { token, key_id: keyId, certificate: certDer.toString("base64"), retire: old.sha256, challenge: installChallenge });
    win = await windowOpens;
    shown = await windowShows(win);
    assert.equal(shown.pinField, false, "a confirmation has no PIN field");
    assert.equal(shown.confirmText, true);
    assert.equal(shown.origin, origin);
    assert.ok(localeTexts("opInstallCertificate").includes(String(shown.operation)), `operation shown: ${shown.operation}`);
    assert.equal(shown.subject, SUBJECT);
    assert.equal(shown.token, env.token.label);
    await clickClosing(win, "#ok");
    const installed = await pending;
    assert.equal(installed.ok, true, JSON.stringify(installed));
    assert.equal(installed.result.retired, true);
    assert.equal(installed.result.certificate.sha256, sha256hex(certDer));
    assert.equal(installed.result.certificate.key_id, keyId);
    assert.equal(installed.result.certificate.subject, SUBJECT);
    assert.equal(installed.result.algorithm, "ecdsa-p256-sha256");
    const confirmation = Buffer.from(installed.result.confirmation_signature, "base64");
    const installedTbs = Buffer.from(`certrenew-v1\ninstalled\n${origin}\n${installChallenge}\n\n`, "utf8");
    assert.ok(opensslVerify(env.dir, request.pubPem, installedTbs, confirmation), "confirmation signature verifies with the NEW key");
    assert.ok(!opensslVerify(env.dir, env.token.pubPem, installedTbs, confirmation));

    // pkcs11-tool: the new certificate under the new key id; nothing of the old one left.
    objects = listObjects(env.token, { login: true });
    const certs = objects.filter((o) => o.kind === "Certificate");
    assert.deepEqual(certs.map((c) => c.id), [keyId], JSON.stringify(objects));
    assert.deepEqual(objects.filter((o) => o.id === "01"), [], "the old certificate and its keys are gone");
    assert.deepEqual(objects.filter((o) => o.id === keyId).map((o) => o.kind).sort(), ["Certificate", "Private Key", "Public Key"]);
    assert.ok(objects.filter((o) => o.id === keyId).every((o) => o.label === "张三"), "the new objects carry the old certificate's label");
    const relisted = await pageRequest(page, "list_certificates");
    assert.equal(relisted.ok, true, JSON.stringify(relisted));
    assert.deepEqual(
      relisted.result.tokens[0].certificates.map((/** @type {any} */ c) => [c.sha256, c.key_id, c.has_private_key]),
      [[sha256hex(certDer), keyId, true]],
    );

    // 3. An abandoned generate_csr (still within the kept session: confirmation only), then
    //    discard_key of its key; the installed key is refused (KEY_IN_USE).
    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "generate_csr", { token, cert_sha256: sha256hex(certDer), algorithm: "ec-p256", challenge: challenge() });
    win = await windowOpens;
    shown = await windowShows(win);
    assert.equal(shown.pinField, false);
    await clickClosing(win, "#ok");
    const abandoned = await pending;
    assert.equal(abandoned.ok, true, JSON.stringify(abandoned));
    const abandonedId = abandoned.result.key_id;
    assert.notEqual(abandonedId, keyId);
    assert.equal(listObjects(env.token, { login: true }).filter((o) => o.id === abandonedId).length, 2);

    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "discard_key", { token, key_id: abandonedId });
    win = await windowOpens;
    shown = await windowShows(win);
    assert.equal(shown.pinField, false);
    assert.ok(localeTexts("opDiscardKey").includes(String(shown.operation)), `operation shown: ${shown.operation}`);
    await clickClosing(win, "#ok");
    const discarded = await pending;
    assert.equal(discarded.ok, true, JSON.stringify(discarded));
    assert.deepEqual(discarded.result, { key_id: abandonedId, deleted: 2 });
    objects = listObjects(env.token, { login: true });
    assert.deepEqual(objects.filter((o) => o.id === abandonedId), [], "the abandoned key pair is gone");
    assert.equal(objects.filter((o) => o.id === keyId).length, 3, "the installed certificate and its keys stay");

    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "discard_key", { token, key_id: keyId });
    win = await windowOpens;
    await windowShows(win);
    await clickClosing(win, "#ok");
    const refused = await pending;
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, "KEY_IN_USE", JSON.stringify(refused));
    assert.equal(listObjects(env.token, { login: true }).filter((o) => o.id === keyId).length, 3);

    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});

test("host stopped in the middle of install_certificate (fault switch after `write`): HOST_UNAVAILABLE, then the same request again finishes the job", async () => {
  // CERTRENEW_FAULT_AFTER (debug builds only) makes every host this browser starts exit
  // with status 70, without answering, right after install_certificate wrote the new
  // certificate: the host dies mid-request at the worst moment for the token.
  const env = await setup({ hostEnv: { CERTRENEW_FAULT_AFTER: "write" } });
  try {
    const page = await env.openPage();
    const listed = await pageRequest(page, "list_certificates");
    assert.equal(listed.ok, true, JSON.stringify(listed));
    const old = listed.result.tokens[0].certificates[0];
    const token = env.token.serial;

    let windowOpens = env.nextPinWindow();
    let pending = pageRequest(page, "generate_csr", { token, cert_sha256: old.sha256, algorithm: "ec-p256", challenge: challenge() });
    await enterPin(await windowOpens);
    const generated = await pending;
    assert.equal(generated.ok, true, JSON.stringify(generated));
    const keyId = generated.result.key_id;
    const certDer = issueCertificate(env.token, Buffer.from(generated.result.csr, "base64"));
    const args = { token, key_id: keyId, certificate: certDer.toString("base64"), retire: old.sha256, challenge: challenge() };

    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "install_certificate", args);
    let win = await windowOpens;
    assert.equal((await windowShows(win)).pinField, false);
    await clickClosing(win, "#ok");
    const died = await pending;
    assert.equal(died.ok, false);
    assert.equal(died.error.code, "HOST_UNAVAILABLE", JSON.stringify(died));
    assert.match(String(died.error.details?.browser), /exited/i);
    // Both certificates are on the token: a usable pair at every instant.
    let certs = listObjects(env.token).filter((o) => o.kind === "Certificate").map((o) => o.id).sort();
    assert.deepEqual(certs, ["01", keyId].sort());

    // The connection died with the host, so the next operation asks for the PIN again.
    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "install_certificate", { ...args, challenge: challenge() });
    win = await windowOpens;
    assert.equal((await windowShows(win)).pinField, true);
    await enterPin(win);
    const finished = await pending;
    assert.equal(finished.ok, true, JSON.stringify(finished));
    assert.equal(finished.result.retired, true);
    assert.equal(finished.result.certificate.sha256, sha256hex(certDer));
    const objects = listObjects(env.token, { login: true });
    certs = objects.filter((o) => o.kind === "Certificate").map((o) => o.id);
    assert.deepEqual(certs, [keyId]);
    assert.deepEqual(objects.filter((o) => o.id === "01"), []);
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});
