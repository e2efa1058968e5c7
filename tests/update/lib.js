// @ts-check
/**
 * Helpers for tests/update/: the real certrenew-server serving extension packages, a managed
 * Chromium policy that only the test's browser sees, and Chromium launched with the flags
 * that let the extension updater run while nothing leaves the machine.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const EXTENSION_SRC = join(REPO, "extension");
export const DEV_KEY = join(EXTENSION_SRC, "dev-key.pem");
export const DEV_ID = readFileSync(join(EXTENSION_SRC, "dev-extension-id.txt"), "utf8").trim();
export const SERVER_BIN = join(REPO, "target", "debug", "certrenew-server");
export const CHROMIUM = process.env.CERTRENEW_CHROMIUM ?? "/usr/bin/chromium";
export const WRAPPER = join(dirname(fileURLToPath(import.meta.url)), "chromium-with-policy.sh");

/**
 * Chromium's flags for the update demonstration. Not the browser tests' set for unpacked
 * extensions (tests/browser/harness.js): no --load-extension (the policy installs the
 * package), and --disable-background-networking is dropped (Playwright adds it by default; it switches the
 * extension updater off, so a force-installed extension is never even downloaded). The
 * other background traffic is kept off the network by the host resolver rule: every name
 * but 127.0.0.1 fails to resolve inside the browser, so no DNS query or connection leaves
 * the machine. --disable-component-update stays (Playwright's default). The updater's own
 * log lines go to stderr (CERTRENEW_CHROMIUM_LOG) as evidence.
 */
export const UPDATE_ARGS = Object.freeze([
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
  "--enable-logging=stderr",
  "--vmodule=extension_updater=2,extension_downloader=2,crx_installer=1",
]);
/** Playwright defaults the demonstration must not have. */
export const IGNORED_DEFAULT_ARGS = Object.freeze(["--disable-extensions", "--disable-background-networking"]);

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = /** @type {import("node:net").AddressInfo} */ (srv.address()).port;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Builds target/debug/certrenew-server once if it is missing. */
export function ensureServer() {
  if (!existsSync(SERVER_BIN)) {
    execFileSync("cargo", ["build", "-p", "server"], { cwd: REPO, stdio: "inherit" });
  }
}

/**
 * certrenew-server on 127.0.0.1:`port` with its own data folder and `extensionDir`.
 * @param {{port: number, dir: string, extensionDir: string}} opts
 */
