// @ts-check
/**
 * A relying platform sends its user: /renew?project=pingan&return_url=… shows the
 * platform's notice (供应商须知) first; the renewal is for that project, and at the end
 * #return-to-platform leads back to the URL given.
 */
import assert from "node:assert/strict";

import { approveAndInstall, certificateCard, fillApplication, payOnline, signInIfAsked, staffView, submitApplication, waitStatus } from "./flows.js";
import { e2e } from "./harness.js";

e2e("platform: pingan's entry, notice, renewal, and the way back", { timeout: 300_000 }, async (sys) => {
  // An allowed return address of pingan (server/src/projects.rs: http://127.0.0.1 prefix).
  const back = `${sys.origin}/back-to-platform?from=ca&x=1`;
  const page = await sys.open(`/renew?project=pingan&return_url=${encodeURIComponent(back)}`);
  await page.locator("#platform-notice").waitFor({ timeout: 30_000 });
  await sys.shot(page, "platform-notice");
  await page.click("#notice-continue");

  // The notice leads on to 我的证书 or straight to the application.
  await page.locator(`#sign-in, #agreement-accept, .cert-card[data-sha256="${sys.token.sha256}"]`).first().waitFor({ timeout: 30_000 });
  if (!/\/apply/.test(page.url())) {
    const card = await certificateCard(sys, page);
    await sys.shot(page, "certificates");
    await card.locator(".renew").click();
    await page.waitForURL(/\/apply/, { timeout: 15_000 });
  }
  await signInIfAsked(sys, page);
  await fillApplication(sys, page);
  const no = await submitApplication(sys, page);
  let view = await staffView(sys, no);
  assert.equal(view.renewal.project, "pingan");
  assert.equal(view.renewal.return_url, back);

  await payOnline(sys, page);
  await waitStatus(page, "in_review");
  await approveAndInstall(sys, page, no);
  const link = page.locator("#return-to-platform");
  await link.waitFor({ timeout: 15_000 });
  assert.equal(await link.getAttribute("href"), back);
  await sys.shot(page, "return-to-platform");
  view = await staffView(sys, no);
  assert.equal(view.renewal.status, "completed");
});
