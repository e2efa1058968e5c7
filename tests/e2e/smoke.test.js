// @ts-check
/**
 * The app loads from certrenew-server, finds the token's certificate through the real
 * extension and host, and the server says it is eligible; without the extension or
 * without a registered host, the setup page names the problem.
 */
import assert from "node:assert/strict";

import { e2e } from "./harness.js";

e2e("smoke: the app lists the token's certificate as eligible", {}, async (sys) => {
  const page = await sys.open("/");
  const card = page.locator(`.cert-card[data-sha256="${sys.token.sha256}"]`);
  await card.waitFor({ timeout: 30_000 });
  await page.locator(`.cert-card[data-sha256="${sys.token.sha256}"][data-status=eligible]`).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("#cert-list .cert-card").count(), 1);
  await sys.shot(page, "certificates");
});

e2e("smoke: no extension → #setup[data-problem=no_extension]", { extension: false }, async (sys) => {
  const page = await sys.open("/setup");
  await page.locator("#setup[data-problem=no_extension]").waitFor({ timeout: 30_000 });
  await sys.shot(page, "setup-no-extension");
});

e2e("smoke: no host registered → #setup[data-problem=no_host]", { host: "none" }, async (sys) => {
  const page = await sys.open("/setup");
  await page.locator("#setup[data-problem=no_host]").waitFor({ timeout: 30_000 });
  await sys.shot(page, "setup-no-host");
});
