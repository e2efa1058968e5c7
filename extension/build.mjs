#!/usr/bin/env node
// @ts-check
/**
 * Builds the unpacked extension into dist/ (or the directory given as the first argument):
 * copies manifest.json, src/, _locales/, pin.html, pin.css and fills in, from
 * build.config.json (or --config FILE):
 *   - content_scripts[0].matches: "<origin>/*" for every CA origin (never <all_urls>);
 *   - update_url, when not null;
 *   - CA_ORIGINS in src/config.js (the service worker's allow-list).
 * --key-file FILE replaces the manifest `key` (the CA's production public key, base64 DER).
 * --origin ORIGIN (repeatable) replaces the config's ca_origins (a development server on
 * another port, the tests' servers). Origins match exactly, port included.
 * `build()` is exported for pack.mjs (signed CRX3 packages). No dependencies.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{out: string, config: string, keyFile: string | null, origins: string[] | null}} */
  const opts = { out: join(here, "dist"), config: join(here, "build.config.json"), keyFile: null, origins: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config") opts.config = resolve(argv[++i]);
    else if (a === "--origin") (opts.origins ??= []).push(argv[++i]);
    else if (a === "--key-file") opts.keyFile = resolve(argv[++i]);
    else if (!a.startsWith("-")) opts.out = resolve(a);
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

/**
 * "https://ca.example.com" → "https://ca.example.com:443/*", "http://127.0.0.1:8080" →
 * "http://127.0.0.1:8080/*". The port is always written: a Chrome match pattern without
 * one matches every port of the host, and the content script must run on the CA's
 * origin only (the service worker's isCaOrigin checks the same exact origin).
 * @param {string} origin
 */
export function matchPattern(origin) {
  const url = new URL(origin);
  if (url.origin !== origin.replace(/\/$/, "")) throw new Error(`not an origin: ${origin}`);
  const dev = url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost");
  if (url.protocol !== "https:" && !dev) throw new Error(`CA origins must be https (or http://127.0.0.1 / http://localhost): ${origin}`);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.protocol}//${url.hostname}:${port}/*`;
}

/**
 * Builds the unpacked extension. The packer (pack.mjs) calls this with `version`,
 * `updateUrl` and `key` overridden; the command line calls it with none of them.
 * @param {{out: string, config: string, keyFile?: string | null, key?: string | null,
 *   version?: string | null, updateUrl?: string | null, quiet?: boolean, origins?: string[] | null}} opts
 *   `key`: the manifest key (base64 DER public key), winning over `keyFile`;
 *   `version`: the manifest version (Chrome's 1–4 dot-separated integers);
 *   `updateUrl`: the manifest update_url, winning over the build config's;
 *   `origins`: the CA origins, winning over the build config's.
 * @returns {{out: string, manifest: Record<string, any>}}
 */
export function build(opts) {
  const config = JSON.parse(readFileSync(opts.config, "utf8"));
  const origins = opts.origins ?? config.ca_origins;
  if (!Array.isArray(origins) || origins.length === 0 || !origins.every((o) => typeof o === "string")) {
    throw new Error("build config: ca_origins must be a non-empty list of origins");
  }
  const normalized = origins.map((o) => new URL(o).origin);
  const matches = [...new Set(normalized.map(matchPattern))];

  rmSync(opts.out, { recursive: true, force: true });
  mkdirSync(opts.out, { recursive: true });
  for (const item of ["src", "_locales", "pin.html", "pin.css"]) {
    cpSync(join(here, item), join(opts.out, item), { recursive: true });
  }

  const manifest = JSON.parse(readFileSync(join(here, "manifest.json"), "utf8"));
  manifest.content_scripts[0].matches = matches;
  delete manifest.host_permissions; // not needed: the content script's matches are enough
  const updateUrl = opts.updateUrl ?? config.update_url;
  if (updateUrl) manifest.update_url = String(updateUrl);
  else delete manifest.update_url;
  if (opts.version) {
    if (!isChromeVersion(opts.version)) throw new Error(`not an extension version (1–4 integers 0–65535): ${opts.version}`);
    manifest.version = opts.version;
  }
  if (opts.key) manifest.key = opts.key.replace(/\s+/g, "");
  else if (opts.keyFile) manifest.key = readFileSync(opts.keyFile, "utf8").replace(/\s+/g, "");
  writeFileSync(join(opts.out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

  const configPath = join(opts.out, "src", "config.js");
  const source = readFileSync(configPath, "utf8");
  const marker = /\/\*BUILD:ca_origins\*\/.*?\/\*END\*\//s;
  if (!marker.test(source)) throw new Error("src/config.js lacks the BUILD:ca_origins marker");
  writeFileSync(configPath, source.replace(marker, `/*BUILD:ca_origins*/ ${JSON.stringify(normalized)} /*END*/`));

  if (!opts.quiet) process.stdout.write(`built ${opts.out} (matches: ${matches.join(", ")})\n`);
  return { out: opts.out, manifest };
}

/**
 * Chrome's extension version: 1 to 4 dot-separated integers, each 0–65535, no leading zeros.
 * @param {string} v
 */
export function isChromeVersion(v) {
  return /^(0|[1-9]\d{0,4})(\.(0|[1-9]\d{0,4})){0,3}$/.test(v) && v.split(".").every((n) => Number(n) <= 65535);
}

function main() {
  build(parseArgs(process.argv.slice(2)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
