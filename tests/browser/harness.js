// @ts-check
/**
 * Test harness: builds the extension, makes a SoftHSM token, registers the debug host
 * in a fresh user-data-dir, serves a test page on 127.0.0.1 and launches Debian's
 * Chromium (headless) with the unpacked extension. Everything is removed by `close()`.
 * Also: test builds (a short PIN timeout), fake hosts (node scripts speaking native
 * messaging), the host processes a test's browser started, and openssl / pkcs11-tool
 * as independent witnesses. bench/extension/ uses it too.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
 * A SoftHSM token with one EC P-256 key pair (CKA_ID 01) and a certificate for it,
 * issued by a throwaway CA (`caPem`, `caKey`, kept for issuing renewed certificates).
 * `certificates` > 1 adds more key pairs with certificates (ids 02, 03, …; the bench).
 * @param {string} dir
 * @param {{certificates?: number}} [options]
 */
export function makeToken(dir, options = {}) {
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
  for (let i = 2; i <= (options.certificates ?? 1); i++) {
    const id = i.toString(16).padStart(2, "0");
    tool(["--login", "--pin", PIN, "--keypairgen", "--key-type", "EC:prime256v1", "--id", id, "--label", `holder ${id}`]);
    tool(["--read-object", "--type", "pubkey", "--id", id, "--output-file", join(dir, `pub${id}.der`)]);
    run("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", join(dir, `pub${id}.der`), "-out", join(dir, `pub${id}.pem`)]);
    run("openssl", ["x509", "-req", "-sha256", "-days", "20", "-in", csr, "-subj", `/C=CN/O=测试医药有限公司/CN=Holder ${id}`, "-force_pubkey", join(dir, `pub${id}.pem`), "-CA", caPem, "-CAkey", caKey, "-set_serial", `${0x1000 + i}`, "-outform", "DER", "-out", join(dir, `cert${id}.der`)]);
    tool(["--login", "--pin", PIN, "--write-object", join(dir, `cert${id}.der`), "--type", "cert", "--id", id, "--label", `holder ${id}`]);
  }
  const slots = run("softhsm2-util", ["--show-slots"], env);
  const serial = slots.split("\n").map((l) => l.trim()).find((l) => l.startsWith("Serial number:") && l.slice(14).trim() !== "");
  if (!serial) throw new Error("no token serial in softhsm2-util --show-slots");
  return { dir, conf, label, serial: serial.slice(14).trim(), certDer: readFileSync(certDer), pubPem, caPem, caKey };
}

/** @typedef {ReturnType<typeof makeToken>} Token */

/**
 * The token's objects as `pkcs11-tool --list-objects` shows them (with `login`, the
 * private keys too): [{kind: "Certificate" | "Public Key" | "Private Key" | …, id, label}].
 * A token of another module names it (`module`, `env`: the test token of sm2-token.js).
 * @param {{label: string, conf: string, module?: string, env?: Record<string, string>}} token
 * @param {{login?: boolean}} [options]
 */
export function listObjects(token, options = {}) {
  const args = ["--module", token.module ?? MODULE, "--token-label", token.label, "--list-objects"];
  if (options.login) args.push("--login", "--pin", PIN);
  const out = run("pkcs11-tool", args, token.env ?? { SOFTHSM2_CONF: token.conf });
  /** @type {{kind: string, id: string | null, label: string | null}[]} */
  const objects = [];
  for (const line of out.split("\n")) {
    const head = /^(Certificate|Public Key|Private Key|Secret Key|Data|Profile) [Oo]bject/.exec(line);
    if (head) objects.push({ kind: head[1], id: null, label: null });
    const field = /^\s+(ID|label):\s*(.*)$/.exec(line);
    if (field && objects.length > 0) objects[objects.length - 1][field[1] === "ID" ? "id" : "label"] = field[2].trim();
  }
  return objects;
}

/**
 * Issues a certificate for `csrDer` from the token's throwaway CA, as a CA would for a
 * renewal (subject and public key from the request). Returns the DER.
 * @param {Token} token
 * @param {Buffer} csrDer
 */
