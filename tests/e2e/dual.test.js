// @ts-check
/**
 * The whole renewal of a dual token (签名证书 + 加密证书, issue 11) through the app, in a
 * real Chromium with the real extension, host, SoftHSM token and certrenew-server: 我的证书
 * shows the pair as one card → 申请 on the dual platform → 缴费 at the Alipay emulator's cashier →
 * a reviewer approves → 安装证书 with the PIN in the extension's window. The witnesses:
 * pkcs11-tool lists the new signing pair, the new encryption pair (its key sensitive,
 * not extractable) and the kept old encryption pair; openssl verifies both new
 * certificates and encrypts to the new encryption certificate, the token decrypts it;
 * a message encrypted to the OLD encryption certificate before the renewal still
 * decrypts after it; 我的证书 shows the renewed pair and the old one as history.
 */
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";

import { addEncryptionPair, decryptOnToken, encryptTo, privateKeyAccess } from "./dual-token.js";
import { applyFromCertificates, approveAndInstall, payOnline, staffView, waitStatus } from "./flows.js";
import { e2e } from "./harness.js";
import { validFrom } from "./token.js";

/** The built-in sample platform that issues pairs (server/src/projects.rs). */
const DUAL_PROJECT = "gd-med-dual";

const sha256 = (/** @type {Buffer} */ der) => createHash("sha256").update(der).digest("hex");

