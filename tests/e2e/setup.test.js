// @ts-check
/**
 * 环境检测: what the app says when a part is missing. 我的证书 sends the user to the
 * setup page, which names the problem (#setup[data-problem]).
 */
import assert from "node:assert/strict";

import { e2e, fakeResults } from "./harness.js";

/**
 * @param {import("./harness.js").System} sys
 * @param {string} problem
 */
async function expectProblem(sys, problem) {
  const page = await sys.open("/");
  await page.locator(`#setup[data-problem="${problem}"]`).waitFor({ timeout: 30_000 });
  assert.match(new URL(page.url()).pathname, /^\/setup/);
  await sys.shot(page, `setup-${problem}`);
  return page;
}

e2e("setup: no extension", { extension: false }, async (sys) => {
  await expectProblem(sys, "no_extension");
});

e2e("setup: the host is not registered, with downloads for every OS", { host: "none" }, async (sys, t) => {
  const page = await expectProblem(sys, "no_host");
  const links = page.locator("#host-downloads a[data-os]");
  assert.ok((await links.count()) > 0, "#host-downloads lists downloads");
  // What build-app.sh put into dist/downloads/ is served as a file; a link to anything
  // else gets the app's index.html (the server's fallback for routes): reported.
  let linux = false;
  for (const a of await links.all()) {
    const href = String(await a.getAttribute("href"));
    const r = await fetch(new URL(href, sys.origin), { method: "HEAD" });
    const served = r.status === 200 && !String(r.headers.get("content-type")).startsWith("text/html");
    if (href.includes("linux")) {
      assert.ok(served, `${href} is the host, not the app (${r.status} ${r.headers.get("content-type")})`);
      linux = true;
    } else if (!served) {
      t.diagnostic(`download ${href} (data-os=${await a.getAttribute("data-os")}) is not in dist/downloads: the server answers ${r.status} ${r.headers.get("content-type")}`);
    }
  }
  assert.ok(linux, "a Linux download is offered");
});

e2e("setup: an old host", { host: { fake: { results: fakeResults({ version: "0.0.9" }) } } }, async (sys) => {
  await expectProblem(sys, "old_host");
});

e2e("setup: everything present: ok", {}, async (sys) => {
  const page = await sys.open("/setup");
  await page.locator("#setup[data-problem=ok]").waitFor({ timeout: 30_000 });
  await page.locator("#diagnostics").waitFor();
  await sys.shot(page, "setup-ok");
});