export function issueCertificate(token, csrDer) {
  const stem = join(token.dir, `renewal-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(`${stem}.csr.der`, csrDer);
  run("openssl", ["req", "-inform", "DER", "-in", `${stem}.csr.der`, "-out", `${stem}.csr.pem`]);
  run("openssl", ["x509", "-req", "-sha256", "-days", "30", "-in", `${stem}.csr.pem`, "-CA", token.caPem, "-CAkey", token.caKey, "-set_serial", "0x" + Date.now().toString(16) + "01", "-outform", "DER", "-out", `${stem}.cert.der`]);
  return readFileSync(`${stem}.cert.der`);
}

/**
 * openssl's view of a PKCS#10 request: whether its self-signature verifies, its
 * subject (RFC 2253, UTF-8) and its public key (PEM file path).
 * @param {string} dir
 * @param {Buffer} csrDer
 */
export function inspectCsr(dir, csrDer) {
  const stem = join(dir, `csr-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(`${stem}.der`, csrDer);
  // OpenSSL 3.0's `req -verify` exits 0 even when the signature is bad: read what it says.
  const check = spawnSync("openssl", ["req", "-inform", "DER", "-in", `${stem}.der`, "-verify", "-noout"], { encoding: "utf8" });
  const said = `${check.stdout}${check.stderr}`;
  const verified = check.status === 0 && /verify OK/.test(said) && !/fail/i.test(said);
  const subject = run("openssl", ["req", "-inform", "DER", "-in", `${stem}.der`, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb"]).trim().replace(/^subject=/, "");
  const pubPem = `${stem}.pub.pem`;
  writeFileSync(pubPem, run("openssl", ["req", "-inform", "DER", "-in", `${stem}.der`, "-noout", "-pubkey"]));
  return { verified, subject, pubPem };
}

/**
 * The subject of a DER certificate as openssl prints it (RFC 2253, UTF-8).
 * @param {string} dir
 * @param {Buffer} der
 */
export function certificateSubject(dir, der) {
  const file = join(dir, `cert-${Date.now()}-${Math.random().toString(36).slice(2)}.der`);
  writeFileSync(file, der);
  return run("openssl", ["x509", "-inform", "DER", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb"]).trim().replace(/^subject=/, "");
}

/**
 * What a fake native host does (see writeFakeHost): `results` answers commands by name,
 * after `delay_ms[cmd]` if given; a command in `exit_on` makes it exit with `exit_status`
 * without answering; anything else gets UNKNOWN_COMMAND. Its argv, every request and the
 * end of its input go to `log` (JSON lines).
 * @typedef {{results?: Record<string, unknown>, delay_ms?: Record<string, number>,
 *   exit_on?: string[], exit_status?: number}} FakeHostSpec
 */

export const FAKE_SERIAL = "FAKE0001";
export const FAKE_SHA = "ab".repeat(32);

/**
 * A fake host's `hello` and `list_certificates` answers, enough for the extension to
 * reach the PIN window: one token (serial FAKE_SERIAL, label "fake token", flags from
 * `token`) with one certificate (sha256 FAKE_SHA, subject "CN=Fake Holder,C=CN").
 * @param {{version?: string, protocol?: number, token?: Record<string, unknown>}} [options]
 */
export function fakeResults(options = {}) {
  return {
    hello: { protocol: options.protocol ?? 1, host_version: options.version ?? "0.1.0", capabilities: ["sign", "generate_csr", "install_certificate", "discard_key"], modules: [] },
    list_certificates: {
      tokens: [
        {
          token: { serial: FAKE_SERIAL, label: "fake token", manufacturer: "test", model: "fake", module: "none", pin_pad: false, pin_count_low: false, pin_final_try: false, pin_locked: false, ...options.token },
          certificates: [{ der: "", sha256: FAKE_SHA, key_id: "01", label: "fake", subject: "CN=Fake Holder,C=CN", issuer: "CN=Fake CA", serial: "01", not_before: "2026-01-01T00:00:00Z", not_after: "2027-01-01T00:00:00Z", usage: "sign", has_private_key: true }],
        },
      ],
    },
  };
}

/**
 * Writes an executable fake host (node, native messaging framing) into `dir`.
 * @param {string} dir
 * @param {string} name
 * @param {FakeHostSpec} spec
 * @returns {{path: string, log: string, entries: () => any[]}}
 */
export function writeFakeHost(dir, name, spec) {
  const path = join(dir, `${name}.cjs`);
  const log = join(dir, `${name}.log`);
  const script = `#!${process.execPath}
"use strict";
const fs = require("fs");
const SPEC = ${JSON.stringify({ results: {}, delay_ms: {}, exit_on: [], exit_status: 1, ...spec, log })};
const record = (o) => fs.appendFileSync(SPEC.log, JSON.stringify(o) + "\\n");
record({ argv: process.argv.slice(2), pid: process.pid });
const send = (msg) => {
  const body = Buffer.from(JSON.stringify(msg), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  fs.writeSync(1, Buffer.concat([head, body]));
};
let buf = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
    const n = buf.readUInt32LE(0);
    const req = JSON.parse(buf.subarray(4, 4 + n).toString("utf8"));
    buf = buf.subarray(4 + n);
    record({ request: req });
    if (SPEC.exit_on.includes(req.cmd)) process.exit(SPEC.exit_status);
    const answer = Object.hasOwn(SPEC.results, req.cmd)
      ? { v: 1, id: req.id, ok: true, result: SPEC.results[req.cmd] }
      : { v: 1, id: req.id, ok: false, error: { code: "UNKNOWN_COMMAND", message: "fake host: " + req.cmd } };
    if (SPEC.delay_ms[req.cmd]) setTimeout(() => send(answer), SPEC.delay_ms[req.cmd]);
    else send(answer);
  }
});
process.stdin.on("end", () => {
  record({ end: true });
  process.exit(0);
});
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const entries = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []);
  return { path, log, entries };
}

/**
 * Writes a relay host into `dir`: a node script, registered as the host, that runs the
 * real host (`target`, with the browser's argv and environment) and passes every frame
 * through, logging each request's command (PIN dropped) to `log`. `setListing(mode)`
 * makes it answer `list_certificates` itself instead of the host: "error" (the token
 * failed while being read: TOKEN_REMOVED) or "empty" (no token listed); null passes it
 * through again. This is how a test makes the extension's token lookup fail while the
 * real host behind stays logged in.
 * @param {string} dir
 * @param {string} name
 * @param {string} [target]
 */
export function writeRelayHost(dir, name, target = HOST_BIN) {
  const path = join(dir, `${name}.cjs`);
  const log = join(dir, `${name}.log`);
  const flag = join(dir, `${name}.listing`);
  const script = `#!${process.execPath}
"use strict";
const fs = require("fs");
const { spawn } = require("child_process");
const LOG = ${JSON.stringify(log)}, FLAG = ${JSON.stringify(flag)};
const record = (o) => fs.appendFileSync(LOG, JSON.stringify(o) + "\\n");
const host = spawn(${JSON.stringify(target)}, process.argv.slice(2), { stdio: ["pipe", "pipe", "inherit"] });
host.stdout.on("data", (chunk) => fs.writeSync(1, chunk));
host.on("exit", (code) => { record({ host_exit: code }); process.exit(0); });
const send = (msg) => {
  const body = Buffer.from(JSON.stringify(msg), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  fs.writeSync(1, Buffer.concat([head, body]));
};
let buf = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
    const n = buf.readUInt32LE(0);
    const frame = buf.subarray(0, 4 + n);
    const req = JSON.parse(buf.subarray(4, 4 + n).toString("utf8"));
    buf = buf.subarray(4 + n);
    const mode = fs.existsSync(FLAG) ? fs.readFileSync(FLAG, "utf8").trim() : "";
    const args = Object.assign({}, req.args);
    const hadPin = "pin" in args;
    delete args.pin;
    if (req.cmd === "list_certificates" && mode === "error") {
      record({ cmd: req.cmd, answered_by_relay: mode });
      send({ v: 1, id: req.id, ok: false, error: { code: "TOKEN_REMOVED", message: "relay: the token failed while being read" } });
    } else if (req.cmd === "list_certificates" && mode === "empty") {
      record({ cmd: req.cmd, answered_by_relay: mode });
      send({ v: 1, id: req.id, ok: true, result: { tokens: [] } });
    } else {
      record({ cmd: req.cmd, args, pin: hadPin, pid: host.pid });
      host.stdin.write(frame);
    }
  }
});
process.stdin.on("end", () => { record({ end: true }); host.stdin.end(); });
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  /** @returns {any[]} */
  const entries = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []);
  /** @param {"error" | "empty" | null} mode */
  const setListing = (mode) => (mode === null ? rmSync(flag, { force: true }) : writeFileSync(flag, mode));
  /** The commands that reached the real host, in order. */
  const forwarded = () => entries().filter((e) => e.cmd && !e.answered_by_relay).map((e) => e.cmd);
  return { path, log, entries, setListing, forwarded };
}

/**
 * Live processes running `binary` whose environment has `SOFTHSM2_CONF=<conf>`: the host
 * processes this test's browser started (other tests and users have other token files).
 * @param {string} binary
 * @param {string} conf
 */
export function processesOf(binary, conf) {
  /** @type {number[]} */
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (argv[0] !== binary) continue;
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (environ.includes(`SOFTHSM2_CONF=${conf}`)) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
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
 * is outside the extension's CA origins), and on another port of 127.0.0.1 (outside
 * too: origins match exactly, port included).
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
  const servers = [createServer(handler), createServer(handler), createServer(handler)];
  await new Promise((r) => servers[0].listen(0, "127.0.0.1", () => r(undefined)));
  const port = /** @type {import("node:net").AddressInfo} */ (servers[0].address()).port;
  await new Promise((r) => servers[1].listen(port, "127.0.0.2", () => r(undefined)));
  await new Promise((r) => servers[2].listen(0, "127.0.0.1", () => r(undefined)));
  const otherPort = /** @type {import("node:net").AddressInfo} */ (servers[2].address()).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    outsideOrigin: `http://127.0.0.2:${port}`,
    otherPortOrigin: `http://127.0.0.1:${otherPort}`,
    close: () => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(() => r(undefined)); }))),
  };
}

