// @ts-check
/**
 * 安装证书 interrupted: the host stops (CERTRENEW_FAULT_AFTER, debug builds) after the
 * new certificate is written, verified and labelled, before the old one is retired.
 * After a reload, #install again resumes; the token ends with exactly the new
 * certificate and its key pair.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { applyFromCertificates, approveAndInstall, payOnline, staffView, waitStatus } from "./flows.js";
import { FAULT_STEP, e2e, sleep } from "./harness.js";

e2e("install: interrupted after writing the certificate, resumed after a reload", { host: "fault", timeout: 300_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await payOnline(sys, page);
  await waitStatus(page, "in_review");
  await approveAndInstall(sys, page, no, { install: false });

  // The first install stops at the fault: the page must not claim success.
  await page.locator("#install").waitFor({ timeout: 30_000 });
  await sys.shot(page, "install");
  await page.click("#install");
  const deadline = Date.now() + 60_000;
  while (!sys.faultFired()) {
    for (const w of sys.pinWindows()) await sys.answerPinWindow(w).catch(() => {});
    if (Date.now() > deadline) throw new Error(`the host did not stop after ${FAULT_STEP}`);
    await sleep(100);
  }
  await sleep(2000);
  await sys.shot(page, "install-interrupted");
  assert.equal(await page.locator("#install-done").isVisible(), false, "no success after the host stopped");

  // Both certificates are on the token now, each with its keys.
  let objects = sys.tokenObjects();
  const certIds = objects.filter((o) => o.kind === "Certificate").map((o) => o.id).sort();
  assert.equal(certIds.length, 2, `old and new certificate after the stop: ${JSON.stringify(objects)}`);
  const newId = String(certIds.find((id) => id !== "01"));
  let view = await staffView(sys, no);
  assert.equal(view.renewal.status, "issued");

  // A reload, #install again: resumed.
  await page.reload();
  await page.locator("#install").waitFor({ timeout: 30_000 });
  await sys.shot(page, "install-resume");
  await sys.clickWithPins(page, "#install", "#install-done", { timeout: 90_000 });
  await sys.shot(page, "install-done");
  await waitStatus(page, "completed");

  objects = sys.tokenObjects();
  assert.deepEqual(objects.map((o) => [o.kind, o.id]).sort(), [["Certificate", newId], ["Private Key", newId], ["Public Key", newId]], JSON.stringify(objects));
  const der = sys.tokenCertificate(newId);
  view = await staffView(sys, no);
  assert.equal(view.renewal.certificate.sha256, createHash("sha256").update(der).digest("hex"), "the certificate issued before the stop, not a second one");
  assert.equal(view.renewal.certificate.status, "confirmed");
  const verified = await sys.opensslVerify(der);
  assert.ok(verified.ok, verified.output);
});
