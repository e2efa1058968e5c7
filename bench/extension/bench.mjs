#!/usr/bin/env node
// @ts-check
/**
 * Page → extension → host → page round trips, in headless Chromium with the real
 * extension and the release certrenew-host on a SoftHSM token (bench/extension/run.sh
 * builds and calls this; see bench/README.md "Extension round trip").
 *
 *   node bench/extension/bench.mjs --host target/release/certrenew-host --out bench/results/STEM
 *
 * Measured `--runs` times each after `--warmup` untimed calls, one call at a time;
 * within a group, one call of each kind per round (so load changes hit them alike):
 *   page-floor         page → content script → service worker → page, no host: a `sign`
 *                      without a token, refused by the service worker (BAD_REQUEST)
 *   page-hello         certrenew.request("hello") from the page: a fresh host process
 *                      per call (the extension's only path for hello)
 *   page-list          certrenew.request("list_certificates"), likewise
 *   sw-hello-fresh,    in the service worker, through DevTools (not a page path):
 *   sw-list-fresh        connectNative, one request, disconnect — without the page part
 *   sw-hello-port,     in the service worker: one connectNative port kept open, requests
 *   sw-list-port         one after another (the extension offers the page no such path)
 *   page-trivial-host  page hello answered by trivial-host.c registered in place of
 *                      certrenew-host: what Chromium costs to start a host
 *   host-hello,        the host alone as whole processes, bench/run.sh's method
 *   host-list,           (hyperfine; the same binary, token and environment), and
 *   host-trivial, true,  the trivial host, /bin/true and the sh wrapper the same way
 *   sh-exec-true
 * Writes STEM.json (every sample, in ms) and STEM.txt (the summary).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { EXTENSION_ID, MODULE, REPO, setup } from "../../tests/browser/harness.js";

const here = dirname(fileURLToPath(import.meta.url));

/** @param {string[]} argv */
function parseArgs(argv) {
  const opts = { host: "", out: "", runs: 100, warmup: 5, certificates: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === "--host") opts.host = resolve(v());
    else if (a === "--out") opts.out = resolve(v());
    else if (a === "--runs") opts.runs = Number(v());
    else if (a === "--warmup") opts.warmup = Number(v());
    else if (a === "--certificates") opts.certificates = Number(v());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.host || !opts.out) throw new Error("usage: bench.mjs --host PATH --out STEM [--runs N] [--warmup N] [--certificates N]");
  return opts;
}

/** @param {number[]} xs */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (/** @type {number} */ p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
  };
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { n: s.length, median: q(0.5), mean, stddev: sd, min: s[0], p90: q(0.9), max: s[s.length - 1] };
}

