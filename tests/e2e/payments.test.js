// @ts-check
/**
 * Paying and not paying, through the app and the Alipay emulator's cashier (the
 * production Alipay code): cancelling before paying; leaving the cashier unpaid, the
 * re-pay warning, a re-pay that closes the abandoned trade first and is charged once; a
 * rejection with its reason shown to the user and the payment refunded; a bank transfer
 * to the project's published account, confirmed by finance in the console.
 */
import assert from "node:assert/strict";

import { INVOICE, applyFromCertificates, payOnline, review, staffView, waitStatus } from "./flows.js";
import { e2e, poll } from "./harness.js";

e2e("payments: cancelling before paying frees the certificate", { timeout: 240_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  await page.click("#cancel-renewal");
  await page.locator("dialog#cancel-dialog #confirm-cancel").waitFor({ timeout: 10_000 });
  await sys.shot(page, "cancel-dialog");
  await page.click("#confirm-cancel");
  await waitStatus(page, "cancelled");
  await sys.shot(page, "cancelled");
  const view = await staffView(sys, no);
  assert.equal(view.renewal.status, "cancelled");
  assert.deepEqual(sys.sql(`SELECT COUNT(*) FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["0"]]);
  // Back on 我的证书 the certificate may be renewed again.
  await page.goto(`${sys.origin}/`);
  await page.locator(`.cert-card[data-sha256="${sys.token.sha256}"][data-status=eligible]`).waitFor({ timeout: 30_000 });
  await sys.shot(page, "certificates-after-cancel");
});

e2e("payments: leaving the cashier unpaid, the re-pay warning, a re-pay charged exactly once", { timeout: 240_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  // At Alipay's cashier the customer changes their mind and goes back to the order page.
  const left = await payOnline(sys, page, { outcome: "leave" });
  await waitStatus(page, "awaiting_payment");
  await page.locator(`#payment-pending[data-out-trade-no="${left.outTradeNo}"]`).waitFor({ timeout: 15_000 });
  // The attempt under way is on a page of its own; 重新支付 (#pay-again) opens the form.
  assert.equal(new URL(page.url()).pathname, `/renewals/${no}/paying`);
  await page.click("#pay-again");
  await page.locator("#repay-warning").waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, `/renewals/${no}/pay`);
  await sys.shot(page, "repay-warning");
  let view = await staffView(sys, no);
  assert.deepEqual(view.renewal.payments.map((/** @type {any} */ p) => p.status), ["pending"]);

  const paid = await payOnline(sys, page);
  assert.notEqual(paid.outTradeNo, left.outTradeNo, "a new attempt");
  await waitStatus(page, "in_review");
  await sys.shot(page, "paid");
  view = await staffView(sys, no);
  const statuses = view.renewal.payments.map((/** @type {any} */ p) => p.status);
  assert.deepEqual(statuses, ["closed", "paid"]);
  assert.deepEqual(sys.sql(`SELECT ledger.kind, ledger.amount_fen FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["charge", String(view.renewal.total_fen)]], "one charge in the ledger");
  assert.equal(view.audit.filter((/** @type {any} */ a) => a.action === "payment.paid").length, 1);
  // The abandoned trade was closed at Alipay before the new one: its cashier takes no money.
  await page.goto(left.url);
  await page.locator("#status").waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("#pay").count(), 0, "no 确认付款 on the closed trade");
  assert.equal((await (await fetch(`${sys.origin}/sandbox/alipay/orders/${left.outTradeNo}`)).json()).trade_status, "TRADE_CLOSED");
  await sys.shot(page, "abandoned-trade-closed");
});

e2e("payments: a rejection with a reason, shown to the user, the payment refunded", { timeout: 240_000 }, async (sys) => {
  const reason = "经办人身份证号码与营业执照登记信息不一致，请核对后重新申请。";
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await payOnline(sys, page);
  await waitStatus(page, "in_review");
  await review(sys, no, { reject: reason });
  await page.reload();
  await waitStatus(page, "rejected");
  await page.locator("#rejection-reason").waitFor({ timeout: 15_000 });
  assert.ok(((await page.textContent("#rejection-reason")) ?? "").includes(reason), "the reviewer's reason is shown");
  await page.locator("#refund-status[data-status]").waitFor({ timeout: 15_000 });
  await sys.shot(page, "rejected");
  const shown = await page.getAttribute("#refund-status", "data-status");
  assert.ok(shown === "pending" || shown === "done", `#refund-status data-status=${shown}`);

  // Alipay refunds at once (fund_change Y): done, and the ledger has the charge and its refund.
  const view = await poll(() => staffView(sys, no), (v) => v.renewal.refund?.status === "done", 15_000, "the refund done");
  assert.equal(view.renewal.refund.amount_fen, view.renewal.total_fen);
  assert.equal(view.renewal.rejection_reason, reason);
  const ledger = sys.sql(`SELECT ledger.kind, ledger.amount_fen FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}' ORDER BY ledger.id`);
  assert.deepEqual(ledger, [["charge", String(view.renewal.total_fen)], ["refund", String(-view.renewal.total_fen)]]);
  await page.reload();
  await page.locator("#refund-status[data-status=done]").waitFor({ timeout: 15_000 });
  await sys.shot(page, "refund-done");
});

e2e("payments: a bank transfer to the account the project publishes, confirmed by finance, starts the review", { timeout: 240_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  await waitStatus(page, "awaiting_payment");
  const project = (await staffView(sys, no)).renewal.project;
  const projects = /** @type {any[]} */ (await (await fetch(`${sys.origin}/api/v1/projects`)).json());
  const payee = projects.find((p) => p.id === project)?.payee;
  assert.ok(payee?.account_no, `project ${project} publishes its account`);

  // 对公转账: the CA's account as the project configures it, then the transfer's details.
  await page.locator("input[name=method][value=bank_transfer]").check({ timeout: 30_000 });
  assert.equal(((await page.locator("#bt-payee-account").textContent()) ?? "").trim(), payee.account_no, "the account shown is the project's");
  assert.ok(((await page.locator("#bt-payee").textContent()) ?? "").includes(payee.name_zh), "the account name is shown");
  await page.locator("input[name=invoice-kind][value=electronic]").check();
  await page.fill("#invoice-title", INVOICE.title);
  await page.fill("#taxpayer-id", INVOICE.taxpayerId);
  await page.fill("#bt-account", "6222 0212 3456 7890");
  await page.fill("#bt-name", INVOICE.title);
  await page.fill("#bt-date", String(await page.getAttribute("#bt-date", "max")));
  await sys.shot(page, "pay-bank-transfer");
  await page.click("#pay");
  await waitStatus(page, "awaiting_reconciliation");
  await sys.shot(page, "awaiting-reconciliation");
  assert.deepEqual(sys.sql(`SELECT COUNT(*) FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["0"]], "no money is booked before finance sees it");

  // Finance sees the transfer arrive and says so in the console.
  const finance = await sys.context.newPage();
  try {
    await sys.staffLogin(finance, "finance");
    await finance.goto(`${sys.origin}/admin/renewals/${no}`);
    // The money is the renewal's finance page, linked from its detail.
    await finance.click("#link-finance", { timeout: 30_000 });
    await finance.waitForURL(new RegExp(`/admin/renewals/${no}/finance$`), { timeout: 15_000 });
    const received = finance.locator(".reconcile-received[data-out-trade-no]");
    await received.waitFor({ timeout: 15_000 });
    await sys.shot(finance, "finance-reconcile");
    await received.click();
    await poll(async () => (await staffView(sys, no)).renewal.status, (s) => s === "in_review", 20_000, `renewal ${no} in review after reconciliation`);
    await sys.shot(finance, "finance-reconciled");
  } finally {
    await finance.close();
  }
  await waitStatus(page, "in_review");
  await sys.shot(page, "in-review");
  const view = await staffView(sys, no);
  assert.deepEqual(view.renewal.payments.map((/** @type {any} */ p) => [p.method, p.status]), [["bank_transfer", "paid"]]);
  assert.deepEqual(sys.sql(`SELECT COUNT(*) FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["1"]], "booked once");
});
