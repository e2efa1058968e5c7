// @ts-check
/**
 * Test harness: builds the extension, makes a SoftHSM token, registers the debug host
 * in a fresh user-data-dir, serves a test page on 127.0.0.1 and launches Debian's
 * Chromium (headless) with the unpacked extension. Everything is removed by `close()`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const EXTENSION_SRC = join(REPO, "extension");
export const HOST_BIN = join(REPO, "target", "debug", "certrenew-host");
export const MODULE = "/usr/lib/softhsm/libsofthsm2.so";
export const CHROMIUM = process.env.CERTRENEW_CHROMIUM ?? "/usr/bin/chromium";
export const PIN = "123456";
export const SO_PIN = "12345678";
export const EXTENSION_ID = readFileSync(join(EXTENSION_SRC, "dev-extension-id.txt"), "utf8").trim();

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
export function run(cmd, args, env = {}) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }).toString();
}

/** Builds target/debug/certrenew-host once if it is missing. */
export function ensureHost() {
  if (!existsSync(HOST_BIN)) {
    execFileSync("cargo", ["build", "-p", "native-host"], { cwd: REPO, stdio: "inherit" });
  }
}

/**
 * A SoftHSM token with one EC P-256 key pair (CKA_ID 01) and a certificate for it.
 * @param {string} dir
 */
export function makeToken(dir) {
  const tokens = join(dir, "tokens");
  run("mkdir", ["-p", tokens]);
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { SOFTHSM2_CONF: conf };
  const label = "certrenew test";
  run("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN], env);
  const tool = (/** @type {string[]} */ args) => run("pkcs11-tool", ["--module", MODULE, "--token-label", label, ...args], env);
  tool(["--login", "--pin", PIN, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "01", "--label", "张三"]);
  const pubDer = join(dir, "pub.der");
  tool(["--read-object", "--type", "pubkey", "--id", "01", "--output-file", pubDer]);
  const pubPem = join(dir, "pub.pem");
  run("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", pubDer, "-out", pubPem]);
  // A throwaway CA, and a certificate for the token's key (openssl needs a request to take a UTF-8 subject).
  const caKey = join(dir, "ca.key");
  const caPem = join(dir, "ca.pem");
  run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caPem, "-days", "30", "-subj", "/C=CN/O=certrenew/CN=certrenew Test CA"]);
  const throwaway = join(dir, "throwaway.key");
  run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", throwaway]);
  const csr = join(dir, "req.csr");
  run("openssl", ["req", "-new", "-utf8", "-subj", "/C=CN/O=测试医药有限公司/CN=张三", "-key", throwaway, "-out", csr]);
  const certDer = join(dir, "cert.der");
  run("openssl", ["x509", "-req", "-sha256", "-days", "20", "-in", csr, "-force_pubkey", pubPem, "-CA", caPem, "-CAkey", caKey, "-set_serial", "0x" + Date.now().toString(16), "-outform", "DER", "-out", certDer]);
  tool(["--login", "--pin", PIN, "--write-object", certDer, "--type", "cert", "--id", "01", "--label", "张三"]);
  const slots = run("softhsm2-util", ["--show-slots"], env);
  const serial = slots.split("\n").map((l) => l.trim()).find((l) => l.startsWith("Serial number:") && l.slice(14).trim() !== "");
  if (!serial) throw new Error("no token serial in softhsm2-util --show-slots");
  return { conf, label, serial: serial.slice(14).trim(), certDer: readFileSync(certDer), pubPem };
}

const TEST_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>certrenew test page</title>
<script>
  // Record every message the page sees, before anything else runs.
  window.__messages = [];
  window.addEventListener("message", (e) => { try { window.__messages.push(JSON.stringify(e.data)); } catch { window.__messages.push(String(e.data)); } });
</script>
<script type="module">
  import * as certrenew from "/certrenew-page.js";
  window.certrenew = certrenew;
  window.__loaded = true;
