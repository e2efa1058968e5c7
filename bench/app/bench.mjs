// @ts-check
/**
 * The web app's two quality bars (issue 5), measured, never asserted in a test:
 *  - size: the wasm gzipped (as the server sends it: the `.gz` sibling) ≤ 200 KB;
 *  - speed: "my certificates" shows the token's certificate < 500 ms after navigation.
 *
 * Each navigation is a fresh `page.goto("/")` in the same Chromium, with the real
 * extension, host (a fresh process per connection, as in production), SoftHSM token and
 * server (tests/e2e/harness.js brings the whole system up). An init script records
 * `performance.now()` (0 = navigation start) when the first `.cert-card` is attached.
 * References measured in the same run, on the same page:
 *  - `dcl`: DOMContentLoaded (what any page costs before the app starts);
 *  - `list`: one page → extension → host `list_certificates` round trip by the page
 *    library (the part of the work that is not the app's own).
 * Usage: node bench/app/bench.mjs [runs=30]   (after scripts/build-app.sh)
 * Writes bench/results/<date>-app<BENCH_APP_TAG>.json (BENCH_APP_TAG: a suffix, so a
 * second run on one day keeps the first).
 */
import { gzipSync } from "node:zlib";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

import { DIST, startSystem } from "../../tests/e2e/harness.js";

const runs = Number(process.argv[2] ?? 30);

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sizes() {
  /** @type {Record<string, {raw: number, gzip: number, served_gzip: number | null}>} */
  const out = {};
  for (const f of readdirSync(DIST)) {
    if (!/\.(wasm|js|css|html)$/.test(f)) continue;
    const raw = readFileSync(join(DIST, f));
    let served = null;
    try {
      served = readFileSync(join(DIST, `${f}.gz`)).length;
    } catch {}
    out[f] = { raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length, served_gzip: served };
  }
  return out;
}

const sys = await startSystem("bench-app", {});
try {
  const page = await sys.context.newPage();
  await page.addInitScript(() => {
    const seen = () => {
      if (!(/** @type {any} */ (window).__certShown) && document.querySelector(".cert-card")) {
        /** @type {any} */ (window).__certShown = performance.now();
      }
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  });
  /** @type {{shown: number[], dcl: number[], list: number[]}} */
  const t = { shown: [], dcl: [], list: [] };
  for (let i = 0; i < runs + 3; i++) {
    await page.goto(`${sys.origin}/`);
    await page.waitForFunction(() => /** @type {any} */ (window).__certShown !== undefined, null, { timeout: 30_000 });
    const shown = await page.evaluate(() => /** @type {any} */ (window).__certShown);
    const dcl = await page.evaluate(() => {
      const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType("navigation")[0]);
      return nav.domContentLoadedEventEnd;
    });
    const list = await page.evaluate(async () => {
      const lib = await import("/certrenew-page.js");
      const start = performance.now();
      await lib.request("list_certificates");
      return performance.now() - start;
    });
    if (i < 3) continue; // warm-up: the first loads fill the HTTP cache and start the worker
    t.shown.push(shown);
    t.dcl.push(dcl);
    t.list.push(list);
  }
  const result = {
    date: new Date().toISOString(),
    runs,
    chromium: sys.context.browser()?.version() ?? null,
    sizes: sizes(),
    median_ms: { certificate_shown: median(t.shown), dom_content_loaded: median(t.dcl), list_round_trip: median(t.list) },
    ratio_shown_to_dcl_plus_list: median(t.shown) / (median(t.dcl) + median(t.list)),
    samples_ms: t,
  };
  mkdirSync(join(import.meta.dirname, "..", "results"), { recursive: true });
  const file = join(import.meta.dirname, "..", "results", `${result.date.slice(0, 10)}-app${process.env.BENCH_APP_TAG ?? ""}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  const wasm = Object.entries(result.sizes).find(([f]) => f.endsWith(".wasm"));
  console.log(`wasm: ${wasm ? `${wasm[0]} ${wasm[1].raw} B raw, ${wasm[1].gzip} B gzip -9, served ${wasm[1].served_gzip} B` : "not found"}`);
  console.log(`median over ${runs}: certificate shown ${result.median_ms.certificate_shown.toFixed(1)} ms after navigation start; DOMContentLoaded ${result.median_ms.dom_content_loaded.toFixed(1)} ms; list_certificates round trip ${result.median_ms.list_round_trip.toFixed(1)} ms; ratio ${result.ratio_shown_to_dcl_plus_list.toFixed(2)}`);
  console.log(`written: ${file}`);
} finally {
  await sys.close();
}
