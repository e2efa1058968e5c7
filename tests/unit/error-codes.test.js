// @ts-check
/**
 * The extension's one map of error codes against protocol's list, so that a code added
 * on one side only fails here (protocol's `error_code` test checks the other way).
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { ErrorCode } from "../../extension/src/background/error-codes.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The wire strings of `ErrorCode::as_str` in protocol/src/error_code.rs, in order. */
function protocolCodes() {
  const source = readFileSync(join(root, "protocol", "src", "error_code.rs"), "utf8");
  const body = source.slice(source.indexOf("pub fn as_str"));
  const codes = [...body.matchAll(/Self::\w+ => "([A-Z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 0, "no codes found in protocol/src/error_code.rs");
  return codes;
}

/** @param {string} dir @returns {string[]} */
function jsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith(".js") ? [path] : [];
  });
}

test("the extension's error-code map is protocol's list, in the same order", () => {
  assert.ok(Object.isFrozen(ErrorCode));
  assert.deepEqual(Object.keys(ErrorCode), protocolCodes());
  for (const [name, wire] of Object.entries(ErrorCode)) assert.equal(wire, name);
});

test("the extension's modules name codes through the map, and every code-like string is a known code", () => {
  const known = new Set(protocolCodes());
  const dirs = [join(root, "extension", "src"), join(root, "extension", "page")];
  for (const path of dirs.flatMap(jsFiles)) {
    const name = relative(root, path);
    const source = readFileSync(path, "utf8");
    for (const m of source.matchAll(/ErrorCode\.([A-Z_]+)/g)) {
      assert.ok(known.has(m[1]), `${name}: ErrorCode.${m[1]} is not a protocol code`);
    }
    if (name.endsWith("error-codes.js")) continue;
    for (const m of source.matchAll(/code: "([A-Z][A-Z_]+)"|code === "([A-Z][A-Z_]+)"|CertrenewError\("([A-Z][A-Z_]+)"/g)) {
      const code = m[1] ?? m[2] ?? m[3];
      // Modules import the map; only the classic scripts (the content script and the
      // page library, which cannot import it) spell a code, and it must be a real one.
      const classic = name.endsWith("content.js") || name.includes("certrenew-page.js");
      assert.ok(classic, `${name}: spells ${code} instead of ErrorCode.${code}`);
      assert.ok(known.has(code), `${name}: ${code} is not a protocol code`);
    }
  }
});
