// @ts-check
/** Pure parts of the extension, without a browser. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { matchPattern } from "../../extension/build.mjs";
import { isCaOrigin } from "../../extension/src/background/origin.js";
import { checkHostVersion, compareVersions } from "../../extension/src/background/version.js";

test("isCaOrigin: scheme and host must match; a configured origin without port matches any port", () => {
  const allowed = ["http://127.0.0.1", "https://ca.example.com", "https://pinned.example.com:8443"];
  for (const [origin, ok] of /** @type {[string, boolean][]} */ ([
    ["http://127.0.0.1:8080", true],
    ["http://127.0.0.1", true],
    ["https://ca.example.com", true],
    ["https://ca.example.com:444", true],
    ["http://ca.example.com", false],
    ["https://evil.example.com", false],
    ["https://ca.example.com.evil.com", false],
    ["http://127.0.0.2:8080", false],
    ["https://pinned.example.com:8443", true],
    ["https://pinned.example.com", false],
    ["null", false],
    ["https://ca.example.com/path", false],
  ])) {
    assert.equal(isCaOrigin(origin, allowed), ok, origin);
  }
});

test("compareVersions and checkHostVersion", () => {
  assert.equal(compareVersions("0.10.0", "0.9.3"), 1);
  assert.equal(compareVersions("0.1.0", "0.1.0"), 0);
  assert.equal(compareVersions("0.0.9", "0.1.0"), -1);
  checkHostVersion({ protocol: 1, host_version: "0.1.0" });
  assert.throws(
    () => checkHostVersion({ protocol: 2, host_version: "9.0.0" }),
    (e) => /** @type {any} */ (e).code === "VERSION_MISMATCH" && /** @type {any} */ (e).details.component === "extension",
  );
  assert.throws(
    () => checkHostVersion({ protocol: 0, host_version: "0.1.0" }),
    (e) => /** @type {any} */ (e).details.component === "host",
  );
  assert.throws(
    () => checkHostVersion({ protocol: 1, host_version: "0.0.1" }),
    (e) => {
      const err = /** @type {any} */ (e);
      return err.code === "VERSION_MISMATCH" && err.details.component === "host" && err.details.minimum === "0.1.0" && err.details.found === "0.0.1";
    },
  );
});

test("matchPattern drops ports and refuses non-https CA origins", () => {
  assert.equal(matchPattern("http://127.0.0.1"), "http://127.0.0.1/*");
  assert.equal(matchPattern("https://ca.example.com:8443"), "https://ca.example.com/*");
  assert.throws(() => matchPattern("http://ca.example.com"));
});
