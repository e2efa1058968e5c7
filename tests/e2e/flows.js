// @ts-check
/**
 * The steps a person takes through the app, shared by the e2e tests. They find
 * elements only by the hooks of app/README.md (ids and data attributes, never texts)
 * and take a screenshot at every step.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";

import { addMonthsClamped, poll } from "./harness.js";

/** @typedef {import("./harness.js").System} System */
/** @typedef {import("playwright-core").Page} Page */

/** What the applicant types (valid under the protocol crate's validators). */
export const APPLICANT = {
  idType: "resident_id",
  idNumber: "11010519491231002X",
  name: "张三",
  mobile: "13800138000",
  email: "zhangsan@example.com",
  address: "广州市天河区体育西路1号",
};
export const INVOICE = { title: "测试医药有限公司", taxpayerId: "91350100M000100Y43" };

/**
 * Sets a form control to `value` whatever it is (select, checkbox/radio, or text).
 * @param {Page} page
 * @param {string} selector
 * @param {string} value
 */
export async function setControl(page, selector, value) {
  const el = page.locator(selector).first();
  const kind = await el.evaluate((e) => (e.tagName === "SELECT" ? "select" : /** @type {HTMLInputElement} */ (e).type ?? "text"));
  if (kind === "select") await el.selectOption(value);
  else await el.fill(value);
}

/**
 * Waits until `#renewal-status` shows `status` (the order page may poll the server).
 * @param {Page} page
 * @param {string} status
 * @param {number} [timeout]
 */
export async function waitStatus(page, status, timeout = 30_000) {
  await page.locator(`#renewal-status[data-status="${status}"]`).waitFor({ timeout });
}

/**
 * The business number of the order page shown (from the URL, checked against #business-no).
 * @param {Page} page
 */
export async function businessNo(page) {
  await page.waitForURL(/\/renewals\/\d{17}/, { timeout: 30_000 });
  const no = /\/renewals\/(\d{17})/.exec(page.url())?.[1] ?? "";
  await page.locator("#business-no").waitFor({ timeout: 15_000 });
  assert.ok(((await page.locator("#business-no").textContent()) ?? "").includes(no), "#business-no shows the order's number");
  return no;
}

/**
 * 我的证书: the token's certificate is listed as `status`; returns its card.
 * @param {System} sys
 * @param {Page} page
 * @param {string} [status]
 */
export async function certificateCard(sys, page, status = "eligible") {
  const card = page.locator(`.cert-card[data-sha256="${sys.token.sha256}"]`);
  await card.waitFor({ timeout: 30_000 });
  await page.locator(`.cert-card[data-sha256="${sys.token.sha256}"][data-status="${status}"]`).waitFor({ timeout: 15_000 });
  return card;
}

/**
 * On /apply: signs in with the certificate (#sign-in + PIN window) when the page asks,
 * until the form shows.
 * @param {System} sys
 * @param {Page} page
 */
export async function signInIfAsked(sys, page) {
  await page.locator("#sign-in, #agreement-accept").first().waitFor({ timeout: 30_000 });
  if (await page.locator("#sign-in").isVisible()) {
    await sys.shot(page, "apply-sign-in");
    await sys.clickWithPins(page, "#sign-in", "#agreement-accept");
  }
}

/**
 * Fills the application form on /apply (agreement, period, operator, recipient via
 * #copy-operator) and checks the fee shows.
 * @param {System} sys
 * @param {Page} page
 * @param {{months?: number}} [opts]
 */
export async function fillApplication(sys, page, opts = {}) {
  await page.locator("#agreement-accept").check();
  await setControl(page, "#months", String(opts.months ?? 12));
  await page.locator("#fee-total").waitFor();
  assert.notEqual(((await page.locator("#fee-total").textContent()) ?? "").trim(), "", "#fee-total shows the fee");
  await fillOperator(page);
  await sys.shot(page, "apply-filled");
}

/**
 * The operator (经办人) and the recipient, by #copy-operator: the same controls on the
 * on-time application and the expired path's details.
 * @param {Page} page
 */
export async function fillOperator(page) {
  await setControl(page, "#id-type", APPLICANT.idType);
  await page.fill("#id-number", APPLICANT.idNumber);
  await page.fill("#op-name", APPLICANT.name);
  await page.fill("#op-mobile", APPLICANT.mobile);
  await page.fill("#op-email", APPLICANT.email);
  await page.click("#copy-operator");
  assert.equal(await page.inputValue("#rcpt-name"), APPLICANT.name, "#copy-operator copies the name");
  assert.equal(await page.inputValue("#rcpt-mobile"), APPLICANT.mobile, "#copy-operator copies the mobile");
  await page.fill("#rcpt-address", APPLICANT.address);
}

