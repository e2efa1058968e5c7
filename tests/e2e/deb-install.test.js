// @ts-check
/**
 * The Linux setup journey, against the host the .deb installs (issue 13): no helper is
 * registered anywhere; the setup page says so and offers the .deb; the test clicks the
 * download button and installs the downloaded package with `dpkg -i` (what 软件/Software
 * does with it after its 安装 button), so /usr/bin/certrenew-host and its machine-wide
 * manifests are on the system. The test's Chromium profile holds no manifest
 * (<profile>/NativeMessagingHosts stays empty): Chromium can only find the host through
 * /etc/chromium/native-messaging-hosts/, the file the package wrote. The page notices
 * the helper by itself (no reload, no click), `hello` and `list_certificates` run through
 * the page: the setup page says all is ready and 我的证书 lists the token's certificate.
 * The package is purged when the test ends, passed or failed (`dpkg --purge`), and the
 * manifest is checked gone.
 *
 * Needs root (dpkg), as scripts/test-deb.sh does: CI runs as root; elsewhere the test is
 * skipped with the reason. A machine-wide manifest is seen by every Chromium on the
 * machine, so it is there only for this test's seconds, and the browser lane runs one
 * test file at a time (--test-concurrency=1).
 *
 * The clicks made on the page are counted and, with the clicks outside it (the
 * extension store's 2 and the software centre's 2), must equal the Linux row of
 * docs/install.md §4. With CERTRENEW_DOCS_SHOTS=1 the steps' screenshots are written to
 * docs/install/linux-NN-*.png (what docs/install.md shows); otherwise to the artifacts.
 *
 *   cd tests && node --test --test-concurrency=1 e2e/deb-install.test.js
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { EXTENSION_ID, REPO } from "../browser/harness.js";
import { certificateCard } from "./flows.js";
import { ARTIFACTS, e2e, slug } from "./harness.js";

// The packaged host is a release build: it serves the development extension the tests
// load only when told to (native-host/src/extension_policy.rs).
process.env.CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION = "1";

/** Clicks outside the page on Linux: the extension store's 添加至 Chrome and 添加扩展程序. */
const STORE_CLICKS = 2;
/** The software centre opening the download: 打开 (with 软件) and 安装, then a password. */
const PACKAGE_MANAGER_CLICKS = 2;
const NAME = "deb install: the Linux setup journey with the host the .deb installs";
/** Where Chromium reads machine-wide hosts on Linux, and the package writes one. */
const SYSTEM_MANIFEST = "/etc/chromium/native-messaging-hosts/org.certrenew.host.json";
const PACKAGED_HOST = "/usr/bin/certrenew-host";
const AS_ROOT = process.getuid?.() === 0;

/** @param {string[]} args */
function dpkg(args) {
  const r = spawnSync("dpkg", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `dpkg ${args.join(" ")}: ${r.stderr}`);
}

/** The Linux total docs/install.md §4 promises ("**N and a password**"). */
function promisedLinuxClicks() {
  const doc = readFileSync(join(REPO, "docs", "install.md"), "utf8");
  const row = doc.split("\n").find((l) => l.startsWith("| Linux, Chromium/Chrome, .deb"));
  const m = row && /\*\*(\d+) and a password\*\*/.exec(row);
  assert.ok(m, `docs/install.md §4 has the Linux row with its total: ${row}`);
  return Number(m[1]);
}

/** The manifests of the test's own profile: none may name the host. @param {string} dir */
function profileManifests(dir) {
  const hosts = join(dir, "profile", "NativeMessagingHosts");
  return existsSync(hosts) ? readdirSync(hosts) : [];
}

if (!AS_ROOT) test(NAME, { skip: "needs root to install the package with dpkg -i (CI runs as root)" }, () => {});
else e2e(NAME, { host: "none", viewport: { width: 1000, height: 720 } }, async (sys) => {
  // A package left installed would be found at once: the journey starts with none.
  assert.equal(spawnSync("dpkg", ["-s", "certrenew-host"]).status !== 0, true, "certrenew-host is not installed before the test (dpkg --purge certrenew-host)");
  assert.equal(existsSync(SYSTEM_MANIFEST), false, `${SYSTEM_MANIFEST} is absent before the test`);
  try {
    await journey(sys);
  } finally {
    spawnSync("dpkg", ["--purge", "certrenew-host"], { encoding: "utf8" });
  }
  assert.equal(existsSync(SYSTEM_MANIFEST), false, `dpkg --purge removed ${SYSTEM_MANIFEST}`);
  assert.equal(existsSync(PACKAGED_HOST), false, `dpkg --purge removed ${PACKAGED_HOST}`);
});