/**
 * Sets up everything for one test.
 *  - `register: false`: no host is registered;
 *  - `hostPath`: the program registered as the host (default: the debug host);
 *  - `hostEnv`: more environment for the browser, hence for every host it starts;
 *  - `pinTimeoutMs`: a test build of the extension whose PIN window times out after
 *    this (the shipped build: 120 s). The value is written into this test's copy of
 *    src/config.js between its TEST markers, before the browser loads it;
 *  - `certificates`: certificates on the token (default 1);
 *  - `registrar`: the certrenew-host binary that runs `register` (default: the debug
 *    host, built if missing; the bench passes the release host).
 * @param {{register?: boolean, hostPath?: string, hostEnv?: Record<string, string>,
 *   pinTimeoutMs?: number, certificates?: number, registrar?: string}} [options]
 */
export async function setup(options = {}) {
  const registrar = options.registrar ?? HOST_BIN;
  if (registrar === HOST_BIN) ensureHost();
  const dir = mkdtempSync(join(tmpdir(), "certrenew-e2e-"));
  const server = await serve();
  const ext = join(dir, "extension");
  // The test page's exact origin (port included) is the extension's one CA origin.
  run("node", [join(EXTENSION_SRC, "build.mjs"), ext, "--origin", server.origin]);
  if (options.pinTimeoutMs !== undefined) setPinTimeout(ext, options.pinTimeoutMs);
  const token = makeToken(join(dir, "token"), { certificates: options.certificates });
  const hostConfig = join(dir, "host.toml");
  writeFileSync(hostConfig, "modules = []\n");
  const profile = join(dir, "profile");
  /** Registers `path` as the host in this test's profile (Chromium reads it at each connectNative). @param {string} path */
  const registerHost = (path) => run(registrar, ["register", "--user-data-dir", profile, "--host-path", path]);
  if (options.register !== false) registerHost(options.hostPath ?? HOST_BIN);
  /** What every host the browser starts finds in its environment, besides the browser's own. */
  const hostEnvironment = { SOFTHSM2_CONF: token.conf, CERTRENEW_PKCS11_MODULES: MODULE, CERTRENEW_HOST_CONFIG: hostConfig, ...options.hostEnv };
  const context = await chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath: CHROMIUM,
    env: { ...process.env, ...hostEnvironment },
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

  /** The PIN windows open now. */
  function pinWindows() {
    return context.pages().filter((p) => p.url().startsWith(`chrome-extension://${EXTENSION_ID}/pin.html`));
  }

  /** Live processes of the registered host started by this test's browser. @param {string} [binary] */
  function hostProcesses(binary = options.hostPath ?? HOST_BIN) {
    return processesOf(binary, token.conf);
  }

  async function close() {
    await context.close().catch(() => {});
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }

  return { dir, ext, profile, token, hostEnvironment, server, context, sw, openPage, nextPinWindow, pinWindows, hostProcesses, registerHost, close };
}

