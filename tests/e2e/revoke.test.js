// @ts-check
/**
 * Revoking through the screens (issue 15). The apply page says the project keeps the
 * old certificate valid (its `old_certificate` rule). After the renewal, the customer
 * reports the key of the certificate they are signed in with (the old one) compromised
 * on the order page; a reviewer revokes it from the review queue's list of reports.
 * Then 吊销证书 in the console (app/src/admin/revoke.rs): the renewed certificate, good for
 * `openssl ocsp` (the OCSP URL in its own authority information access, verified against
 * the CA certificate fetched from its caIssuers URL), is revoked by the reviewer on the
 * renewal's revocation page, linked from its detail (reason keyCompromise, confirmed);
 * `openssl ocsp` says revoked.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { approveAndInstall, certificateCard, fillApplication, payOnline, signInIfAsked, submitApplication } from "./flows.js";
import { e2e } from "./harness.js";

/**
 * What a relying party holding only the certificate learns from `openssl ocsp`.
 * @param {string} dir
 * @param {Buffer} der
 * @param {string} name
 */
async function ocsp(dir, der, name) {
  const cert = new X509Certificate(der);
  const access = String(cert.infoAccess);
  const ocspUrl = /OCSP - URI:(\S+)/.exec(access)?.[1];
  const caUrl = /CA Issuers - URI:(\S+)/.exec(access)?.[1];
  assert.ok(ocspUrl && caUrl, `the certificate names its OCSP responder and issuer: ${access}`);
  const ca = new X509Certificate(Buffer.from(await (await fetch(caUrl)).arrayBuffer()));
  const caFile = join(dir, "ocsp-ca.pem");
  const certFile = join(dir, `${name}.pem`);
  writeFileSync(caFile, ca.toString());
  writeFileSync(certFile, cert.toString());
  const out = spawnSync("openssl", ["ocsp", "-issuer", caFile, "-cert", certFile, "-url", ocspUrl, "-CAfile", caFile, "-resp_text"], { encoding: "utf8" });
  assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
  assert.match(out.stderr, /Response verify OK/, out.stderr);
  return out.stdout;
}

// Revoking the certificate the customer signed in with ends that session
// (docs/revocation.md): the order page still open refreshes and is refused once.
const SESSION_ENDED = [/status of 401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/renewals\/\d{17}\)$/];

e2e("revoke: a reviewer revokes a renewed certificate in the console; openssl ocsp says revoked", { timeout: 300_000, allowConsole: SESSION_ENDED }, async (sys) => {
  const page = await sys.open("/");
  await (await certificateCard(sys, page)).locator(".renew").click();
  await page.waitForURL(/\/apply/, { timeout: 15_000 });
  await page.locator('#revocation-notice[data-rule="keep_valid"]').waitFor({ timeout: 15_000 });
  await signInIfAsked(sys, page);
  await fillApplication(sys, page);
  const no = await submitApplication(sys, page);
  await payOnline(sys, page);
  await approveAndInstall(sys, page, no);
  const old = sys.token.certDer;
  assert.match(await ocsp(sys.dir, old, "old-kept"), /: good/, "kept valid, as the apply page said");

  // The customer reports the key of the certificate they signed in with.
  await page.fill("#compromise-note", "USB Key 丢失");
  await page.click("#compromise-submit");
  await page.locator("#compromise [role=alert]").waitFor();
  await page.click("#compromise-submit");
  await page.locator("#compromise-sent").waitFor({ timeout: 15_000 });
  await sys.shot(page, "compromise-reported");
  assert.match(await ocsp(sys.dir, old, "old-reported"), /: good/, "a report alone revokes nothing");
  const id = sys.tokenObjects().find((o) => o.kind === "Certificate")?.id;
  assert.ok(id, "the renewed certificate is on the token");
  const der = sys.tokenCertificate(String(id));
  assert.match(await ocsp(sys.dir, der, "before"), /: good/);

  // The reviewer who approved it is still signed in to the console (same profile).
  const admin = await sys.context.newPage();
  await admin.goto(`${sys.origin}/admin`);
  const serial = new X509Certificate(old).serialNumber.toLowerCase().replace(/^(00)+/, "");
  const report = admin.locator(`#compromise-reports tr[data-serial="${serial}"]`);
  await report.waitFor({ timeout: 30_000 });
  await sys.shot(admin, "compromise-queue");
  await report.locator(".revoke-report").click();
  await report.waitFor({ state: "detached", timeout: 15_000 });
  const reported = await ocsp(sys.dir, old, "old-revoked");
  assert.match(reported, /: revoked/, reported);
  assert.match(reported, /Reason: keyCompromise/, reported);

  // 吊销证书 is a page of its own, linked from the renewal's detail.
  await admin.goto(`${sys.origin}/admin/renewals/${no}`);
  await admin.click("#link-revoke", { timeout: 30_000 });
  await admin.waitForURL(new RegExp(`/admin/renewals/${no}/certificate$`), { timeout: 15_000 });
  await admin.locator("#revoke #revoke-reason").waitFor({ timeout: 30_000 });
  await admin.selectOption("#revoke-reason", "keyCompromise");
  await admin.click("#revoke-submit");
  await admin.locator("#revoke [role=alert]").waitFor();
  await sys.shot(admin, "revoke-confirm");
  await admin.click("#revoke-submit");
  await admin.locator("#revoke-done").waitFor({ timeout: 20_000 });
  await sys.shot(admin, "revoke-done");
  await admin.click("#back-to-detail");
  await admin.waitForURL(new RegExp(`/admin/renewals/${no}$`), { timeout: 15_000 });
  await admin.locator("#admin-business-no").waitFor({ timeout: 30_000 });

  const after = await ocsp(sys.dir, der, "after");
  assert.match(after, /: revoked/, after);
  assert.match(after, /Reason: keyCompromise/, after);
  const audited = sys.sql(`SELECT actor FROM audit WHERE action = 'certificate.revoked' AND subject = '${no}'`);
  assert.deepEqual(audited, [["staff:reviewer1"]], "the revocation is audited as the reviewer's");
});
