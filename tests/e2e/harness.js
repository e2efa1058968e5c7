// @ts-check
/**
 * End-to-end harness: one whole system per test, real parts only, removed afterwards.
 *
 *  - certrenew-server (debug build) on a free 127.0.0.1 port, a fresh data dir (SQLite,
 *    its development CA, the sandbox on: the WeChat Pay, Alipay and UnionPay emulators,
 *    their keys made once in SANDBOX_KEYS), serving the built web app
 *    (`dist/`, or CERTRENEW_E2E_DIST);
 *  - staff accounts made with `certrenew-server admin add` (reviewer, finance, admin);
 *  - a SoftHSM token with an EC P-256 key made on it and a certificate from the server's
 *    CA (`ca issue`, notAfter now + 30 days by default; an expired one, `days` <= 0,
 *    with `--not-before` a year before its notAfter), see token.js;
 *  - with `sms`, a webhook on 127.0.0.1 receiving the server's SMS (notify.sms_webhook,
 *    in a configuration file given with CERTRENEW_CONFIG);
 *  - the host registered in the test's own Chromium profile (the real debug host, a
 *    wrapper that injects a fault once, a fake host, or none);
 *  - Debian's Chromium, headless, with the unpacked extension built for the
 *    http://127.0.0.1 origins (or without it).
 *
 * The extension side (building it, fake hosts, the PIN window, pkcs11-tool listing) is
 * tests/browser/harness.js's, imported rather than copied.
 *
 * `e2e(name, options, body)` declares a test: it sets the system up, takes a screenshot
 * when the body fails, always saves the server log, fails the test on any console
 * error or uncaught page error of the app's pages, and tears everything down.
 * Every app page a test loads is scanned with axe-core (WCAG 2.1 A and AA) once it has
 * rendered, and every app page still open when the body ends is scanned again; a
 * serious or critical violation fails the test like a console error.
 * Screenshots go to tests/artifacts/e2e/<test>/NN-<step>.png (kept by CI).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import AxeBuilder from "@axe-core/playwright";
import { chromium } from "playwright-core";

import { CHROMIUM, EXTENSION_ID, EXTENSION_SRC, HOST_BIN, MODULE, REPO, clickClosing, enterPin, fakeResults, listObjects, poll, run, writeFakeHost } from "../browser/harness.js";
import { PIN, SUBJECT, makeToken, validFrom } from "./token.js";

export { PIN, SUBJECT, fakeResults, poll };

export const SERVER_BIN = join(REPO, "target", "debug", "certrenew-server");
export const DIST = process.env.CERTRENEW_E2E_DIST ?? join(REPO, "dist");
export const ARTIFACTS = join(REPO, "tests", "artifacts", "e2e");
/** The gateway emulators' keys (8 RSA keys and WeChat Pay's APIv3 key), made once and
 * shared by every server the tests start; the server's Rust tests use the same directory
 * (server/tests/common), so after them no start makes a key. */
export const SANDBOX_KEYS = join(REPO, "target", "tmp", "sandbox-keys");
export const STAFF_PASSWORD = "correct horse battery staple";
/** The staff accounts every system has, by role. */
export const STAFF = { reviewer: "reviewer1", finance: "finance1", admin: "admin1" };
/** The step after which the host stops in the interrupted-install test: the new
 * certificate is written, verified and labelled; the old one is not retired yet. */
export const FAULT_STEP = "label";

/** Fails early, with what to do, when something the tests need is not built. */
function checkBuilt() {
  const missing = [];
  if (!existsSync(SERVER_BIN)) missing.push(`${SERVER_BIN} (cargo build -p server)`);
  if (!existsSync(HOST_BIN)) missing.push(`${HOST_BIN} (cargo build -p native-host)`);
  if (!existsSync(join(DIST, "index.html"))) missing.push(`${DIST}/index.html (scripts/build-app.sh)`);
  if (missing.length > 0) throw new Error(`e2e: not built: ${missing.join("; ")}`);
}

/** A port free right now on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = /** @type {import("node:net").AddressInfo} */ (s.address()).port;
      s.close(() => resolve(port));
    });
  });
}