export async function startServer({ port, dir, extensionDir }) {
  ensureServer();
  const origin = `http://127.0.0.1:${port}`;
  const logPath = join(dir, "server.log");
  /** @type {Record<string, string | undefined>} */
  const env = {
    ...process.env,
    CERTRENEW_LISTEN: `127.0.0.1:${port}`,
    CERTRENEW_DATA_DIR: join(dir, "data"),
    CERTRENEW_PUBLIC_ORIGIN: origin,
    CERTRENEW_EXTENSION_DIR: extensionDir,
    RUST_LOG: "warn",
  };
  delete env.CERTRENEW_CONFIG;
  delete env.DATABASE_URL;
  const log = openSync(logPath, "a");
  const child = spawn(SERVER_BIN, ["serve"], { env, stdio: ["ignore", "ignore", log] });
  /** @type {number | null} */
  let exitCode = null;
  const exited = new Promise((r) => child.on("exit", (code, signal) => { exitCode = code ?? (signal ? 128 : 0); r(undefined); }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== null) throw new Error(`certrenew-server exited (${exitCode}): ${readFileSync(logPath, "utf8")}`);
    const ok = await fetch(`${origin}/api/v1/projects`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`certrenew-server did not come up: ${readFileSync(logPath, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    updateUrl: `${origin}/extension/updates.xml`,
    log: () => readFileSync(logPath, "utf8"),
    async stop() {
      if (exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Whether this process may give a child its own view of /etc/chromium (root, unshare allowed). */
export function canIsolatePolicy() {
  const probe = mkdtempSync(join(tmpdir(), "certrenew-ns-"));
  try {
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$1" "$1"', "sh", probe], { stdio: "ignore" });
    return r.status === 0;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * A managed Chromium policy (what /etc/chromium/policies/managed/*.json holds on Debian).
 *
 * `namespace` (preferred, chosen when unshare works): the policy lives in a copy of
 * /etc/chromium that only the browser started through chromium-with-policy.sh sees.
 * `global` (fallback, or CERTRENEW_UPDATE_POLICY=global): the file is written to
 * /etc/chromium/policies/managed/ itself, where it affects every Chromium on the machine
 * until `remove()` (always call it in a `finally`; it also runs at process exit).
 * @param {Record<string, unknown>} policy
 * @param {string} dir a folder of the test's own
 */
export function managedPolicy(policy, dir) {
  const forced = process.env.CERTRENEW_UPDATE_POLICY;
  const mode = forced === "global" || forced === "namespace" ? forced : canIsolatePolicy() ? "namespace" : "global";
  const json = JSON.stringify(policy, null, 2) + "\n";
  /** @type {string[]} */
  const created = [];
  const mkdirs = (/** @type {string} */ path) => {
    const missing = [];
    for (let p = path; !existsSync(p); p = dirname(p)) missing.unshift(p);
    for (const p of missing) {
      mkdirSync(p);
      created.unshift(p); // removed deepest first
    }
  };
  if (mode === "namespace") {
    // The bind mount needs /etc/chromium to exist (Debian's chromium package ships it).
    mkdirs("/etc/chromium");
    const etc = join(dir, "etc-chromium");
    cpSync("/etc/chromium", etc, { recursive: true });
    rmSync(join(etc, "policies"), { recursive: true, force: true }); // only the test's policy
    mkdirSync(join(etc, "policies", "managed"), { recursive: true });
    writeFileSync(join(etc, "policies", "managed", "certrenew-update-test.json"), json);
    const remove = () => {
      for (const p of created.splice(0)) rmdirSync(p);
    };
    process.once("exit", remove);
    return { mode, file: join(etc, "policies", "managed", "certrenew-update-test.json"), env: { CERTRENEW_POLICY_ETC: etc }, remove };
  }
  const managed = "/etc/chromium/policies/managed";
  mkdirs(managed);
  const file = join(managed, `certrenew-update-test-${process.pid}.json`);
  writeFileSync(file, json);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(file, { force: true });
    for (const p of created.splice(0)) {
      try {
        rmdirSync(p);
      } catch {
        // someone else put a file there meanwhile: leave the folder
      }
    }
  };
  process.once("exit", remove);
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
    process.once(signal, () => {
      remove();
      process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    });
  }
  return { mode, file, env: {}, remove };
}

/**
 * Chromium (headless, persistent profile) through chromium-with-policy.sh.
 * @param {string} profile
 * @param {{env?: Record<string, string>, logFile?: string, args?: string[]}} [opts] `args`: more flags (diagnostics)
 */
export function launch(profile, opts = {}) {
  return chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath: WRAPPER,
    env: {
      ...process.env,
      CERTRENEW_CHROMIUM: CHROMIUM,
      ...(opts.logFile ? { CERTRENEW_CHROMIUM_LOG: opts.logFile } : {}),
      ...(opts.env ?? {}),
    },
    ignoreDefaultArgs: [...IGNORED_DEFAULT_ARGS],
    args: [...UPDATE_ARGS, ...(opts.args ?? [])],
  });
}

/**
 * The extension's service worker, waiting for it to start.
 * @param {import("playwright-core").BrowserContext} context
 * @param {string} id
 * @param {number} timeout
 */
export async function extensionWorker(context, id, timeout) {
  const prefix = `chrome-extension://${id}/`;
  const running = context.serviceWorkers().find((w) => w.url().startsWith(prefix));
  if (running) return running;
  return context.waitForEvent("serviceworker", { predicate: (w) => w.url().startsWith(prefix), timeout });
}

/**
 * Polls `check` until it returns a truthy value.
 * @template T
 * @param {() => T | Promise<T>} check
 * @param {number} timeout
 * @param {string} what
 * @returns {Promise<T>}
 */
export async function waitFor(check, timeout, what) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
