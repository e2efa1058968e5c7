// @ts-check
/**
 * The steps of the expired-certificate path (docs/api.md §13) as a person takes them in
 * the app: SMS sign-in on /expired, the certificate read from the token, then
 * /expired/{no} step by step (details, the verification transfer, the signed form, ID
 * photos and liveness, submit). Elements are found only by the hooks of app/README.md
 * ("expired …" rows), never by texts; a screenshot at every step.
 */
import assert from "node:assert/strict";

import { APPLICANT, INVOICE, alipayCashier, fillOperator, payOnline, setControl } from "./flows.js";
import { ORGANIZATION } from "./token.js";

/** @typedef {import("./harness.js").System} System */
/** @typedef {import("playwright-core").Page} Page */

/** The operator's mobile, which signs in by SMS. */
export const MOBILE = APPLICANT.mobile;
/** The organisation: the name is the certificate subject's O. */
export const ORG = { name: ORGANIZATION, credit: "91350100M000100Y43" };
export const LEGAL = { name: "李四", id: "11010519491231002X", mobile: "13900139000" };
export const BANK = { bank: "中国工商银行深圳分行", accountNo: "6222021234567890" };

/** The smallest PDF the server takes (header, `%%EOF` at the end). */
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n", "latin1");
/** A 1×1 PNG. */
export const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00,
  0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
]);
/** A DOS/Windows executable's first bytes, to be uploaded under the name form.pdf. */
export const EXECUTABLE = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00", "latin1"), Buffer.alloc(54), Buffer.from("This program cannot be run in DOS mode.\r\n$", "latin1"), Buffer.alloc(128)]);

/**
 * The browser logs every 4xx answer as a console error. Tolerated here: only the
 * refusals the tests cause on purpose (the pages ask `GET /sessions/current`, which
 * answers 200 signed in or not, so a sign-in is never a failed request) (a wrong SMS code, details that do not match the
 * certificate, a wrong transfer code, an executable as the form). No other error is.
 */
export const DELIBERATE_REFUSALS = [
  /^console\.error on \S+\/expired(\/\d{17}(\/(details|form))?)?\/?: Failed to load resource: the server responded with a status of 422 \([^)]*\) \(\S+\/api\/v1\/expired\/(sessions|applications\/\d{17}\/(details|bank-account\/verify|uploads\?\S*))\)$/,
];

/**
 * Waits until `selector` shows on `page`; fails with `what`, the URL and the step.
 * @param {Page} page
 * @param {string} selector
 * @param {string} what
 * @param {number} [timeout]
 */
export async function see(page, selector, what, timeout = 30_000) {
  try {
    await page.locator(selector).first().waitFor({ state: "visible", timeout });
  } catch {
    const step = await page
      .locator("#expired-wizard")
      .getAttribute("data-step", { timeout: 500 })
      .catch(() => null);
    throw new Error(`${what}: ${selector} did not show within ${timeout / 1000} s (on ${page.url()}, #expired-wizard[data-step=${step}])`);
  }
  return page.locator(selector).first();
}

/**
 * Waits until the wizard is at `step` (`#expired-wizard[data-step]`).
 * @param {Page} page
 * @param {string} step
 * @param {string} what
 * @param {number} [timeout]
 */
export async function atStep(page, step, what, timeout = 30_000) {
  await see(page, `#expired-wizard[data-step="${step}"]`, what, timeout);
}

/** The wizard's step now. @param {Page} page */
export async function stepNow(page) {
  return page.locator("#expired-wizard").getAttribute("data-step", { timeout: 5_000 });
}

/**
 * Waits for one of `selectors` to show (an error the user sees) and describes it.
 * @param {Page} page
 * @param {string[]} selectors
 * @param {string} what
 */
export async function seeError(page, selectors, what) {
  const any = selectors.join(", ");
  const el = await see(page, any, what, 15_000);
  return el.evaluate((e) => ({
    tag: e.tagName.toLowerCase(),
    cls: e.className,
    field: e.getAttribute("data-field"),
    rule: e.getAttribute("data-rule"),
    code: e.getAttribute("data-code"),
    text: (e.textContent ?? "").trim(),
  }));
}