/**
 * A test build: the PIN entry timeout of the built extension in `ext` becomes `ms`.
 * @param {string} ext
 * @param {number} ms
 */
function setPinTimeout(ext, ms) {
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`pinTimeoutMs: ${ms}`);
  const file = join(ext, "src", "config.js");
  const source = readFileSync(file, "utf8");
  const marker = /\/\*TEST:pin_entry_timeout_ms\*\/.*?\/\*END\*\//s;
  if (!marker.test(source)) throw new Error("extension/src/config.js lacks the TEST:pin_entry_timeout_ms marker");
  writeFileSync(file, source.replace(marker, `/*TEST:pin_entry_timeout_ms*/ ${ms} /*END*/`));
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

/**
 * Every message the test page has seen (its recorder runs before any other script).
 * @param {import("playwright-core").Page} page
 * @returns {Promise<string[]>}
 */
export function pageMessages(page) {
  return page.evaluate(() => /** @type {any} */ (window).__messages);
}

/**
 * Fails if any message the page saw contains `pin` (default: the token's PIN).
 * @param {import("playwright-core").Page} page
 * @param {string} [pin]
 */
export async function assertNoPinSeen(page, pin = PIN) {
  const messages = await pageMessages(page);
  if (messages.length === 0) throw new Error("the page recorded no messages");
  for (const m of messages) if (m.includes(pin)) throw new Error(`a page message contains the PIN: ${m}`);
}

