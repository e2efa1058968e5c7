// @ts-check
/**
 * Payments through the production gateway code, pointed at the sandbox's emulators.
 *
 * A whole renewal paid by WeChat Pay's QR code: the pay panel shows the Native order's
 * code_url as a QR code with the amount and a live waiting line; the test plays the
 * customer's phone by telling the sandbox's WeChat Pay emulator it was scanned and paid;
 * the emulator's signed, encrypted notice reaches the server through the production
 * WeChat Pay code, and the page moves on by itself (paid on another device).
 *
 * The whole renewal paid by Alipay, at the emulator's cashier, is renewal.test.js's
 * journey (flows.js payOnline; every journey that pays uses it).
 *
 * A renewal paid by UnionPay: the order page goes to this server's pay page, which
 * posts the signed ACP 5.1.0 consumption form to the UnionPay emulator's
 * `frontTransReq.do`; the customer presses 确认付款 at its cashier (the signed back
 * notice reaches the production UnionPay code), then 返回商户, whose signed front
 * notice brings the browser back to the order page, now in review.
 */
import assert from "node:assert/strict";

import { INVOICE, applyFromCertificates, approveAndInstall, staffView, waitStatus } from "./flows.js";
import { e2e } from "./harness.js";

e2e("gateways: a renewal paid by WeChat QR, the phone paying at the emulator", { timeout: 300_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  await page.locator("input[name=method][value=wechat]").check({ timeout: 30_000 });
  await page.locator("input[name=invoice-kind][value=electronic]").check();
  await page.fill("#invoice-title", INVOICE.title);
  await page.fill("#taxpayer-id", INVOICE.taxpayerId);
  await page.click("#pay");
  // No redirect: the code is on the order's paying page (/renewals/{no}/paying, a page
  // of its own), with the amount and the waiting line.
  const qr = page.locator("#wechat-qr");
  await qr.waitFor({ timeout: 30_000 });
  assert.match(new URL(page.url()).pathname, /^\/renewals\/\d{17}\/paying$/);
  const codeUrl = await qr.getAttribute("data-code-url");
  assert.ok(codeUrl?.startsWith("weixin://wxpay/bizpayurl?pr="), String(codeUrl));
  await qr.locator(".qr svg").waitFor({ timeout: 5_000 });
  let view = await staffView(sys, no);
  assert.equal(await page.locator("#wechat-amount").textContent(), view.renewal.total_display);
  await page.locator("#wechat-waiting").waitFor();
  await sys.shot(page, "wechat-qr");

  // The phone scans and pays; its notice comes twice.
  const r = await fetch(`${sys.origin}/sandbox/wechatpay/phone/pay`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code_url: codeUrl, copies: 2 }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  const paid = await r.json();
  assert.deepEqual(paid.answers.map((/** @type {any} */ a) => a.status), [204, 204]);
  // The page notices by itself.
  await waitStatus(page, "in_review");
  await sys.shot(page, "wechat-paid");

  await approveAndInstall(sys, page, no);
  view = await staffView(sys, no);
  assert.equal(view.renewal.status, "completed");
  assert.deepEqual(sys.sql(`SELECT ledger.kind, ledger.amount_fen FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["charge", String(view.renewal.total_fen)]]);
  assert.deepEqual(sys.sql(`SELECT provider, gateway_trade_no FROM payments WHERE business_no = '${no}'`), [["wechatpay", paid.transaction_id]]);
});

e2e("gateways: a renewal paid by UnionPay at the emulator's cashier", { timeout: 300_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  await page.locator("input[name=method][value=unionpay]").check({ timeout: 30_000 });
  await page.locator("input[name=invoice-kind][value=electronic]").check();
  await page.fill("#invoice-title", INVOICE.title);
  await page.fill("#taxpayer-id", INVOICE.taxpayerId);
  // The pay page posts the signed form by itself: the browser lands at the cashier.
  await Promise.all([page.waitForURL(/\/sandbox\/unionpay\/gateway\/api\/frontTransReq\.do$/, { timeout: 30_000 }), page.click("#pay")]);
  const view = await staffView(sys, no);
  assert.equal(await page.locator("#amount").textContent(), (view.renewal.total_fen / 100).toFixed(2));
  await sys.shot(page, "unionpay-cashier");
  await Promise.all([page.waitForURL(/\/sandbox\/unionpay\/cashier\//, { timeout: 15_000 }), page.click("#pay")]);
  await Promise.all([page.waitForURL(/\/renewals\/\d{17}/, { timeout: 15_000 }), page.click("#return")]);
  await waitStatus(page, "in_review");
  await sys.shot(page, "unionpay-paid");
  const [[provider, orderId, queryId]] = sys.sql(`SELECT provider, out_trade_no, gateway_trade_no FROM payments WHERE business_no = '${no}' AND status = 'paid'`);
  assert.equal(provider, "unionpay");
  const order = await (await fetch(`${sys.origin}/sandbox/unionpay/orders/${orderId}`)).json();
  assert.equal(order.state, "paid");
  assert.equal(order.query_id, queryId);
  assert.deepEqual(sys.sql(`SELECT ledger.kind, ledger.amount_fen FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["charge", String(view.renewal.total_fen)]]);
});