/** @param {string} name */
export function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80) || "test";
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `date` plus `months` calendar months, the day clamped to the month's last day, the
 * time of day kept (protocol::validity::months_added, written again here).
 * @param {Date} date
 * @param {number} months
 */
export function addMonthsClamped(date, months) {
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const out = new Date(date.getTime());
  out.setUTCFullYear(year, month, Math.min(date.getUTCDate(), last));
  return out;
}

/**
 * Console errors every test tolerates: none (the pages ask `GET /admin/session` and
 * `GET /expired/sessions/current`, which answer 200 signed in or not); a test names
 * the failures it causes on purpose in `allowConsole`.
 * @type {RegExp[]}
 */
const KNOWN_CONSOLE = [];

/** The axe-core rule sets every app page must pass: WCAG 2.0 and 2.1, A and AA. */
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
/** How long after a page's load event it is scanned (the wasm app renders by then). */
const AXE_SETTLE_MS = 1500;

/**
 * @typedef {{
 *   extension?: boolean,
 *   host?: "real" | "none" | "fault" | {fake: import("../browser/harness.js").FakeHostSpec},
 *   faultStep?: string,
 *   days?: number,
 *   sms?: boolean,
 *   viewport?: {width: number, height: number},
 *   allowConsole?: RegExp[],
 *   config?: string | (() => Promise<string>),
 *   beforeServe?: (cli: (args: string[]) => string) => void,
 *   makeToken?: (dir: string, options: {cli: (args: string[]) => string, days: number}) => import("./token.js").Token & {module: string, env: Record<string, string>},
 * }} SystemOptions
 *  - `extension` (default true): load the unpacked extension;
 *  - `host`: `real` (default) registers the debug host, `none` registers nothing,
 *    `fault` registers a wrapper that runs the host with CERTRENEW_FAULT_AFTER=`faultStep`
 *    (default FAULT_STEP) until the host has stopped there once, `{fake}` a fake host;
 *  - `days`: the token certificate's remaining validity (default 30); 0 or less: a
 *    certificate that expired that many days ago (valid for a year before that);
 *  - `sms`: the server's SMS go to a webhook of the test (`sys.smsCode`, `sys.smsCount`;
 *    without it they are only logged);
 *  - `allowConsole`: console errors matching one of these do not fail the test;
 *  - `config`: the server's configuration file (TOML, or a function giving it), e.g.
 *    platforms of its own;
 *  - `beforeServe(cli)`: server CLI commands on the fresh data folder before `serve`
 *    (e.g. `ca init --algorithm sm2`);
 *  - `makeToken(dir, {cli, days})`: a token of another PKCS#11 module instead of the
 *    SoftHSM one (`module`, and `env` for the host and pkcs11-tool), e.g. sm2-token.js.
 */

/**
 * Brings up a whole system for the test `name`.
 * @param {string} name
 * @param {SystemOptions} [options]
 */
export async function startSystem(name, options = {}) {
  checkBuilt();
  const artifacts = join(ARTIFACTS, slug(name));
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "certrenew-e2e-"));
  /** @type {(() => Promise<void>)[]} */
  const cleanups = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await assemble(name, options, dir, artifacts, cleanups, close);
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * @param {string} name
 * @param {SystemOptions} options
 * @param {string} dir
 * @param {string} artifacts
 * @param {(() => Promise<void>)[]} cleanups
 * @param {() => Promise<void>} closeAll
 */
