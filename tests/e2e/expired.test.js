// @ts-check
/**
 * The expired-certificate path (docs/api.md §13) end to end in a real Chromium with the
 * real extension, host, SoftHSM token and certrenew-server: the token's certificate
 * expired 5 days ago; 我的证书 sends it to /expired; SMS sign-in (the code from the
 * server's SMS webhook), the certificate read off the token, the details, the 0.01-yuan
 * verification transfer (the code from the sandbox bank's statement), the signed form,
 * ID photos and the sandbox's liveness check, submit; then paid, reviewed in the
 * console (which shows what the applicant went through and serves the files) and
 * installed on the token without the old key's signature. pkcs11-tool, openssl and the
 * server's own view are the witnesses.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import {
  BANK,
  DELIBERATE_REFUSALS,
  EXECUTABLE,
  MOBILE,
  PDF,
  PNG,
  atStep,
  consoleListsApplication,
  fillDetails,
  inspectInConsole,
  liveness,
  onPage,
  payExpired,
  pick,
  see,
  seeError,
  sendTransfer,
  smsSignIn,
  startFromToken,
  stepNow,
  typeBankCode,
} from "./expired-flows.js";
import { approveAndInstall, businessNo, certificateCard, renewedOnToken, staffView, waitStatus } from "./flows.js";
import { e2e } from "./harness.js";


const EXPIRED = { days: -5, sms: true, allowConsole: DELIBERATE_REFUSALS };

e2e("expired: SMS sign-in, transfer, form, identity, paid, reviewed, installed: the token holds the renewed certificate", { ...EXPIRED, timeout: 480_000 }, async (sys) => {
  assert.ok(sys.token.notAfter.getTime() < Date.now(), "the token's certificate has expired");

  // 我的证书: the card says expired and leads to the expired path.
  const page = await sys.open("/");
  const card = await certificateCard(sys, page, "expired");
  await sys.shot(page, "certificates-expired");
  const link = card.locator('a[href$="/expired"]');
  assert.equal(await link.count(), 1, "the expired card links to /expired");
  // The link crosses bundles (/ → /expired): the browser must arrive on the path's page.
  await link.click();
  await page.locator("#expired-login").waitFor({ timeout: 15_000 });
  assert.match(new URL(page.url()).pathname, /^\/expired\/?$/, "the expired card's link leads to /expired");

  await smsSignIn(sys, page);
  const no = await startFromToken(sys, page);

  // Details.
  await fillDetails(sys, page, { months: 12 });
  await page.click("#details-save");
  await onPage(page, `/expired/${no}`, "saved details lead back to /expired/{no}");
  await atStep(page, "bank_account", "saved details lead to the basic account");

  // The verification transfer: a wrong code first.
  await sendTransfer(sys, page);
  const code = await sys.bankCode(BANK.accountNo);
  const wrong = code === "222222" ? "333333" : "222222";
  await typeBankCode(page, wrong);
  const bankError = await seeError(page, [".field-error[data-field=code]", ".notice.error[data-code]"], "a wrong transfer code is refused");
  await sys.shot(page, "expired-bank-code-wrong");
  assert.equal(await stepNow(page), "bank_code", `a wrong transfer code keeps the step (shown: ${JSON.stringify(bankError)})`);
  await typeBankCode(page, code.toLowerCase());
  await onPage(page, `/expired/${no}/form`, "the verified account leads to the form's own page");
  await atStep(page, "form", "the right transfer code (typed in lower case) verifies the account");

  // The form: printed with the business number and its QR code; an executable named
  // form.pdf is refused; the PDF moves on.
  const form = await see(page, "#printable-form", "the printable form");
  assert.ok(((await form.textContent()) ?? "").includes(no), "the form carries the business number");
  assert.ok((await page.locator("#form-qr svg").count()) > 0, "the form carries the QR code (#form-qr svg)");
  await sys.shot(page, "expired-form");
  // Printed, the page is the form alone: no header, steps, buttons or upload.
  await page.emulateMedia({ media: "print" });
  assert.ok(await page.locator("#printable-form").isVisible(), "the form is printed");
  assert.ok(await page.locator("#form-qr svg").isVisible(), "the QR code is printed");
  for (const hidden of ["header.top", "#expired-steps", "#form-print", "#form-file", "#form-upload", "#expired-cancel"]) {
    assert.ok(await page.locator(hidden).isHidden(), `${hidden} is not printed`);
  }
  await sys.shot(page, "expired-form-print");
  await page.emulateMedia({ media: "screen" });
  await pick(page, "#form-file", { name: "form.pdf", mimeType: "application/pdf", buffer: EXECUTABLE });
  await page.click("#form-upload");
  const typeError = await seeError(page, ['[data-rule="upload.type"]', ".field-error", ".notice.error[data-code]"], "an executable named form.pdf is refused");
  await sys.shot(page, "expired-form-refused");
  assert.ok(await page.locator('[data-rule="upload.type"]').first().isVisible(), `the refusal names the file's type ([data-rule="upload.type"]); shown: ${JSON.stringify(typeError)}`);
  assert.equal(await stepNow(page), "form", "a refused form keeps the step");
  await pick(page, "#form-file", { name: "form.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.click("#form-upload");
  await onPage(page, `/expired/${no}`, "the signed form uploaded leads back to /expired/{no}");
  await atStep(page, "identity", "the signed form uploaded leads to the identity check");

  // Identity: the ID photos; the liveness check failed once (listed), then passed.
  // The liveness check can start only once both photos are on the server.
  assert.ok(await page.locator("#liveness-start").isDisabled(), "#liveness-start waits for the ID photos");
  await pick(page, "#id-front-file", { name: "id-front.png", mimeType: "image/png", buffer: PNG });
  await see(page, "#id-back-file:enabled", "the front uploaded, the back may be chosen", 15_000);
  assert.ok(await page.locator("#liveness-start").isDisabled(), "#liveness-start waits for the back too");
  await pick(page, "#id-back-file", { name: "id-back.png", mimeType: "image/png", buffer: PNG });
  await see(page, "#liveness-start:enabled", "both ID photos uploaded: the liveness check may start", 15_000);
  await sys.shot(page, "expired-identity-photos");
  await liveness(sys, page, no, "fail");
  await see(page, '#identity-checks li[data-outcome="failed"]', "the failed liveness check listed");
  assert.equal(await stepNow(page), "identity", "a failed check keeps the step");
  assert.notEqual(((await page.textContent('#identity-checks li[data-outcome="failed"]')) ?? "").trim(), "", "the failure says why");
  await sys.shot(page, "expired-identity-failed");
  await liveness(sys, page, no, "pass");
  await atStep(page, "submit", "a passed identity check leads to the summary");

  // Submit: the renewal's own order page.
  await see(page, "#expired-summary", "the summary before submitting");
  await sys.shot(page, "expired-summary");
  await page.click("#expired-submit");
  await page.waitForURL(new RegExp(`/renewals/${no}`), { timeout: 30_000 });
  assert.equal(await businessNo(page), no, "the renewal keeps the application's number");
  await waitStatus(page, "awaiting_payment");
  await sys.shot(page, "order");

  await payExpired(sys, page);
  await waitStatus(page, "in_review");
  await sys.shot(page, "in-review");

  // The console: what the applicant went through, the files; then approved.
  await inspectInConsole(sys, no, { uploads: { form: PDF, id_front: PNG, id_back: PNG }, failed: 1 });
  await approveAndInstall(sys, page, no);

  // The witnesses (pkcs11-tool, openssl) and the page agree on the renewed certificate.
  const der = await renewedOnToken(sys, page);

  // The server: completed, the certificate on the token is the confirmed one.
  const view = await staffView(sys, no);
  assert.equal(view.renewal.status, "completed");
  assert.equal(view.renewal.certificate.status, "confirmed");
  assert.equal(view.renewal.certificate.sha256, createHash("sha256").update(der).digest("hex"));
  assert.deepEqual(view.renewal.payments.map((/** @type {any} */ p) => p.status), ["paid"]);
  const audit = await (await sys.staffApi("admin")).get("/admin/audit/verify");
  assert.equal(audit.body.ok, true, JSON.stringify(audit.body));
  assert.ok(sys.smsSent().some((m) => m.to === MOBILE), "the sign-in SMS went to the operator");

  await consoleListsApplication(sys, no, "submitted");
});

e2e("expired: at 360 px, a wrong SMS code and an organisation that is not the certificate's are refused where they were typed", { ...EXPIRED, viewport: { width: 360, height: 740 }, timeout: 240_000 }, async (sys) => {
  const page = await sys.open("/expired");
  await smsSignIn(sys, page, { wrongFirst: true });
  const no = await startFromToken(sys, page);

  await fillDetails(sys, page, { orgName: "另一家医药有限公司" });
  await page.click("#details-save");
  const mismatch = await see(page, '.field-error[data-field="organisation.name"][data-rule="organisation.name_mismatch"]', "the organisation that is not the certificate's O refused at #org-name", 15_000);
  assert.notEqual(((await mismatch.textContent()) ?? "").trim(), "", "the error says something");
  await sys.shot(page, "expired-details-mismatch");
  assert.equal(await stepNow(page), "details", "refused details keep the step");

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `the details form fits 360 px without horizontal scrolling (${overflow} px)`);

  await page.fill("#org-name", "测试医药有限公司");
  await page.click("#details-save");
  await onPage(page, `/expired/${no}`, "corrected details lead back to /expired/{no}");
  await atStep(page, "bank_account", "corrected details are saved");
  await sys.shot(page, "expired-details-saved");
});