e2e("dual: a signing and encryption pair renewed together; the old encryption key kept, old and new data decrypt on the token", { timeout: 300_000 }, async (sys) => {
  const old = addEncryptionPair(sys.token, {
    issue: (csrPath, notAfter) => sys.cli(["ca", "issue", "--csr", csrPath, "--not-after", notAfter, ...validFrom(notAfter), "--project", DUAL_PROJECT, "--encryption"]),
  });
  // A bid document encrypted to the old encryption certificate, opened after the renewal.
  const oldMessage = Buffer.from("投标文件 encrypted before the renewal");
  const oldCiphertext = encryptTo(sys.dir, old.certPem, oldMessage);

  // 我的证书: one card for the pair, each certificate's details on demand.
  const page = await sys.open("/");
  await page.locator("#project").selectOption(DUAL_PROJECT, { timeout: 30_000 });
  const pairCard = page.locator(`.cert-card[data-sha256="${sys.token.sha256}"][data-pair="true"][data-encryption-sha256="${old.sha256}"]`);
  await pairCard.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(`.cert-card[data-sha256="${old.sha256}"]`).count(), 0, "the encryption certificate is not a card of its own");
  const encDetails = pairCard.locator(`details.cert-details[data-role="encryption"][data-sha256="${old.sha256}"]`);
  await encDetails.locator("summary").click();
  assert.ok(await encDetails.evaluate((d) => /** @type {HTMLDetailsElement} */ (d).open), "the encryption certificate's details open on demand");
  await sys.shot(page, "certificates-pair-before");

  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  let view = await staffView(sys, no);
  assert.equal(view.renewal.project, DUAL_PROJECT);
  assert.equal(view.renewal.kind, "dual");
  assert.equal(view.renewal.cert_sha256, sys.token.sha256);
  assert.equal(view.renewal.encryption?.old_sha256, old.sha256, "the application carried the old encryption certificate");
  await page.locator('#pair-summary[data-state="planned"]').waitFor({ timeout: 10_000 });

  await payOnline(sys, page);
  await waitStatus(page, "in_review");
  await approveAndInstall(sys, page, no);
  await page.locator(`#pair-summary[data-state="done"] ul.pair-kept li[data-sha256="${old.sha256}"]`).waitFor({ timeout: 15_000 });
  await sys.shot(page, "pair-done");

  // The server: completed, both new certificates issued and the signing one confirmed.
  view = await staffView(sys, no);
  assert.equal(view.renewal.status, "completed");
  assert.equal(view.renewal.certificate.status, "confirmed");
  const newSigningSha = view.renewal.certificate.sha256;
  const newEncSha = view.renewal.encryption?.sha256;
  assert.ok(newEncSha && newEncSha !== old.sha256, JSON.stringify(view.renewal.encryption));

  // pkcs11-tool: the new signing pair, the new encryption pair, the kept old one; the
  // old signing pair is gone.
  const objects = sys.tokenObjects();
  const certIds = objects.filter((o) => o.kind === "Certificate").map((o) => String(o.id));
  assert.equal(certIds.length, 3, JSON.stringify(objects));
  assert.deepEqual(objects.filter((o) => o.id === "01"), [], "the old signing certificate and its keys are gone");
  const byId = new Map(certIds.map((id) => [id, sys.tokenCertificate(id)]));
  const idOf = (/** @type {string} */ sha) => [...byId].find(([, der]) => sha256(der) === sha)?.[0];
  const signingId = idOf(newSigningSha);
  const encId = idOf(newEncSha);
  assert.ok(signingId && encId, `the token holds both new certificates: ${JSON.stringify(objects)}`);
  assert.equal(idOf(old.sha256), old.id, "the old encryption certificate is kept under its id");
  const kinds = (/** @type {string} */ id) => objects.filter((o) => o.id === id).map((o) => o.kind).sort();
  assert.deepEqual(kinds(signingId), ["Certificate", "Private Key", "Public Key"], "the new signing pair");
  assert.ok(kinds(encId).includes("Private Key"), `the new encryption key: ${JSON.stringify(kinds(encId))}`);
  assert.deepEqual(kinds(old.id), ["Certificate", "Private Key", "Public Key"], "the old encryption pair is kept");
  const access = privateKeyAccess(sys.token, encId);
  assert.match(access, /\bsensitive\b/, access);
  assert.doesNotMatch(access, /(^|, )extractable/, `the new encryption key is not extractable: ${access}`);

  // openssl: both chain to the CA; one subject; the encryption certificate is new.
  const newSigning = new X509Certificate(/** @type {Buffer} */ (byId.get(signingId)));
  const newEnc = new X509Certificate(/** @type {Buffer} */ (byId.get(encId)));
  for (const der of [newSigning.raw, newEnc.raw]) {
    const verified = await sys.opensslVerify(der);
    assert.ok(verified.ok, verified.output);
  }
  assert.equal(newEnc.subject, newSigning.subject, "the pair shares its subject");
  assert.equal(newEnc.subject, new X509Certificate(old.certPem).subject, "the subject carries over");

  // Data encrypted to the new encryption certificate decrypts on the token; data
  // encrypted to the old one before the renewal still does.
  const newMessage = Buffer.from("投标文件 encrypted after the renewal");
  assert.deepEqual(decryptOnToken(sys.token, encId, encryptTo(sys.dir, newEnc.toString(), newMessage)), newMessage);
  assert.deepEqual(decryptOnToken(sys.token, old.id, oldCiphertext), oldMessage);

  // 我的证书 after: the renewed pair is one card, the old encryption certificate history.
  await page.goto(`${sys.origin}/`);
  await page.locator("#project").selectOption(DUAL_PROJECT, { timeout: 30_000 });
  await page.locator(`.cert-card[data-sha256="${newSigningSha}"][data-pair="true"][data-encryption-sha256="${newEncSha}"]`).waitFor({ timeout: 30_000 });
  const history = page.locator(`.history-list .cert-card.history[data-sha256="${old.sha256}"]`);
  await history.waitFor({ timeout: 10_000 });
  assert.equal(await history.locator(".renew").count(), 0, "history is never offered for renewal");
  assert.equal(await page.locator(`.cert-card[data-sha256="${sys.token.sha256}"]`).count(), 0, "the old signing certificate is gone");
  await sys.shot(page, "certificates-pair-after");
});