/** YYYY-MM-DD of `d` in UTC+8 (the app shows dates in China time). @param {Date} d */
export const chinaDate = (d) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * After an install: the witnesses agree that the token holds the renewed certificate.
 * pkcs11-tool: one certificate, under a new key's id, nothing left of the old pair;
 * openssl: it chains to the CA the server publishes; the subject carries over, the key
 * is new, notAfter = old notAfter + `months`, and the page shows that date.
 * Returns the new certificate's DER.
 * @param {System} sys
 * @param {Page} page
 * @param {number} [months]
 */
export async function renewedOnToken(sys, page, months = 12) {
  const objects = sys.tokenObjects();
  const certs = objects.filter((o) => o.kind === "Certificate");
  assert.equal(certs.length, 1, JSON.stringify(objects));
  const newId = String(certs[0].id);
  assert.notEqual(newId, "01", "a new key pair");
  assert.deepEqual(objects.filter((o) => o.id === "01"), [], "the old certificate and its keys are gone");
  assert.deepEqual(objects.filter((o) => o.id === newId).map((o) => o.kind).sort(), ["Certificate", "Private Key", "Public Key"]);

  const der = sys.tokenCertificate(newId);
  const verified = await sys.opensslVerify(der);
  assert.ok(verified.ok, verified.output);
  const renewed = new X509Certificate(der);
  const old = new X509Certificate(sys.token.certDer);
  assert.equal(renewed.subject, old.subject, "the subject carries over");
  const spki = (/** @type {X509Certificate} */ c) => c.publicKey.export({ type: "spki", format: "der" }).toString("hex");
  assert.notEqual(spki(renewed), spki(old), "a new key");
  const expected = addMonthsClamped(sys.token.notAfter, months);
  assert.equal(new Date(renewed.validTo).toISOString(), expected.toISOString(), `notAfter = old notAfter + ${months} months`);
  assert.ok(((await page.textContent("#new-not-after")) ?? "").includes(chinaDate(expected)), "#new-not-after shows the new date");
  return der;
}

/**
 * Submits the application: #submit-application, the confirmation dialog, #confirm-submit,
 * the PIN window for the `apply` signature; returns the business number of the order.
 * @param {System} sys
 * @param {Page} page
 */
export async function submitApplication(sys, page) {
  await page.click("#submit-application");
  await page.locator("dialog#confirm-dialog #confirm-submit").waitFor({ timeout: 15_000 });
  await sys.shot(page, "apply-confirm");
  await sys.clickWithPins(page, "#confirm-submit", "#business-no", { timeout: 60_000 });
  const no = await businessNo(page);
  await sys.shot(page, "order");
  return no;
}

/**
 * From 我的证书 to a submitted application: `.renew`, /apply, sign-in, the form, submit.
 * Returns the business number.
 * @param {System} sys
 * @param {Page} page
 * @param {{months?: number}} [opts]
 */
export async function applyFromCertificates(sys, page, opts = {}) {
  const card = await certificateCard(sys, page);
  await sys.shot(page, "certificates");
  await card.locator(".renew").click();
  await page.waitForURL(/\/apply/, { timeout: 15_000 });
  await signInIfAsked(sys, page);
  await fillApplication(sys, page, opts);
  return submitApplication(sys, page);
}

/**
 * On the order page: Alipay and an electronic invoice, then `alipayCashier`. Returns what
 * it does.
 * @param {System} sys
 * @param {Page} page
 * @param {{outcome?: "pay" | "leave"}} [opts]
 */
export async function payOnline(sys, page, opts = {}) {
  await page.locator("input[name=method][value=alipay]").check({ timeout: 30_000 });
  await page.locator("input[name=invoice-kind][value=electronic]").check();
  await page.fill("#invoice-title", INVOICE.title);
  await page.fill("#taxpayer-id", INVOICE.taxpayerId);
  await sys.shot(page, "pay-alipay");
  return alipayCashier(sys, page, opts.outcome ?? "pay");
}

/**
 * The order page's #pay (Alipay chosen) to the Alipay emulator's cashier, a signed
 * `alipay.trade.page.pay` asking for the total the order page shows; there `pay` presses
 * 确认付款 (#pay), whose signed return brings the browser back to the order page, and
 * `leave` goes back to the order page unpaid with the browser's back button, as a
 * customer who changes their mind does. Returns the cashier's URL and order number.
 * @param {System} sys
 * @param {Page} page
 * @param {"pay" | "leave"} outcome
 */