const say = (/** @type {string} */ m) => process.stderr.write(`== ${m}\n`);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const total = opts.warmup + opts.runs;
  say(`setting up: token with ${opts.certificates} certificates, Chromium, extension, ${relative(REPO, opts.host)}`);
  // The release host serves the development extension only with the development switch.
  const hostEnv = { CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION: "1" };
  const env = await setup({ hostPath: opts.host, registrar: opts.host, certificates: opts.certificates, hostEnv });
  try {
    const page = await env.openPage();
    const origin = env.server.origin;

    // ------------------------------------------------------------ correctness, once
    const check = await page.evaluate(async () => {
      const c = /** @type {any} */ (window).certrenew;
      return { hello: await c.request("hello"), list: await c.request("list_certificates") };
    });
    const mod = check.hello.modules.find((/** @type {any} */ m) => m.path === MODULE);
    if (!mod || !mod.loaded) throw new Error(`hello: ${MODULE} not loaded: ${JSON.stringify(check.hello.modules)}`);
    const certs = check.list.tokens.flatMap((/** @type {any} */ t) => t.certificates);
    if (certs.length !== opts.certificates || !certs.every((/** @type {any} */ c) => c.has_private_key)) {
      throw new Error(`list_certificates: ${certs.length} certificates, expected ${opts.certificates}, all with their key`);
    }
    const listBytes = JSON.stringify(check.list).length;
    say(`ok: host ${check.hello.host_version} loads the module; list_certificates returns ${certs.length} certificates (${listBytes} bytes of JSON)`);

    const loadBefore = loadavg();
    /** @type {Record<string, number[]>} */
    const samples = {};
    const keep = (/** @type {Record<string, number[]>} */ got) => {
      for (const [k, v] of Object.entries(got)) samples[k] = v.slice(opts.warmup);
    };

    // ------------------------------------------------------------ page → extension → page
    // One call of each kind per round, so that the machine's load changes hit all three alike.
    /** @param {[string, string, Record<string, unknown>, string | null][]} kinds name, cmd, args, expected error code (null: success) */
    const fromPage = (kinds) =>
      page.evaluate(
        async ([kinds, n]) => {
          const c = /** @type {any} */ (window).certrenew;
          /** @type {Record<string, number[]>} */
          const times = Object.fromEntries(kinds.map(([name]) => [name, []]));
          for (let i = 0; i < n; i++) {
            for (const [name, cmd, args, expectCode] of kinds) {
              const t0 = performance.now();
              try {
                await c.request(cmd, args);
                if (expectCode !== null) throw new Error(`${cmd}: success, expected ${expectCode}`);
              } catch (e) {
                if (/** @type {any} */ (e).code !== expectCode) throw new Error(`${cmd}: ${JSON.stringify(e)}`);
              }
              times[name].push(performance.now() - t0);
            }
          }
          return times;
        },
        /** @type {const} */ ([kinds, total]),
      );
    say("page-floor (no host), page-hello, page-list (a fresh host per call), interleaved");
    keep(
      await fromPage([
        ["page-floor", "sign", {}, "BAD_REQUEST"],
        ["page-hello", "hello", {}, null],
        ["page-list", "list_certificates", {}, null],
      ]),
    );

    // ------------------------------------------------------------ service worker ⇄ host
    // Through DevTools in the service worker itself (not a page path): a fresh port per
    // call (what the extension does for hello/list) and one port kept open throughout.
    say("sw-hello-fresh, sw-list-fresh, sw-hello-port, sw-list-port, interleaved");
    keep(
      await env.sw.evaluate(
        async ([n, origin]) => {
          /** @param {chrome.runtime.Port} port @param {string} cmd @param {string} id */
          const call = (port, cmd, id) =>
            new Promise((resolve, reject) => {
              const onMsg = (/** @type {any} */ m) => {
                if (m.id !== id) return;
                port.onMessage.removeListener(onMsg);
                if (m.ok) resolve(m);
                else reject(new Error(JSON.stringify(m)));
              };
              port.onMessage.addListener(onMsg);
              port.onDisconnect.addListener(() => reject(new Error(`disconnected: ${chrome.runtime.lastError?.message}`)));
              port.postMessage({ v: 1, id, origin, cmd, args: {} });
            });
          /** @type {Record<string, number[]>} */
          const times = { "sw-hello-fresh": [], "sw-list-fresh": [], "sw-hello-port": [], "sw-list-port": [] };
          const open = chrome.runtime.connectNative("org.certrenew.host");
          await call(open, "hello", "warm");
          for (let i = 0; i < n; i++) {
            for (const [name, cmd] of [["sw-hello-fresh", "hello"], ["sw-list-fresh", "list_certificates"]]) {
              const t0 = performance.now();
              const port = chrome.runtime.connectNative("org.certrenew.host");
              await call(port, cmd, `f${i}`);
              port.disconnect();
              times[name].push(performance.now() - t0);
            }
            for (const [name, cmd] of [["sw-hello-port", "hello"], ["sw-list-port", "list_certificates"]]) {
              const t0 = performance.now();
              await call(open, cmd, `${name}-${i}`);
              times[name].push(performance.now() - t0);
            }
          }
          open.disconnect();
          return times;
        },
        /** @type {const} */ ([total, origin]),
      ),
    );

    // ------------------------------------------------------------ Chromium's own cost
    // The smallest possible host (trivial-host.c) registered in place of certrenew-host:
    // page → extension → start a process → one message each way → page.
    let trivial = null;
    try {
      trivial = join(env.dir, "trivial-host");
      execFileSync("cc", ["-O2", "-o", trivial, join(here, "trivial-host.c")], { stdio: ["ignore", "ignore", "inherit"] });
    } catch (e) {
      say(`no C compiler, trivial host skipped (${e})`);
      trivial = null;
    }
    if (trivial) {
      env.registerHost(trivial);
      say("page-trivial-host (page hello answered by trivial-host.c)");
      keep(await fromPage([["page-trivial-host", "hello", {}, null]]));
      env.registerHost(opts.host);
    }

    // ------------------------------------------------------------ host alone (bench/run.sh's method)
    const frame = (/** @type {string} */ cmd) => {
      const body = Buffer.from(JSON.stringify({ v: 1, id: "1", origin, cmd }), "utf8");
      const head = Buffer.alloc(4);
      head.writeUInt32LE(body.length, 0);
      return Buffer.concat([head, body]);
    };
    const helloReq = join(env.dir, "hello.bin");
    const listReq = join(env.dir, "list_certificates.bin");
    writeFileSync(helloReq, frame("hello"));
    writeFileSync(listReq, frame("list_certificates"));
    const caller = `chrome-extension://${EXTENSION_ID}/`;
    const hfVersion = execFileSync("hyperfine", ["--version"], { encoding: "utf8" }).trim().split(/\s+/)[1];
    const hfInput = hfVersion.localeCompare("1.16.0", undefined, { numeric: true }) >= 0;
    const hfEnv = { ...process.env, ...env.hostEnvironment };
    const hf = (/** @type {string} */ json, /** @type {string[]} */ args) =>
      execFileSync("hyperfine", ["-N", "--warmup", String(opts.warmup), "--runs", String(opts.runs), "--style", "none", "--export-json", json, ...args], { env: hfEnv, stdio: ["ignore", "ignore", "pipe"] });
    /** @type {any[]} */
    let hfResults = [];
    say(`host alone: hyperfine ${hfVersion} (${hfInput ? "--input" : "sh wrapper, as bench/run.sh"})`);
    if (hfInput) {
      for (const [name, req] of [["host-hello", helloReq], ["host-list", listReq]]) {
        const json = join(env.dir, `${name}.json`);
        hf(json, ["--input", req, "-n", name, `${opts.host} ${caller}`]);
        hfResults.push(...JSON.parse(readFileSync(json, "utf8")).results);
      }
      const json = join(env.dir, "true.json");
      hf(json, ["-n", "true", "/bin/true"]);
      hfResults.push(...JSON.parse(readFileSync(json, "utf8")).results);
      if (trivial) {
        const tj = join(env.dir, "trivial.json");
        hf(tj, ["--input", helloReq, "-n", "host-trivial", `${trivial} ${caller}`]);
        hfResults.push(...JSON.parse(readFileSync(tj, "utf8")).results);
      }
    } else {
      const json = join(env.dir, "host.json");
      hf(json, [
        "-n", "true", "/bin/true",
        "-n", "sh-exec-true", `sh -c 'exec /bin/true < ${helloReq} > /dev/null'`,
        "-n", "host-hello", `sh -c 'exec ${opts.host} ${caller} < ${helloReq} > /dev/null'`,
        "-n", "host-list", `sh -c 'exec ${opts.host} ${caller} < ${listReq} > /dev/null'`,
        ...(trivial ? ["-n", "host-trivial", `sh -c 'exec ${trivial} ${caller} < ${helloReq} > /dev/null'`] : []),
      ]);
      hfResults = JSON.parse(readFileSync(json, "utf8")).results;
    }
    for (const r of hfResults) samples[r.command] = r.times.map((/** @type {number} */ t) => t * 1000);

    // ------------------------------------------------------------ results
    const commit = (() => {
      try {
        const c = execFileSync("git", ["-C", REPO, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
        const dirty = execFileSync("git", ["-C", REPO, "status", "--porcelain"], { encoding: "utf8" }).trim() !== "";
        return dirty ? `${c} (with uncommitted changes)` : c;
      } catch {
        return "unknown";
      }
    })();
    const chromiumVersion = env.context.browser()?.version() ?? execFileSync(process.env.CERTRENEW_CHROMIUM ?? "/usr/bin/chromium", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const summary = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
    const result = {
      date: new Date().toISOString(),
      commit,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "", loadavg_before: loadBefore, loadavg_after: loadavg() },
      chromium: chromiumVersion,
      node: process.version,
      hyperfine: hfVersion,
      host: relative(REPO, opts.host),
      host_version: check.hello.host_version,
      certificates: opts.certificates,
      list_json_bytes: listBytes,
      runs: opts.runs,
      warmup: opts.warmup,
      unit: "ms",
      summary,
      samples,
    };
    mkdirSync(dirname(opts.out), { recursive: true });
    const round = (/** @type {string} */ _k, /** @type {unknown} */ v) => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v);
    const json = JSON.stringify(result, round, 1).replace(/\[\s+(-?[\d.]+(?:,\s+-?[\d.]+)*)\s+\]/g, (_m, xs) => `[${xs.replace(/\s+/g, "")}]`);
    writeFileSync(`${opts.out}.json`, json + "\n");

    const f = (/** @type {number} */ x) => x.toFixed(2).padStart(8);
    const lines = [
      `certrenew extension round trip, ${result.date.slice(0, 16).replace("T", " ")} UTC`,
      `commit ${commit}; ${result.machine.cpus} CPUs (${result.machine.cpu}); load average ${loadBefore.map((x) => x.toFixed(2)).join(" ")} before, ${loadavg().map((x) => x.toFixed(2)).join(" ")} after`,
      `${chromiumVersion}; node ${process.version}; hyperfine ${hfVersion}; host ${result.host} ${result.host_version}; token with ${opts.certificates} certificates (list_certificates answer: ${listBytes} bytes of JSON)`,
      `results: ${relative(REPO, `${opts.out}.json`)}; ${opts.runs} calls each after ${opts.warmup} warm-up calls, one at a time`,
      "",
      `${"measurement".padEnd(16)}${"median".padStart(8)}${"mean".padStart(8)}${"σ".padStart(8)}${"min".padStart(8)}${"p90".padStart(8)}${"max".padStart(8)}   (ms)`,
      ...Object.entries(summary).map(([k, s]) => `${k.padEnd(16)}${f(s.median)}${f(s.mean)}${f(s.stddev)}${f(s.min)}${f(s.p90)}${f(s.max)}`),
      "",
      `list_certificates, page → extension → fresh host → page: median ${summary["page-list"].median.toFixed(2)} ms (target < 20 ms): ${summary["page-list"].median < 20 ? "MET" : "NOT MET"}`,
      `hello, same path: median ${summary["page-hello"].median.toFixed(2)} ms`,
      `browser + extension share (page median − host-alone median): hello ${(summary["page-hello"].median - summary["host-hello"].median).toFixed(2)} ms, list ${(summary["page-list"].median - summary["host-list"].median).toFixed(2)} ms`,
      ...(summary["page-trivial-host"]
        ? [`of which page ⇄ service worker ${summary["page-floor"].median.toFixed(2)} ms (page-floor); Chromium starting a host and relaying one message each way ≈ ${(summary["page-trivial-host"].median - summary["page-floor"].median - summary["host-trivial"].median).toFixed(2)} ms (page-trivial-host − page-floor − host-trivial)`]
        : []),
      "open port: the extension offers the page no way to run hello/list_certificates over an open port;",
      `  the service worker's own open port (sw-*-port, not a page path): hello ${summary["sw-hello-port"].median.toFixed(2)} ms, list ${summary["sw-list-port"].median.toFixed(2)} ms`,
    ];
    writeFileSync(`${opts.out}.txt`, lines.join("\n") + "\n");
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    await env.close();
  }
}

main().catch((e) => {
  process.stderr.write(`bench/extension: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
