// @ts-check
/**
 * 吊销证书 in the staff console (issue 15, app/src/admin/revoke.rs): a certificate renewed
 * through the app is good for `openssl ocsp` (asking the OCSP URL in its own authority
 * information access, verifying against the CA certificate fetched from its caIssuers
 * URL); a reviewer revokes it on the renewal's page (reason keyCompromise, confirmed);
 * then `openssl ocsp` says revoked with that reason.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { applyFromCertificates, approveAndInstall, payOnline } from "./flows.js";
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

e2e("revoke: a reviewer revokes a renewed certificate in the console; openssl ocsp says revoked", { timeout: 300_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await payOnline(sys, page);
  await approveAndInstall(sys, page, no);
  const id = sys.tokenObjects().find((o) => o.kind === "Certificate")?.id;
  assert.ok(id, "the renewed certificate is on the token");
  const der = sys.tokenCertificate(String(id));
  assert.match(await ocsp(sys.dir, der, "before"), /: good/);

  // The reviewer who approved it is still signed in to the console (same profile).
  const admin = await sys.context.newPage();
  await admin.goto(`${sys.origin}/admin/renewals/${no}`);
  await admin.locator("#revoke #revoke-reason").waitFor({ timeout: 30_000 });
  await admin.selectOption("#revoke-reason", "keyCompromise");
  await admin.click("#revoke-submit");
  await admin.locator("#revoke [role=alert]").waitFor();
  await sys.shot(admin, "revoke-confirm");
  await admin.click("#revoke-submit");
  await admin.locator("#revoke-done").waitFor({ timeout: 20_000 });
  await sys.shot(admin, "revoke-done");

  const after = await ocsp(sys.dir, der, "after");
  assert.match(after, /: revoked/, after);
  assert.match(after, /Reason: keyCompromise/, after);
  const audited = sys.sql(`SELECT actor FROM audit WHERE action = 'certificate.revoked' AND subject = '${no}'`);
  assert.deepEqual(audited, [["staff:reviewer1"]], "the revocation is audited as the reviewer's");
});