/** @param {Awaited<ReturnType<typeof import("./harness.js").startSystem>>} sys */
async function journey(sys) {
  const docsShots = process.env.CERTRENEW_DOCS_SHOTS === "1";
  const shotsDir = docsShots ? join(REPO, "docs", "install") : join(ARTIFACTS, slug(NAME));
  mkdirSync(shotsDir, { recursive: true });
  let step = 0;
  /** @param {import("playwright-core").Page} page @param {string} label */
  const stepShot = async (page, label) => {
    step += 1;
    await page.screenshot({ path: join(shotsDir, `linux-${String(step).padStart(2, "0")}-${label}.png`) });
  };
  let clicks = 0;
  /** @param {import("playwright-core").Page} page @param {string} selector */
  const click = async (page, selector) => {
    clicks += 1;
    await page.click(selector);
  };

  // 1. No helper yet: the setup page says so and offers the .deb.
  const page = await sys.open("/setup");
  await page.locator('#setup[data-problem="no_host"]').waitFor({ timeout: 30_000 });
  // The list re-renders while the page asks the extension again: scroll by selector.
  await page.locator("#host-downloads code.sha256[data-os=linux]").waitFor({ timeout: 15_000 });
  await page.evaluate(() => document.querySelector("#host-downloads")?.scrollIntoView({ block: "center" }));
  await stepShot(page, "no-helper-download");
  let navigations = 0;
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) navigations += 1;
  });

  // 2. The download button (click 1).
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), click(page, "#host-downloads a[data-os=linux]")]);
  assert.equal(download.suggestedFilename(), "certrenew-host-linux-amd64.deb");
  const deb = join(sys.dir, "certrenew-host-linux-amd64.deb");
  await download.saveAs(deb);
  const arch = spawnSync("dpkg-deb", ["-f", deb, "Architecture"], { encoding: "utf8" });
  assert.equal(arch.stdout.trim(), "amd64", arch.stderr);

  // 3. The software centre installs the download: dpkg -i, as root. The only manifest
  // naming the host is then the package's machine-wide one.
  dpkg(["-i", deb]);
  const shipped = JSON.parse(readFileSync(SYSTEM_MANIFEST, "utf8"));
  assert.equal(shipped.name, "org.certrenew.host");
  assert.equal(shipped.path, PACKAGED_HOST, "the package's manifest names the packaged binary");
  assert.ok(shipped.allowed_origins.includes(`chrome-extension://${EXTENSION_ID}/`), JSON.stringify(shipped));
  assert.deepEqual(profileManifests(sys.dir), [], "the test's profile registers no host: only the system manifest can be found");

  // 4. The page notices the helper by itself: hello, the driver, the token (no reload).
  await page.locator('#setup[data-problem="ok"]').waitFor({ timeout: 30_000 });
  assert.equal(navigations, 0, "no reload and no navigation: the page asked the extension again");
  await page.evaluate(() => window.scrollTo(0, 0));
  await stepShot(page, "helper-found");
  const version = ((await page.locator("#diagnostics").textContent()) ?? "").trim();
  const packaged = spawnSync(PACKAGED_HOST, ["--version"], { encoding: "utf8" }).stdout.trim().split(" ")[1];
  assert.ok(version.includes(packaged), `the diagnostics name the packaged host ${packaged}: ${version.slice(0, 300)}`);

  // 5. 我的证书 (click 2) lists the token's certificate: list_certificates through the page.
  await click(page, '#guidance a[href="/"]');
  await certificateCard(sys, page);
  await stepShot(page, "my-certificates");

  const total = STORE_CLICKS + clicks + PACKAGE_MANAGER_CLICKS;
  assert.equal(clicks, 2, "on the page: the download button and the link to 我的证书");
  assert.equal(total, promisedLinuxClicks(), "docs/install.md's Linux click count is what the journey takes");
}
