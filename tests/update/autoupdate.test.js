// @ts-check
/**
 * Auto-update in a real Chromium (headless, Debian's /usr/bin/chromium), end to end:
 *
 *   extension/pack.mjs signs 0.1.0 with the development key (id ohfjkjdnkjegijjeajcndblepfapjcnb)
 *   → certrenew-server serves it at /extension/ (CERTRENEW_EXTENSION_DIR)
 *   → a managed policy ExtensionInstallForcelist ["<id>;<server>/extension/updates.xml"]
 *     makes Chromium download and install it (installType "admin")
 *   → 0.2.0 is published, the extension's update check (chrome.runtime.requestUpdateCheck,
 *     the same ExtensionUpdater path as the browser's periodic check) fetches updates.xml,
 *     downloads, verifies and unpacks certrenew-0.2.0.crx
 *   → the update is applied (chrome.runtime.reload(): Chromium holds an update back while the
 *     service worker is busy, and Playwright's attachment keeps it busy) and the new service
 *     worker reports 0.2.0;
 *   → 0.3.0 likewise, but applied by nothing more than the next browser start.
 *
 * The policy is seen only by this test's browser (a private mount namespace), or, where that
 * is not allowed, written to /etc/chromium/policies/managed/ and removed in `finally`.
 * Evidence (versions, timings, Chromium's updater log lines) is printed as diagnostics;
 * docs/extension-updates.md records a run.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { pack } from "../../extension/pack.mjs";
import { DEV_ID, DEV_KEY, extensionWorker, freePort, launch, managedPolicy, startServer, waitFor } from "./lib.js";

test("ExtensionInstallForcelist installs the signed package from certrenew-server and update checks take the higher versions", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "certrenew-update-"));
  const crxDir = join(dir, "crx");
  const profile = join(dir, "profile");
  const chromeLog = join(dir, "chromium.log");
  const started = Date.now();
  const note = (/** @type {string} */ s) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s  ${s}`);
  /** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
  let server;
  /** @type {ReturnType<typeof managedPolicy> | undefined} */
  let policy;
  /** @type {import("playwright-core").BrowserContext | undefined} */
  let context;
  try {
    const port = await freePort();
    const updateUrl = `http://127.0.0.1:${port}/extension/updates.xml`;
    const v1 = pack({ key: DEV_KEY, version: "0.1.0", out: crxDir, updateUrl });
    assert.equal(v1.id, DEV_ID);
    note(`packed ${v1.path} (${v1.bytes} bytes, sha256 ${v1.sha256.slice(0, 16)}…)`);
    server = await startServer({ port, dir, extensionDir: crxDir });
    const offered = async () => {
      const r = await fetch(updateUrl);
      const body = await r.text();
      if (!r.ok) throw new Error(`${updateUrl}: ${r.status} ${body} (is target/debug/certrenew-server older than its /extension routes? cargo build -p server)`);
      return body;
    };
    assert.match(await offered(), new RegExp(`<app appid="${DEV_ID}">\\s*<updatecheck codebase="${server.origin}/extension/certrenew-0\\.1\\.0\\.crx" version="0\\.1\\.0"/>`));

    policy = managedPolicy(
      {
        ExtensionInstallForcelist: [`${DEV_ID};${updateUrl}`],
        // Default (0) forbids DevTools on force-installed extensions, and with it
        // Playwright's access to the service worker. Production leaves the default.
        DeveloperToolsAvailability: 1,
      },
      dir,
    );
    note(`policy (${policy.mode}): ExtensionInstallForcelist ["${DEV_ID};${updateUrl}"]`);

    context = await launch(profile, { env: policy.env, logFile: chromeLog });
    let worker = await extensionWorker(context, DEV_ID, 60_000);
    const installed = await worker.evaluate(async () => {
      const self = await chrome.management.getSelf();
      return { version: chrome.runtime.getManifest().version, installType: self.installType, updateUrl: self.updateUrl, mayDisable: self.mayDisable };
    });
    note(`installed by policy: ${JSON.stringify(installed)}`);
    assert.equal(installed.version, "0.1.0");
    assert.equal(installed.installType, "admin", "installed by enterprise policy");
    assert.equal(installed.updateUrl, updateUrl);
    assert.equal(installed.mayDisable, false);
    assert.ok(existsSync(join(profile, "Default", "Extensions", DEV_ID, "0.1.0_0")));

    // The CA publishes 0.2.0: one file more in the folder, nothing restarts.
    const v2 = pack({ key: DEV_KEY, version: "0.2.0", out: crxDir, updateUrl });
    note(`published ${v2.path}`);
    assert.match(await offered(), /version="0\.2\.0"/);

    const check = await worker.evaluate(() => chrome.runtime.requestUpdateCheck());
    note(`requestUpdateCheck: ${JSON.stringify(check)}`);
    assert.deepEqual(check, { status: "update_available", version: "0.2.0" });

    // Downloaded, signature and id checked, unpacked: waiting for the worker to be idle.
    const extDir = join(profile, "Default", "Extensions", DEV_ID);
    await waitFor(() => existsSync(join(extDir, "0.2.0_0")), 60_000, "0.2.0 to be downloaded and unpacked");
    note(`downloaded and unpacked: ${readdirSync(extDir).join(", ")}`);
    assert.equal(await worker.evaluate(() => chrome.runtime.getManifest().version), "0.1.0", "still 0.1.0 until applied");

    const next = context.waitForEvent("serviceworker", { predicate: (w) => w.url().startsWith(`chrome-extension://${DEV_ID}/`), timeout: 60_000 });
    // The old worker goes away during this call.
    await worker.evaluate(() => chrome.runtime.reload()).catch(() => {});
    worker = await next;
    const updated = await worker.evaluate(async () => ({ version: chrome.runtime.getManifest().version, installType: (await chrome.management.getSelf()).installType }));
    note(`after the update: ${JSON.stringify(updated)}`);
    assert.deepEqual(updated, { version: "0.2.0", installType: "admin" });

    // 0.3.0, applied the way it happens without anyone calling reload(): the downloaded
    // update waits (idle_install_info) and is installed when the browser next starts.
    const v3 = pack({ key: DEV_KEY, version: "0.3.0", out: crxDir, updateUrl });
    note(`published ${v3.path}`);
    const check3 = await worker.evaluate(() => chrome.runtime.requestUpdateCheck());
    note(`requestUpdateCheck: ${JSON.stringify(check3)}`);
    assert.deepEqual(check3, { status: "update_available", version: "0.3.0" });
    await waitFor(() => existsSync(join(extDir, "0.3.0_0")), 60_000, "0.3.0 to be downloaded and unpacked");
    assert.equal(await worker.evaluate(() => chrome.runtime.getManifest().version), "0.2.0", "still 0.2.0 while running");
    await context.close();
    context = await launch(profile, { env: policy.env, logFile: chromeLog });
    worker = await extensionWorker(context, DEV_ID, 60_000);
    const restarted = await worker.evaluate(() => chrome.runtime.getManifest().version);
    note(`after a browser restart: ${restarted} (${readdirSync(extDir).join(", ")})`);
    assert.equal(restarted, "0.3.0");

    // Chromium's own account of it: the update manifest it parsed named 0.2.0.
    const log = readFileSync(chromeLog, "utf8");
    const lines = log.split("\n").filter((l) => /Manifest indicates|Starting load of|Fetching http/.test(l));
    for (const l of lines) note(`chromium: ${l.replace(/^\[[^\]]*\]\s*/, "").slice(0, 200)}`);
    assert.ok(lines.some((l) => l.includes(`Manifest indicates ${DEV_ID} latest version is '0.2.0'`)), "the updater read 0.2.0 from updates.xml");
    assert.ok(lines.some((l) => l.includes("/extension/certrenew-0.2.0.crx")), "the updater fetched the 0.2.0 package");
  } finally {
    await context?.close().catch(() => {});
    policy?.remove();
    await server?.stop();
    if (policy?.mode === "global") assert.ok(!existsSync(policy.file), "the machine-wide policy file is gone");
    rmSync(dir, { recursive: true, force: true });
  }
});
