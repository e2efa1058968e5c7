// @ts-check
/**
 * The whole on-time renewal through the app, in a real Chromium with the real
 * extension, host, SoftHSM token and certrenew-server: 我的证书 → 申请 (sign-in and
 * application signed with the token's key) → 缴费 by Alipay (the production Alipay code
 * against the sandbox's emulator: the signed alipay.trade.page.pay redirect to its
 * cashier, 确认付款, the signed notice, the signed return to the order page) → a reviewer
 * approves in the console → 安装证书 → 退出登录. pkcs11-tool, openssl, the server's own
 * view and the Alipay emulator's trade are the witnesses.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { applyFromCertificates, approveAndInstall, payOnline, renewedOnToken, staffView, waitStatus } from "./flows.js";
import { e2e } from "./harness.js";

e2e("renewal: on time, alipay, approved, installed: the token holds the renewed certificate", { timeout: 300_000 }, async (sys) => {
  const page = await sys.open("/");
  const no = await applyFromCertificates(sys, page);
  // The pay panel is a page of its own: /renewals/{no} moves there by itself.
  await page.waitForURL((url) => url.pathname === `/renewals/${no}/pay`, { timeout: 15_000 });
  await waitStatus(page, "awaiting_payment");
  let view = await staffView(sys, no);
  assert.equal(view.renewal.project, "gd-med", "the first configured project when none is named");
  assert.equal(view.renewal.cert_sha256, sys.token.sha256);
  assert.equal(view.renewal.months, 12);

  const paid = await payOnline(sys, page);
  await waitStatus(page, "in_review");
  // Paid: back on the order's overview, by itself.
  await page.waitForURL((url) => url.pathname === `/renewals/${no}`, { timeout: 15_000 });
  await page.locator('.stepper li[data-stage="pay"][data-state="done"]').waitFor({ timeout: 10_000 });
  await sys.shot(page, "in-review");

  await approveAndInstall(sys, page, no);

  // The witnesses (pkcs11-tool, openssl) and the page agree on the renewed certificate.
  const der = await renewedOnToken(sys, page);

  // Signing out ends the session on the server: the same cookie no longer opens the order.
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  assert.equal((await fetch(`${sys.origin}/api/v1/renewals/${no}`, { headers: { cookie } })).status, 200);
  await page.locator("#sign-out").click();
  await page.waitForURL((u) => u.pathname === "/", { timeout: 10_000 });
  assert.equal((await fetch(`${sys.origin}/api/v1/renewals/${no}`, { headers: { cookie } })).status, 401, "the session ended on the server");

  // The server: completed, the certificate on the token is the confirmed one, one charge.
  view = await staffView(sys, no);
  assert.equal(view.renewal.status, "completed");
  assert.equal(view.renewal.certificate.status, "confirmed");
  assert.equal(view.renewal.certificate.sha256, createHash("sha256").update(der).digest("hex"));
  assert.deepEqual(view.renewal.payments.map((/** @type {any} */ p) => p.status), ["paid"]);
  assert.deepEqual(sys.sql(`SELECT ledger.kind, ledger.amount_fen FROM ledger JOIN payments USING (out_trade_no) WHERE business_no = '${no}'`), [["charge", String(view.renewal.total_fen)]]);
  // Alipay has the trade paid, under the trade_no the server recorded.
  const [[provider, tradeNo]] = sys.sql(`SELECT provider, gateway_trade_no FROM payments WHERE out_trade_no = '${paid.outTradeNo}'`);
  assert.equal(provider, "alipay");
  const trade = await (await fetch(`${sys.origin}/sandbox/alipay/orders/${paid.outTradeNo}`)).json();
  assert.equal(trade.trade_status, "TRADE_SUCCESS");
  assert.equal(trade.trade_no, tradeNo);
  const audit = await (await sys.staffApi("admin")).get("/admin/audit/verify");
  assert.equal(audit.body.ok, true, JSON.stringify(audit.body));
});