</script></head><body>test</body></html>`;

/**
 * Serves the test page and the page library on 127.0.0.1 and 127.0.0.2 (the latter
 * is outside the extension's CA origins).
 */
async function serve() {
  const lib = readFileSync(join(EXTENSION_SRC, "page", "certrenew-page.js"));
  /** @type {import("node:http").RequestListener} */
  const handler = (req, res) => {
    if (req.url === "/certrenew-page.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(lib);
    } else {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(TEST_PAGE);
    }
  };
  const servers = [createServer(handler), createServer(handler)];
  await new Promise((r) => servers[0].listen(0, "127.0.0.1", () => r(undefined)));
  const port = /** @type {import("node:net").AddressInfo} */ (servers[0].address()).port;
  await new Promise((r) => servers[1].listen(port, "127.0.0.2", () => r(undefined)));
  return {
    origin: `http://127.0.0.1:${port}`,
    outsideOrigin: `http://127.0.0.2:${port}`,
    close: () => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(() => r(undefined)); }))),
  };
}

/**
 * Sets up everything for one test.
 * @param {{register?: boolean}} [options]
 */
export async function setup(options = {}) {
  ensureHost();
  const dir = mkdtempSync(join(tmpdir(), "certrenew-e2e-"));
  const ext = join(dir, "extension");
  run("node", [join(EXTENSION_SRC, "build.mjs"), ext]);
  const token = makeToken(join(dir, "token"));
  const hostConfig = join(dir, "host.toml");
  writeFileSync(hostConfig, "modules = []\n");
  const profile = join(dir, "profile");
  if (options.register !== false) {
    run(HOST_BIN, ["register", "--user-data-dir", profile, "--host-path", HOST_BIN]);
  }
  const server = await serve();
  const context = await chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath: CHROMIUM,
    env: {
      ...process.env,
      SOFTHSM2_CONF: token.conf,
      CERTRENEW_PKCS11_MODULES: MODULE,
      CERTRENEW_HOST_CONFIG: hostConfig,
    },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--disable-extensions-except=${ext}`,
      `--load-extension=${ext}`,
    ],
  });
  if (context.serviceWorkers().length === 0) await context.waitForEvent("serviceworker", { timeout: 15_000 });
  const sw = context.serviceWorkers()[0];
  if (!sw.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)) throw new Error(`unexpected extension ${sw.url()}`);

  /** @param {string} origin */
  async function openPage(origin = server.origin) {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => /** @type {any} */ (window).__loaded === true);
    return page;
  }

  /** Waits for the extension's PIN window. */
  function nextPinWindow() {
    return context.waitForEvent("page", { predicate: (p) => p.url().startsWith(`chrome-extension://${EXTENSION_ID}/pin.html`), timeout: 15_000 });
  }

  async function close() {
    await context.close().catch(() => {});
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }

  return { dir, ext, token, server, context, openPage, nextPinWindow, close };
}

/**
 * Runs certrenew.request in the page; resolves with {ok, result} or {ok:false, error}.
 * @param {import("playwright-core").Page} page
 * @param {string} cmd
 * @param {Record<string, unknown>} [args]
 */
export function pageRequest(page, cmd, args = {}) {
  const answer = page.evaluate(
    ([cmd, args]) =>
      /** @type {any} */ (window).certrenew.request(cmd, args).then(
        (/** @type {any} */ result) => ({ ok: true, result }),
        (/** @type {any} */ error) => ({ ok: false, error }),
      ),
    /** @type {const} */ ([cmd, args]),
  );
  answer.catch(() => {}); // a test that fails early must not also report an unhandled rejection
  return answer;
}

/**
 * openssl as the independent verifier of a signature over `data` by the key in `pubPem`.
 * @param {string} dir
 * @param {string} pubPem
 * @param {Buffer} data
 * @param {Buffer} signature
 */
export function opensslVerify(dir, pubPem, data, signature) {
  const dataFile = join(dir, "tbs.bin");
  const sigFile = join(dir, "sig.der");
  writeFileSync(dataFile, data);
  writeFileSync(sigFile, signature);
  try {
    run("openssl", ["dgst", "-sha256", "-verify", pubPem, "-signature", sigFile, dataFile]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Clicks a button in the PIN window. The window closes itself as a result, which can
 * race with Playwright's post-click bookkeeping: a "closed" error then is success.
 * @param {import("playwright-core").Page} win
 * @param {string} selector
 */
export async function clickClosing(win, selector) {
  try {
    await win.click(selector);
  } catch (e) {
    if (!/closed/i.test(String(e))) throw e;
  }
}