/**
 * /expired: the SMS sign-in. Types the mobile, #sms-send, waits for #sms-sent and the
 * SMS, types its code (a wrong one first with `wrongFirst`, which must show
 * `.field-error[data-field=code]` and keep the sign-in form), #sms-login, until
 * #expired-start shows.
 * @param {System} sys
 * @param {Page} page
 * @param {{wrongFirst?: boolean}} [opts]
 */
export async function smsSignIn(sys, page, opts = {}) {
  await see(page, "#expired-login #sms-mobile, #sms-mobile", "the SMS sign-in form on /expired");
  await sys.shot(page, "expired-sign-in");
  await page.fill("#sms-mobile", MOBILE);
  const before = sys.smsCount();
  await page.click("#sms-send");
  await see(page, "#sms-sent", "the note that the code was sent (#sms-sent)", 15_000);
  const code = await sys.smsCode(MOBILE, before);
  assert.equal(sys.smsCount(), before + 1, "one SMS per #sms-send");
  await sys.shot(page, "expired-sms-sent");
  if (opts.wrongFirst) {
    const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
    await page.fill("#sms-code", wrong);
    await page.click("#sms-login");
    const shown = await seeError(page, [".field-error[data-field=code]"], "a wrong SMS code is refused next to the code field");
    assert.ok(shown.text.length > 0, `the code's error says something: ${JSON.stringify(shown)}`);
    assert.equal(await page.locator("#expired-start").isVisible(), false, "a wrong code does not sign in");
    assert.ok(await page.locator("#sms-code").isVisible(), "the code field stays for another try");
    assert.match(((await page.locator("#sms-tries-left").textContent()) ?? "").trim(), /4/, "the tries left are shown (5 per code, 1 used)");
    await sys.shot(page, "expired-sms-wrong-code");
  }
  await page.fill("#sms-code", code);
  await page.click("#sms-login");
  await see(page, "#expired-start", "signed in: the certificate to renew (#expired-start)", 15_000);
  await sys.shot(page, "expired-signed-in");
}

/**
 * #expired-start: #expired-read-token lists the token's certificates without asking for
 * the PIN; choosing the token's one starts (or reopens) the application. Returns the
 * business number, at /expired/{no}/details (the details step's own page, which
 * /expired/{no} moves to by itself) with the details step showing.
 * @param {System} sys
 * @param {Page} page
 */
export async function startFromToken(sys, page) {
  await page.click("#expired-read-token");
  const choice = `button.expired-token-cert[data-sha256="${sys.token.sha256}"]`;
  const pins = await sys.untilWithPins(page, choice, { timeout: 30_000 });
  assert.equal(pins, 0, "reading the certificates off the token asks for no PIN");
  await sys.shot(page, "expired-token-certificates");
  await page.click(choice);
  await page.waitForURL(/\/expired\/\d{17}\/details$/, { timeout: 30_000 }).catch(() => {
    throw new Error(`choosing the certificate did not open /expired/{no}, then /expired/{no}/details (at ${page.url()})`);
  });
  const no = /\/expired\/(\d{17})\/details$/.exec(page.url())?.[1] ?? "";
  await atStep(page, "details", "a new application starts at the details");
  const shown = await see(page, "#business-no", "the business number (#business-no)");
  assert.ok(((await shown.textContent()) ?? "").includes(no), `#business-no shows ${no}`);
  return no;
}

/**
 * The details step: agreement, period, organisation, legal representative, operator,
 * recipient (#copy-operator), electronic invoice. `orgName` replaces the organisation's
 * name (to break the owner rule).
 * @param {System} sys
 * @param {Page} page
 * @param {{months?: number, orgName?: string}} [opts]
 */
export async function fillDetails(sys, page, opts = {}) {
  await see(page, "#agreement-accept", "the details form");
  await page.locator("#agreement-accept").check();
  await setControl(page, "#months", String(opts.months ?? 12));
  await page.fill("#org-name", opts.orgName ?? ORG.name);
  await page.fill("#org-credit", ORG.credit);
  await page.fill("#legal-name", LEGAL.name);
  await page.fill("#legal-id", LEGAL.id);
  await page.fill("#legal-mobile", LEGAL.mobile);
  await fillOperator(page);
  await page.locator("input[name=invoice-kind][value=electronic]").check();
  await page.fill("#invoice-title", INVOICE.title);
  await page.fill("#taxpayer-id", INVOICE.taxpayerId);
  await sys.shot(page, "expired-details-filled");
}

