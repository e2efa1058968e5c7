// @ts-check
/**
 * The app loads from certrenew-server and finds the token's certificate through the
 * real extension and host; the server says it is eligible (30 days left).
 */
import assert from "node:assert/strict";

import { certificateCard } from "./flows.js";
import { e2e } from "./harness.js";

e2e("smoke: the app lists the token's certificate as eligible", {}, async (sys) => {
  const page = await sys.open("/");
  await certificateCard(sys, page, "eligible");
  assert.equal(await page.locator("#cert-list .cert-card").count(), 1);
  await page.locator(`.cert-card[data-sha256="${sys.token.sha256}"] .renew`).waitFor();
  // It ran under the strict policy (a violation is a console error, which fails the
  // test): no inline script in the page, wasm allowed by 'wasm-unsafe-eval' only.
  const csp = await page.evaluate(async () => (await fetch("/")).headers.get("content-security-policy"));
  assert.match(csp ?? "", /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp ?? "", /unsafe-inline/);
  assert.equal(await page.locator("script:not([src])").count(), 0, "no inline script");
  await sys.shot(page, "certificates");
});

e2e("smoke: 360 px wide, the certificate card and its renew button fit", { viewport: { width: 360, height: 740 } }, async (sys) => {
  const page = await sys.open("/");
  await certificateCard(sys, page, "eligible");
  const renew = page.locator(`.cert-card[data-sha256="${sys.token.sha256}"] .renew`);
  const box = await renew.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `the renew button is inside 360 px: ${JSON.stringify(box)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `no horizontal scrolling (${overflow} px)`);
  await sys.shot(page, "certificates-360");
});