async function assemble(name, options, dir, artifacts, cleanups, closeAll) {
  // --- the server ---------------------------------------------------------------------
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const data = join(dir, "data");
  const serverEnv = {
    ...process.env,
    CERTRENEW_LISTEN: `127.0.0.1:${port}`,
    CERTRENEW_DATA_DIR: data,
    CERTRENEW_PUBLIC_ORIGIN: origin,
    CERTRENEW_DIST_DIR: DIST,
    CERTRENEW_SANDBOX: "1",
    CERTRENEW_SANDBOX_KEY_DIR: SANDBOX_KEYS,
    RUST_LOG: process.env.RUST_LOG ?? "warn",
  };
  delete serverEnv.CERTRENEW_CONFIG;
  delete serverEnv.DATABASE_URL;
  /** @type {{to: string, text: string}[]} */
  const smsSent = [];
  let configText = typeof options.config === "function" ? await options.config() : (options.config ?? "");
  if (options.sms) {
    const sink = await smsSink(smsSent);
    cleanups.push(sink.close);
    configText += `\n[notify]\nsms_webhook = "${sink.url}"\n`;
  }
  if (configText !== "") {
    const config = join(dir, "certrenew.toml");
    writeFileSync(config, configText);
    serverEnv.CERTRENEW_CONFIG = config;
  }
  /** Runs a server CLI command with the server's configuration. @param {string[]} args */
  const cli = (args) => {
    const out = spawnSync(SERVER_BIN, args, { env: serverEnv, encoding: "utf8" });
    if (out.status !== 0) throw new Error(`certrenew-server ${args.join(" ")}: ${out.stderr}`);
    return out.stdout;
  };
  options.beforeServe?.(cli);
  // A deployment publishes the extension it supports (updates.xml and the signed
  // package, docs/extension-updates.md): the setup page reads the manifest.
  const version = JSON.parse(readFileSync(join(EXTENSION_SRC, "manifest.json"), "utf8")).version;
  run("node", [join(EXTENSION_SRC, "pack.mjs"), "--key", join(EXTENSION_SRC, "dev-key.pem"), "--version", version, "--out", join(data, "extension"), "--update-url", `${origin}/extension/updates.xml`]);
  const serverLog = join(dir, "server.log");
  const server = spawn(SERVER_BIN, ["serve"], { env: serverEnv, stdio: ["ignore", openSync(serverLog, "a"), openSync(serverLog, "a")] });
  /** @type {number | null} */
  let serverExit = null;
  server.on("exit", (code, signal) => {
    serverExit = code ?? (signal ? 128 : 1);
  });
  cleanups.push(async () => {
    if (existsSync(serverLog)) copyFileSync(serverLog, join(artifacts, "server.log"));
  });
  cleanups.push(async () => {
    if (serverExit !== null) return;
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  });
  await poll(
    async () => {
      if (serverExit !== null) throw new Error(`certrenew-server exited (${serverExit}): ${readFileSync(serverLog, "utf8")}`);
      try {
        return (await fetch(`${origin}/api/v1/projects`)).status;
      } catch {
        return 0;
      }
    },
    (status) => status === 200,
    60_000,
    "certrenew-server to answer",
  );
  for (const [role, user] of Object.entries(STAFF)) {
    cli(["admin", "add", "--user", user, "--password", STAFF_PASSWORD, "--role", role]);
  }

  // --- the token ----------------------------------------------------------------------
  const token = options.makeToken?.(join(dir, "token"), { cli, days: options.days ?? 30 }) ?? makeToken(join(dir, "token"), {
    days: options.days ?? 30,
    issue: (csrPath, notAfter) => cli(["ca", "issue", "--csr", csrPath, "--not-after", notAfter, ...validFrom(notAfter)]),
  });
  const hostConfig = join(dir, "host.toml");
  writeFileSync(hostConfig, "modules = []\n");

  // --- the host, registered in this test's profile ------------------------------------
  const profile = join(dir, "profile");
  const hostKind = options.host ?? "real";
  /** @type {string | null} */
  let hostPath = null;
  /** @type {ReturnType<typeof writeFakeHost> | null} */
  let fake = null;
  const faultMarker = join(dir, "fault-fired");
  if (hostKind === "real") {
    hostPath = HOST_BIN;
  } else if (hostKind === "fault") {
    // The wrapper runs the host with the fault switch until it has fired once (exit 70),
    // then plainly: the first install stops after the step, the next one resumes.
    hostPath = join(dir, "host-with-fault.sh");
    writeFileSync(
      hostPath,
      `#!/bin/sh
if [ -e '${faultMarker}' ]; then exec '${HOST_BIN}' "$@"; fi
CERTRENEW_FAULT_AFTER='${options.faultStep ?? FAULT_STEP}' '${HOST_BIN}' "$@"
status=$?
if [ "$status" -eq 70 ]; then : >'${faultMarker}'; fi
exit "$status"
`,
    );
    chmodSync(hostPath, 0o755);
  } else if (typeof hostKind === "object") {
    fake = writeFakeHost(dir, "fake-host", hostKind.fake);
    hostPath = fake.path;
  }
  if (hostPath) run(HOST_BIN, ["register", "--browser", "chromium", "--user-data-dir", profile, "--host-path", hostPath]);

  // --- Chromium -----------------------------------------------------------------------
  const withExtension = options.extension !== false;
  const ext = join(dir, "extension");
  if (withExtension) run("node", [join(EXTENSION_SRC, "build.mjs"), ext, "--origin", origin]); // exact origin, port included
  // A token of another module (makeToken) brings its own module and environment.
  const tokenModule = "module" in token ? token.module : MODULE;
  const tokenEnv = "env" in token ? token.env : { SOFTHSM2_CONF: token.conf };
  const hostEnvironment = { ...tokenEnv, CERTRENEW_PKCS11_MODULES: tokenModule, CERTRENEW_HOST_CONFIG: hostConfig };
  const context = await chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath: CHROMIUM,
    env: { ...process.env, ...hostEnvironment },
    viewport: options.viewport ?? { width: 1280, height: 900 },
    locale: "zh-CN",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...(withExtension ? [`--disable-extensions-except=${ext}`, `--load-extension=${ext}`] : []),
    ],
  });
  cleanups.push(() => context.close());
  if (withExtension) {
    if (context.serviceWorkers().length === 0) await context.waitForEvent("serviceworker", { timeout: 15_000 });
    const sw = context.serviceWorkers()[0];
    if (!sw.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)) throw new Error(`unexpected extension ${sw.url()}`);
  }

  // --- console and page errors of the app's pages ----------------------------------------
  /** @type {string[]} */
  const problems = [];
  /** @type {string[]} */
  const tolerated = [];
  const allowed = [...KNOWN_CONSOLE, ...(options.allowConsole ?? [])];
  const isApp = (/** @type {string} */ url) => url.startsWith(`${origin}/`) || url === origin;
  /** @param {import("playwright-core").Page} page */
  const watch = (page) => {
    page.on("console", (m) => {
      if (m.type() !== "error" || !isApp(page.url())) return;
      const text = `console.error on ${page.url()}: ${m.text()}${m.location().url ? ` (${m.location().url})` : ""}`;
      if (allowed.some((re) => re.test(text))) tolerated.push(text);
      else problems.push(text);
    });
    page.on("pageerror", (e) => {
      if (isApp(page.url())) problems.push(`page error on ${page.url()}: ${e.stack ?? e}`);
    });
  };
  for (const p of context.pages()) watch(p);
  context.on("page", watch);

  // --- accessibility: axe-core on every app page loaded ----------------------------------
  /** @type {Set<string>} */
  const axeSeen = new Set();
  /** @type {Set<Promise<void>>} */
  const axeRunning = new Set();
  let axeScans = 0;
  /**
   * Scans `page` as it is now; serious and critical violations become problems (once per
   * rule and path). A page that navigates away mid-scan is skipped: its next load scans.
   * @param {import("playwright-core").Page} page
   */
  async function axeScan(page) {
    const url = page.url();
    if (!isApp(url) || page.isClosed()) return;
    let results;
    try {
      // Legacy mode runs axe in the page itself: the default opens a blank tab to merge
      // frame results, which the tests' own tab bookkeeping would see.
      results = await new AxeBuilder({ page }).withTags(AXE_TAGS).setLegacyMode(true).analyze();
    } catch {
      return;
    }
    axeScans += 1;
    const path = new URL(url).pathname;
    for (const v of results.violations) {
      if (v.impact !== "serious" && v.impact !== "critical") continue;
      const key = `${v.id} ${path}`;
      if (axeSeen.has(key)) continue;
      axeSeen.add(key);
      const where = v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ");
      problems.push(`axe ${v.id} (${v.impact}) on ${url}: ${v.help} [${where}]`);
    }
  }
  /** Scans an app page shortly after it loads (the app renders after its wasm starts). */
  const axeOnLoad = (/** @type {import("playwright-core").Page} */ page) => {
    page.on("load", () => {
      if (!isApp(page.url())) return;
      const run = sleep(AXE_SETTLE_MS).then(() => axeScan(page));
      axeRunning.add(run);
      run.finally(() => axeRunning.delete(run));
    });
  };
  for (const p of context.pages()) axeOnLoad(p);
  context.on("page", axeOnLoad);
  /** Scans every app page open now, after the scans still running. */
  async function axeAll() {
    await Promise.all([...axeRunning]);
    for (const p of context.pages()) await axeScan(p);
  }

  // --- helpers ------------------------------------------------------------------------
  let shots = 0;
  /**
   * Saves a screenshot of `page` as NN-<label>.png in the test's artifacts.
   * @param {import("playwright-core").Page} page
   * @param {string} label
   */
  async function shot(page, label) {
    shots += 1;
    const file = join(artifacts, `${String(shots).padStart(2, "0")}-${slug(label)}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** A new tab on `path` of the app. @param {string} [path] */
  async function open(path = "/") {
    const page = context.pages().find((p) => p.url() === "about:blank") ?? (await context.newPage());
    await page.goto(`${origin}${path}`);
    return page;
  }

  const isPinWindow = (/** @type {import("playwright-core").Page} */ p) => p.url().startsWith(`chrome-extension://${EXTENSION_ID}/pin.html`);
  /** The extension's PIN windows open now. */
  const pinWindows = () => context.pages().filter(isPinWindow);

  /** @type {WeakSet<import("playwright-core").Page>} */
  const answered = new WeakSet();
  let pinWindowsAnswered = 0;
  /**
   * Answers one PIN window: types the PIN when it asks for one (a follow-up on a
   * logged-in connection only asks to confirm), then OK.
   * @param {import("playwright-core").Page} win
   * @param {string} [pin]
   */
  async function answerPinWindow(win, pin = PIN) {
    await win.waitForSelector("#form:not([hidden])", { timeout: 15_000 });
    if (await win.isVisible("#pin")) await enterPin(win, pin);
    else await clickClosing(win, "#ok");
    pinWindowsAnswered += 1;
  }

  /**
   * Waits until `selector` is visible on `page`, answering every PIN window that opens
   * meanwhile. Returns the number of windows answered.
   * @param {import("playwright-core").Page} page
   * @param {string} selector
   * @param {{timeout?: number, pin?: string}} [opts]
   */
  async function untilWithPins(page, selector, opts = {}) {
    const deadline = Date.now() + (opts.timeout ?? 60_000);
    let count = 0;
    for (;;) {
      for (const w of pinWindows()) {
        if (answered.has(w)) continue;
        answered.add(w);
        await answerPinWindow(w, opts.pin);
        count += 1;
      }
      if (await page.locator(selector).first().isVisible().catch(() => false)) return count;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${selector} on ${page.url()} (${count} PIN windows answered)`);
      await sleep(100);
    }
  }

  /**
   * Clicks `selector` and answers the PIN windows until `until` shows.
   * @param {import("playwright-core").Page} page
   * @param {string} selector
   * @param {string} until
   * @param {{timeout?: number}} [opts]
   */
  async function clickWithPins(page, selector, until, opts = {}) {
    await page.click(selector);
    return untilWithPins(page, until, opts);
  }

  /**
   * Signs a staff member in through the console (#admin-login) on `page`.
   * @param {import("playwright-core").Page} page
   * @param {keyof typeof STAFF} role
   */
  async function staffLogin(page, role) {
    await page.goto(`${origin}/admin`);
    await page.fill("#admin-username", STAFF[role]);
    await page.fill("#admin-password", STAFF_PASSWORD);
    await page.click("#admin-login");
    await page.waitForSelector("#admin-logout", { timeout: 15_000 });
  }

  /** @type {Map<string, {get: (path: string) => Promise<{status: number, body: any}>, post: (path: string, body?: unknown) => Promise<{status: number, body: any}>}>} */
  const staffClients = new Map();
  /**
   * The staff API from node, signed in as `role` (cookie and CSRF token; once per
   * system), for checks the screens do not show.
   * @param {keyof typeof STAFF} role
   */
  async function staffApi(role) {
    const known = staffClients.get(role);
    if (known) return known;
    const login = await fetch(`${origin}/api/v1/admin/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: STAFF[role], password: STAFF_PASSWORD }) });
    assert.equal(login.status, 200, `staff login ${role}: ${login.status}`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const { csrf } = await login.json();
    /** @param {string} method @param {string} path @param {unknown} [body] */
    const call = async (method, path, body) => {
      const r = await fetch(`${origin}/api/v1${path}`, { method, headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    };
    const client = { get: (/** @type {string} */ path) => call("GET", path), post: (/** @type {string} */ path, /** @type {unknown} */ body) => call("POST", path, body ?? {}) };
    staffClients.set(role, client);
    return client;
  }

  /**
   * A user API call made from inside `page` (the browser holds the HttpOnly session).
   * @param {import("playwright-core").Page} page
   * @param {string} path
   */
  function userApi(page, path) {
    return page.evaluate(async (p) => {
      const r = await fetch(`/api/v1${p}`, { credentials: "same-origin" });
      return { status: r.status, body: await r.json().catch(() => null) };
    }, path);
  }

  /** The token's objects per pkcs11-tool (private keys included). */
  const tokenObjects = () => listObjects(token, { login: true });

  /**
   * The certificate with `id` on the token, read with pkcs11-tool (DER).
   * @param {string} id
   */
  function tokenCertificate(id) {
    const out = join(dir, `read-${id}-${Date.now()}.der`);
    run("pkcs11-tool", ["--module", tokenModule, "--token-label", token.label, "--read-object", "--type", "cert", "--id", id, "--output-file", out], tokenEnv);
    return readFileSync(out);
  }

  /**
   * `openssl verify` of `der` against the CA the server publishes (GET /api/v1/ca).
   * @param {Buffer} der
   */
  async function opensslVerify(der) {
    const caPem = await (await fetch(`${origin}/api/v1/ca`)).text();
    const caFile = join(dir, "ca-published.pem");
    writeFileSync(caFile, caPem);
    const certFile = join(dir, `verify-${Date.now()}.pem`);
    writeFileSync(certFile, new X509Certificate(der).toString());
    const out = spawnSync("openssl", ["verify", "-CAfile", caFile, certFile], { encoding: "utf8" });
    return { ok: out.status === 0 && /: OK\s*$/.test(out.stdout), output: `${out.stdout}${out.stderr}` };
  }

  /**
   * Runs SQL on the server's SQLite database with sqlite3 (read-only checks of what the
   * screens cannot show, such as the ledger). Rows as arrays of strings.
   * @param {string} query
   */
  function sql(query) {
    const out = spawnSync("sqlite3", ["-readonly", "-separator", "\t", join(data, "certrenew.db"), query], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`sqlite3 ${query}: ${out.stderr}`);
    return out.stdout.split("\n").filter(Boolean).map((l) => l.split("\t"));
  }

  /**
   * The newest 6-digit code the server sent by SMS to `mobile` (among the messages from
   * the `since`-th on, see smsCount), waiting up to 15 s for it. Needs `sms: true`.
   * @param {string} mobile
   * @param {number} [since]
   */
  async function smsCode(mobile, since = 0) {
    if (!options.sms) throw new Error("sys.smsCode needs startSystem(…, {sms: true})");
    const found = await poll(
      async () => {
        for (let i = smsSent.length - 1; i >= since; i--) {
          const m = smsSent[i];
          const code = m.to === mobile ? /(?<!\d)\d{6}(?!\d)/.exec(m.text)?.[0] : undefined;
          if (code) return code;
        }
        return null;
      },
      (code) => code !== null,
      15_000,
      `an SMS code sent to ${mobile} (sent so far: ${JSON.stringify(smsSent)})`,
    );
    return String(found);
  }

  /**
   * The verification code of the newest transfer the sandbox bank made to `accountNo`
   * (the 6 characters after `certrenew对公验证` in its remark), waiting up to 15 s.
   * @param {string} accountNo
   */
  async function bankCode(accountNo) {
    const marker = "certrenew对公验证";
    /** @type {any} */
    let last = null;
    const code = await poll(
      async () => {
        const r = await fetch(`${origin}/sandbox/bank/transfers?account_no=${encodeURIComponent(accountNo)}`);
        last = { status: r.status, body: await r.text() };
        if (r.status !== 200) return null;
        const remark = String(JSON.parse(last.body)[0]?.remark ?? "");
        const at = remark.indexOf(marker);
        return at < 0 ? null : remark.slice(at + marker.length, at + marker.length + 6);
      },
      (c) => c !== null && c.length === 6,
      15_000,
      `a sandbox bank transfer to ${accountNo} (last answer: ${JSON.stringify(last)})`,
    );
    return String(code);
  }

  /** Fails if an app page logged a console error or threw. */
  function assertClean() {
    assert.deepEqual(problems, [], `console, page or accessibility errors on the app's pages:\n${problems.join("\n")}`);
  }

  /** Screenshots of every app page open now (after a failure). @param {string} label */
  async function shotAll(label) {
    for (const p of context.pages()) {
      if (isApp(p.url()) || isPinWindow(p)) await shot(p, label).catch(() => {});
    }
  }

  return {
    name,
    dir,
    artifacts,
    origin,
    port,
    cli,
    token,
    context,
    fake,
    faultFired: () => existsSync(faultMarker),
    problems,
    tolerated,
    shot,
    shotAll,
    open,
    pinWindows,
    answerPinWindow,
    pinWindowsAnswered: () => pinWindowsAnswered,
    untilWithPins,
    clickWithPins,
    staffLogin,
    staffApi,
    userApi,
    tokenObjects,
    tokenCertificate,
    opensslVerify,
    sql,
    smsCode,
    smsCount: () => smsSent.length,
    smsSent: () => smsSent.slice(),
    bankCode,
    assertClean,
    axeAll,
    axeScans: () => axeScans,
    serverLog: () => readFileSync(serverLog, "utf8"),
    close: closeAll,
  };
}

/**
 * An HTTP sink on 127.0.0.1 for the server's SMS webhook: records each `{to, text}`
 * POSTed to it in `sent` and answers 200.
 * @param {{to: string, text: string}[]} sent
 */
function smsSink(sent) {
  return new Promise((resolve, reject) => {
    const server = createHttpServer((req, res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        try {
          const v = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          sent.push({ to: String(v.to ?? ""), text: String(v.text ?? "") });
          res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        } catch {
          res.writeHead(400).end("not JSON");
        }
      });
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
      resolve({
        url: `http://127.0.0.1:${port}/sms`,
        close: () => new Promise((r) => server.close(() => r(undefined))),
      });
    });
  });
}

/** @typedef {Awaited<ReturnType<typeof startSystem>>} System */

/**
 * Declares an end-to-end test with its own whole system.
 * @param {string} name
 * @param {SystemOptions & {timeout?: number}} options
 * @param {(sys: System, t: import("node:test").TestContext) => Promise<void>} body
 */
export function e2e(name, options, body) {
  test(name, { timeout: options.timeout ?? 240_000 }, async (t) => {
    const sys = await startSystem(name, options);
    try {
      await body(sys, t);
      await sys.axeAll();
    } catch (e) {
      await sys.shotAll("failure");
      throw e;
    } finally {
      await sys.close();
      for (const text of sys.tolerated) t.diagnostic(`tolerated: ${text}`);
      t.diagnostic(`axe-core: ${sys.axeScans()} page scans`);
    }
    sys.assertClean();
  });
}
