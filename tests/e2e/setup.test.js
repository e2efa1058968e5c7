// @ts-check
/**
 * 环境检测: what the app says when a part is missing. 我的证书 sends the user to the
 * setup page, which names the problem (#setup[data-problem]).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { HOST_BIN, run } from "../browser/harness.js";
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

e2e("setup: the host is not registered, with downloads for every OS", { host: "none" }, async (sys) => {
  const page = await expectProblem(sys, "no_host");
  // Every OS has an entry: a link to what build-app.sh put into dist/downloads/ (with
  // its SHA-256), or "not offered" without a link (never a link to a 404).
  await page.locator("#host-downloads [data-os=linux]").first().waitFor();
  await page.locator("#host-downloads code.sha256, #host-downloads [data-missing]").first().waitFor({ timeout: 10_000 });
  const oses = await page.locator("#host-downloads li > .btn[data-os]").evaluateAll((els) => els.map((e) => e.getAttribute("data-os")));
  assert.deepEqual([...oses].sort(), ["linux", "macos", "windows"], "one entry per OS");
  const links = await page.locator("#host-downloads a[data-os]").all();
  for (const a of links) {
    const href = String(await a.getAttribute("href"));
    const r = await fetch(new URL(href, sys.origin));
    assert.equal(r.status, 200, `${href} is offered, so it is served`);
    assert.ok(!String(r.headers.get("content-type")).startsWith("text/html"), `${href} is the host, not the app`);
    const os = await a.getAttribute("data-os");
    const shown = ((await page.locator(`#host-downloads code.sha256[data-os="${os}"]`).textContent()) ?? "").trim();
    const actual = createHash("sha256").update(Buffer.from(await r.arrayBuffer())).digest("hex");
    assert.equal(shown, actual, `the SHA-256 shown for ${os} is the file's`);
  }
  assert.ok(links.length > 0 && (await page.locator("#host-downloads a[data-os=linux]").count()) === 1, "a Linux download is offered");
  for (const missing of await page.locator("#host-downloads [data-missing]").all()) {
    const os = await missing.getAttribute("data-os");
    const r = await fetch(new URL(`/api/v1/downloads`, sys.origin));
    const offered = /** @type {{os: string}[]} */ (await r.json()).map((d) => d.os);
    assert.ok(!offered.includes(String(os)), `${os} is shown as not offered only when the server has no file for it`);
  }
  await sys.shot(page, "setup-downloads");
});

e2e("setup: a Feitian key plugged in without its driver: the page names the vendor", { host: "none" }, async (sys) => {
  // The real host, with no module configured and the system's places stood in by a
  // folder (CERTRENEW_MODULE_SEARCH_ROOT): no driver file anywhere, and sysfs showing
  // a USB device with Feitian's vendor id (096e).
  const root = join(sys.dir, "machine");
  const device = join(root, "sys", "bus", "usb", "devices", "1-1");
  mkdirSync(device, { recursive: true });
  writeFileSync(join(device, "idVendor"), "096e\n");
  const config = join(sys.dir, "no-modules.toml");
  writeFileSync(config, "");
  const wrapper = join(sys.dir, "host-no-driver.sh");
  writeFileSync(wrapper, `#!/bin/sh\nCERTRENEW_PKCS11_MODULES= CERTRENEW_HOST_CONFIG='${config}' CERTRENEW_MODULE_SEARCH_ROOT='${root}' exec '${HOST_BIN}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  run(HOST_BIN, ["register", "--browser", "chromium", "--user-data-dir", join(sys.dir, "profile"), "--host-path", wrapper]);
  // The setup page asks again by itself while the helper is missing.
  const page = await expectProblem(sys, "no_module");
  const missing = page.locator('#guidance .missing-driver[data-usb-vendor="096e"]');
  await missing.waitFor({ timeout: 10_000 });
  const text = (await missing.textContent()) ?? "";
  assert.match(text, /^未找到 飞天诚信 Feitian 的 USB Key 驱动/, text);
  assert.match(text, /请从 飞天诚信 Feitian 官网或 CA 客服处下载并安装该厂商的驱动/, text);
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
