// @ts-check
/**
 * The whole on-time renewal through the app, in a real Chromium with the real
 * extension, host, SoftHSM token and certrenew-server: 我的证书 → 申请 (sign-in and
 * application signed with the token's key) → 缴费 at the sandbox gateway → a reviewer
 * approves in the console → 安装证书. pkcs11-tool, openssl and the server's own view
 * are the witnesses.
 */
import assert from "node:assert/strict";
import { X509Certificate, createHash } from "node:crypto";

import { applyFromCertificates, install, payOnline, review, staffView, waitStatus } from "./flows.js";
import { addMonthsClamped, e2e } from "./harness.js";

/** YYYY-MM-DD of `d` in UTC+8 (the app shows dates in China time). @param {Date} d */
const chinaDate = (d) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

e2e("renewal: on time, alipay, approved, installed: the token holds the renewed certificate", { timeout: 300_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  let view = await staffView(sys, no);
  assert.equal(view.renewal.project, "gd-med", "the first configured project when none is named");
  assert.equal(view.renewal.cert_sha256, sys.token.sha256);
  assert.equal(view.renewal.months, 12);

  await payOnline(sys, page);
  await waitStatus(page, "in_review");
  await page.locator('.stepper li[data-stage="pay"][data-state="done"]').waitFor({ timeout: 10_000 });
  await sys.shot(page, "in-review");

  await review(sys, no);
  await page.reload();
  await waitStatus(page, "approved");
  await install(sys, page);
  await waitStatus(page, "completed");

  // pkcs11-tool: one certificate, under the new key's id; nothing left of the old pair.
  const objects = sys.tokenObjects();
  const certs = objects.filter((o) => o.kind === "Certificate");
  assert.equal(certs.length, 1, JSON.stringify(objects));
  const newId = String(certs[0].id);
  assert.notEqual(newId, "01");
  assert.deepEqual(objects.filter((o) => o.id === "01"), [], "the old certificate and its keys are gone");
  assert.deepEqual(objects.filter((o) => o.id === newId).map((o) => o.kind).sort(), ["Certificate", "Private Key", "Public Key"]);

  // openssl: the renewed certificate chains to the CA the server publishes.
  const der = sys.tokenCertificate(newId);
  const verified = await sys.opensslVerify(der);
  assert.ok(verified.ok, verified.output);
  const renewed = new X509Certificate(der);
  const old = new X509Certificate(sys.token.certDer);
  assert.equal(renewed.subject, old.subject, "the subject carries over");
  assert.notEqual(renewed.publicKey.export({ type: "spki", format: "der" }).toString("hex"), old.publicKey.export({ type: "spki", format: "der" }).toString("hex"), "a new key");
  const expected = addMonthsClamped(sys.token.notAfter, 12);
  assert.equal(new Date(renewed.validTo).toISOString(), expected.toISOString(), "notAfter = old notAfter + 12 months");
  assert.ok(((await page.textContent("#new-not-after")) ?? "").includes(chinaDate(expected)), "#new-not-after shows the new date");

  // The server: completed, the certificate on the token is the confirmed one, one charge.
  view = await staffView(sys, no);
  assert.equal(view.renewal.status, "completed");
  assert.equal(view.renewal.certificate.status, "confirmed");
  assert.equal(view.renewal.certificate.sha256, createHash("sha256").update(der).digest("hex"));
  assert.deepEqual(view.renewal.payments.map((/** @type {any} */ p) => p.status), ["paid"]);
  assert.deepEqual(sys.sql(`SELECT ledger.kind, ledger.amount_fen FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["charge", String(view.renewal.total_fen)]]);
  const audit = await (await sys.staffApi("admin")).get("/admin/audit/verify");
  assert.equal(audit.body.ok, true, JSON.stringify(audit.body));
});