/**
 * The bank step: the organisation's basic account, #bank-send; the transfer shows as
 * pending and the step asks for its code.
 * @param {System} sys
 * @param {Page} page
 */
export async function sendTransfer(sys, page) {
  await see(page, "#bank-account-name", "the basic-account form");
  await page.fill("#bank-account-name", ORG.name);
  await page.fill("#bank-bank", BANK.bank);
  await page.fill("#bank-account-no", BANK.accountNo);
  await sys.shot(page, "expired-bank-account");
  await page.click("#bank-send");
  await atStep(page, "bank_code", "after #bank-send the step asks for the transfer's code");
  await see(page, '#bank-transfer[data-status="pending"]', "the transfer shows as sent and waiting (#bank-transfer[data-status=pending])", 15_000);
  await sys.shot(page, "expired-bank-code");
}

/**
 * Types `code` into #bank-code and #bank-verify.
 * @param {Page} page
 * @param {string} code
 */
export async function typeBankCode(page, code) {
  await page.fill("#bank-code", code);
  await page.click("#bank-verify");
}

/**
 * Sets the file input `selector` to `file` (as a person picking it).
 * @param {Page} page
 * @param {string} selector
 * @param {{name: string, mimeType: string, buffer: Buffer}} file
 */
export async function pick(page, selector, file) {
  await page.locator(selector).setInputFiles(file);
}

/**
 * Waits until the page is `path` (the steps are on three pages: /expired/{no}, and the
 * details' and the form's own, /expired/{no}/details and /expired/{no}/form, each a
 * bundle of its own that the wizard moves to and back from by itself).
 * @param {Page} page
 * @param {string} path
 * @param {string} what
 */
export async function onPage(page, path, what) {
  await page.waitForURL((url) => url.pathname === path, { timeout: 30_000 }).catch(() => {
    throw new Error(`${what}: not on ${path} (at ${page.url()})`);
  });
}

/**
 * On the sandbox's liveness page (after #liveness-start): #liveness-pass or
 * #liveness-fail, then back on /expired/{no}.
 * @param {System} sys
 * @param {Page} page
 * @param {string} no
 * @param {"pass" | "fail"} outcome
 */
export async function liveness(sys, page, no, outcome) {
  await see(page, "#liveness-start", "the liveness check's start (#liveness-start)");
  await page.click("#liveness-start");
  await page.waitForURL(/\/sandbox\/liveness/, { timeout: 15_000 }).catch(() => {
    throw new Error(`#liveness-start did not go to the provider's page /sandbox/liveness… (at ${page.url()})`);
  });
  await see(page, `#liveness-${outcome}`, `the sandbox liveness page's #liveness-${outcome}`, 15_000);
  await sys.shot(page, `liveness-before-${outcome}`);
  await page.click(`#liveness-${outcome}`);
  await page.waitForURL(new RegExp(`/expired/${no}(\\?|#|$)`), { timeout: 15_000 }).catch(() => {
    throw new Error(`the liveness page did not come back to /expired/${no} (at ${page.url()})`);
  });
}

/**
 * The order page's payment for an expired-path renewal: Alipay and, when the page still
 * asks (the details already chose it), an electronic invoice; paid at the Alipay
 * emulator's cashier; back on /renewals/{no}.
 * @param {System} sys
 * @param {Page} page
 */
export async function payExpired(sys, page) {
  await see(page, "input[name=method][value=alipay]", "the payment methods on the order page");
  if (await page.locator("input[name=invoice-kind][value=electronic]").isVisible()) {
    await payOnline(sys, page);
    return;
  }
  await page.locator("input[name=method][value=alipay]").check();
  await sys.shot(page, "pay-alipay");
  await alipayCashier(sys, page, "pay");
}

/**
 * A reviewer opens /admin/renewals/{no} in a tab of their own, follows its link to
 * /admin/renewals/{no}/expired and checks the expired path's section: the mobile that signed in, the verified transfer, the identity checks
 * (`failed` failed ones and one passed), and the uploads, each downloaded with the
 * reviewer's session and compared with what was uploaded (`uploads`, by kind).
 * @param {System} sys
 * @param {string} no
 * @param {{uploads: Record<string, Buffer>, failed: number}} expected
 */