export async function alipayCashier(sys, page, outcome) {
  const total = ((await page.textContent("#pay-total")) ?? "").replace(/[¥,\s]/g, "");
  await Promise.all([page.waitForURL(/\/sandbox\/alipay\/gateway\.do\?/, { timeout: 30_000 }), page.click("#pay")]);
  const url = page.url();
  const params = new URL(url).searchParams;
  assert.equal(params.get("method"), "alipay.trade.page.pay");
  assert.equal(params.get("sign_type"), "RSA2");
  const outTradeNo = String(JSON.parse(params.get("biz_content") ?? "{}").out_trade_no);
  await page.locator("#pay").waitFor({ timeout: 15_000 });
  assert.equal(await page.textContent("#amount"), total, "the cashier asks for the order's total");
  await sys.shot(page, `alipay-cashier-${outcome}`);
  const back = /\/renewals\/\d{17}/;
  if (outcome === "pay") await Promise.all([page.waitForURL(back, { timeout: 15_000 }), page.click("#pay")]);
  else await page.goBack({ timeout: 15_000 });
  await page.waitForURL(back, { timeout: 15_000 });
  return { url, outTradeNo };
}

/**
 * The renewal as the staff console's API sees it (as admin).
 * @param {System} sys
 * @param {string} no
 */
export async function staffView(sys, no) {
  const api = await sys.staffApi("admin");
  const detail = await api.get(`/admin/renewals/${no}`);
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  return detail.body;
}

/**
 * A reviewer signs in to /admin in a tab of their own, opens the renewal from the queue
 * and acts on it: `approve`, or `reject` with `reason`. Waits until the server has it.
 * @param {System} sys
 * @param {string} no
 * @param {{reject?: string}} [opts]
 */
export async function review(sys, no, opts = {}) {
  const admin = await sys.context.newPage();
  try {
    await sys.staffLogin(admin, "reviewer");
    const row = admin.locator(`#queue tr[data-business-no="${no}"]`);
    await row.waitFor({ timeout: 30_000 });
    await sys.shot(admin, "admin-queue");
    const link = row.locator("a").first();
    if ((await link.count()) > 0) await link.click();
    else await row.click();
    await admin.waitForURL(new RegExp(`/admin/renewals/${no}`), { timeout: 15_000 });
    const want = opts.reject === undefined ? "approved" : "rejected";
    if (opts.reject === undefined) {
      await admin.locator("#approve").waitFor({ timeout: 15_000 });
      await sys.shot(admin, "admin-detail");
      await admin.click("#approve");
    } else {
      await admin.locator("#reject-reason").waitFor({ timeout: 15_000 });
      await admin.fill("#reject-reason", opts.reject);
      await sys.shot(admin, "admin-reject");
      await admin.click("#reject");
    }
    // Approving asks to confirm in dialog#approve-dialog (#confirm-approve); a rejection
    // may too (#confirm-reject). Confirm when asked, until the server has the decision.
    const confirm = admin.locator(opts.reject === undefined ? "dialog#approve-dialog #confirm-approve" : "#confirm-reject");
    let confirmed = false;
    await poll(
      async () => {
        if (!confirmed && (await confirm.isVisible().catch(() => false))) {
          await sys.shot(admin, `admin-${want}-confirm`);
          await confirm.click();
          confirmed = true;
        }
        return (await staffView(sys, no)).renewal.status;
      },
      (s) => s === want,
      20_000,
      `renewal ${no} ${want}`,
    );
    await sys.shot(admin, `admin-${want}`);
  } finally {
    await admin.close();
  }
}

/**
 * On the order page of an approved renewal: #install, the PIN windows, #install-done.
 * @param {System} sys
 * @param {Page} page
 */
export async function install(sys, page) {
  await page.locator("#install").waitFor({ timeout: 30_000 });
  await sys.shot(page, "install");
  await sys.clickWithPins(page, "#install", "#install-done", { timeout: 90_000 });
  await sys.shot(page, "install-done");
}

/**
 * A reviewer approves renewal `no` in the console; the customer's order page, which
 * refreshes itself while under review, moves by itself to its install page
 * (`/renewals/{no}/install`, a bundle of its own) and shows it approved; then, unless
 * `install` is false, the install runs to completed.
 * @param {System} sys
 * @param {Page} page the customer's order page
 * @param {string} no
 * @param {{install?: boolean}} [opts]
 */
export async function approveAndInstall(sys, page, no, opts = {}) {
  await review(sys, no);
  // No reload: it would race the page's own move (location.replace) and abort.
  await page.waitForURL(new RegExp(`/renewals/${no}/install`), { timeout: 30_000 });
  await waitStatus(page, "approved");
  if (opts.install === false) return;
  await install(sys, page);
  await waitStatus(page, "completed");
}