/**
 * Waits until the PIN window has its data and shows its form; returns what it shows.
 * @param {import("playwright-core").Page} win
 */
export async function windowShows(win) {
  await win.waitForSelector("#form:not([hidden])");
  return {
    origin: await win.textContent("#origin"),
    operation: await win.textContent("#operation"),
    subject: await win.textContent("#subject"),
    token: await win.textContent("#token"),
    pinField: await win.isVisible("#pin"),
    confirmText: await win.isVisible("#confirm"),
    pinPadText: await win.isVisible("#pinpad"),
    okButton: await win.isVisible("#ok"),
    warning: (await win.isVisible("#warning")) ? await win.textContent("#warning") : null,
    /** install_certificate's certificate and key to be deleted, as the window words them. */
    retire: (await win.isVisible("#retire"))
      ? {
          title: await win.textContent("#retire h2"),
          cn: await win.textContent("#retire-cn"),
          o: await win.textContent("#retire-o"),
          serial: await win.textContent("#retire-serial"),
          validity: await win.textContent("#retire-validity"),
          issuer: await win.textContent("#retire-issuer"),
          key: await win.textContent("#retire-key"),
        }
      : null,
  };
}

/**
 * Types `pin` in the PIN window and presses OK.
 * @param {import("playwright-core").Page} win
 * @param {string} [pin]
 */
export async function enterPin(win, pin = PIN) {
  await win.waitForSelector("#form:not([hidden])");
  await win.fill("#pin", pin);
  await clickClosing(win, "#ok");
}

/**
 * The strings of the extension's locales for `key` (the window shows one of them,
 * depending on the browser's language).
 * @param {string} key
 */
export function localeTexts(key) {
  return ["en", "zh_CN"].map((l) => JSON.parse(readFileSync(join(EXTENSION_SRC, "_locales", l, "messages.json"), "utf8"))[key].message);
}

/**
 * Polls `get` until `done(value)` holds; returns the value (throws after `timeoutMs`).
 * @template T
 * @param {() => T | Promise<T>} get
 * @param {(value: T) => boolean} done
 * @param {number} [timeoutMs]
 * @param {string} [what]
 */
export async function poll(get, done, timeoutMs = 10_000, what = "condition") {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SHA-256 in lowercase hex. @param {Buffer | string} data */
export function sha256hex(data) {
  return createHash("sha256").update(data).digest("hex");
}