export async function inspectInConsole(sys, no, expected) {
  const admin = await sys.context.newPage();
  try {
    await sys.staffLogin(admin, "reviewer");
    await admin.goto(`${sys.origin}/admin/renewals/${no}`);
    // The expired path's application is a page of its own, linked from the detail.
    await see(admin, "#link-expired", "the link to the expired path's page on /admin/renewals/{no}");
    await admin.click("#link-expired");
    await admin.waitForURL(new RegExp(`/admin/renewals/${no}/expired$`), { timeout: 15_000 });
    await see(admin, "#expired-section", "the console's expired-path section on /admin/renewals/{no}/expired");
    await see(admin, "#expired-mobile", "the mobile that signed in (#expired-mobile)");
    assert.ok(((await admin.textContent("#expired-mobile")) ?? "").includes(MOBILE), `#expired-mobile shows ${MOBILE} to the reviewer`);
    await see(admin, '#expired-transfers tr[data-status="verified"]', "the verified transfer (#expired-transfers tr[data-status=verified])");
    assert.equal(await admin.locator("#expired-transfers tr[data-status]").count(), 1, "one transfer was sent");
    assert.ok(((await admin.textContent('#expired-transfers tr[data-status="verified"]')) ?? "").includes(BANK.accountNo), "the reviewer sees the full account number");
    await see(admin, '#expired-identity li[data-outcome="passed"]', "the passed identity check (#expired-identity li[data-outcome=passed])");
    assert.equal(await admin.locator('#expired-identity li[data-outcome="passed"]').count(), 1, "one identity check passed");
    assert.equal(await admin.locator('#expired-identity li[data-outcome="failed"]').count(), expected.failed, "the failed identity checks stay listed");
    const links = admin.locator("#expired-uploads a.upload");
    await see(admin, "#expired-uploads a.upload", "the uploads (#expired-uploads a.upload)");
    assert.equal(await links.count(), Object.keys(expected.uploads).length, "every file accepted is listed, nothing else");
    await sys.shot(admin, "admin-expired-section");
    /** @type {string[]} */
    const kinds = [];
    for (const link of await links.all()) {
      const kind = String(await link.getAttribute("data-kind"));
      const href = String(await link.getAttribute("href"));
      kinds.push(kind);
      const r = await admin.request.get(new URL(href, `${sys.origin}/`).href);
      assert.equal(r.status(), 200, `downloading the ${kind} upload (${href}): ${r.status()}`);
      const body = await r.body();
      assert.ok(expected.uploads[kind], `an upload of a kind not uploaded: ${kind}`);
      assert.ok(body.equals(expected.uploads[kind]), `the ${kind} download (${href}) is the file uploaded (${body.length} bytes, expected ${expected.uploads[kind].length})`);
    }
    assert.deepEqual(kinds.sort(), Object.keys(expected.uploads).sort(), "one link per upload kind");
    // Signed out again, so that the review (flows.js) signs in as a reviewer would.
    await admin.click("#admin-logout");
    await see(admin, "#admin-username", "the console's sign-in form after #admin-logout", 15_000);
  } finally {
    await admin.close();
  }
}

/**
 * /admin/expired lists the application with `status`.
 * @param {System} sys
 * @param {string} no
 * @param {string} status
 */
export async function consoleListsApplication(sys, no, status) {
  const admin = await sys.context.newPage();
  try {
    // The review before may have left the staff session open (flows.js does not sign out).
    await admin.goto(`${sys.origin}/admin`);
    await see(admin, "#admin-username, #admin-logout", "the console");
    if (await admin.locator("#admin-username").isVisible()) await sys.staffLogin(admin, "reviewer");
    await admin.goto(`${sys.origin}/admin/expired`);
    await see(admin, `#expired-list tr[data-business-no="${no}"][data-status="${status}"]`, `/admin/expired lists ${no} as ${status}`);
    await sys.shot(admin, "admin-expired-list");
  } finally {
    await admin.close();
  }
}
