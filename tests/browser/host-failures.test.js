// @ts-check
/**
 * What the page gets when the native host fails: killed while the PIN window is open,
 * exiting in the middle of a request, or too old (VERSION_MISMATCH). Fake hosts are
 * small node scripts speaking native messaging, registered with
 * `certrenew-host register --host-path` in the test's own profile.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";

import { EXTENSION_ID, FAKE_SERIAL, FAKE_SHA, PIN, assertNoPinSeen, enterPin, fakeResults, pageRequest, poll, setup, windowShows, writeFakeHost } from "./harness.js";

const challenge = () => randomBytes(32).toString("base64");

test("the real host killed (SIGKILL) while the PIN window is open: HOST_UNAVAILABLE with the browser's text, the PIN goes nowhere", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const list = await pageRequest(page, "list_certificates");
    assert.equal(list.ok, true, JSON.stringify(list));
    const cert = list.result.tokens[0].certificates[0];
    await poll(() => env.hostProcesses(), (p) => p.length === 0, 10_000, "the listing's host to exit");

    const windowOpens = env.nextPinWindow();
    const pending = pageRequest(page, "sign", { token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: challenge() });
    const win = await windowOpens;
    await windowShows(win);
    // The host process serving this operation (started by this test's browser, found by
    // its binary and this test's token configuration), killed by its pid.
    const [pid] = await poll(() => env.hostProcesses(), (p) => p.length === 1, 10_000, "one host process");
    process.kill(pid, "SIGKILL");
    await poll(() => env.hostProcesses(), (p) => p.length === 0, 10_000, "the killed host to go");

    // The window closes by itself once the browser reports the host gone (no PIN can be
    // typed for nothing). The allowance is generous: on a loaded CI machine the browser's
    // disconnect notice has taken more than 2 s.
    if (!win.isClosed()) await win.waitForEvent("close", { timeout: 15_000 });
    const answer = await pending;
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "HOST_UNAVAILABLE", JSON.stringify(answer));
    assert.match(String(answer.error.details?.browser), /exited/i);
    assert.equal(env.hostProcesses().length, 0, "no host was started for the PIN");

    // The tab is free and the next operation works with a fresh host.
    const again = env.nextPinWindow();
    const next = pageRequest(page, "sign", { token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: challenge() });
    const win2 = await again;
    assert.equal((await windowShows(win2)).pinField, true);
    await enterPin(win2);
    const ok = await next;
    assert.equal(ok.ok, true, JSON.stringify(ok));
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});

test("a host that exits in the middle of a request (after reading it, without answering): HOST_UNAVAILABLE, for sign with the PIN in flight and for hello/list_certificates", async () => {
  const env = await setup({ register: false });
  try {
    const diesOnSign = writeFakeHost(env.dir, "dies-on-sign", { results: fakeResults({ version: "0.1.0" }), exit_on: ["sign"] });
    env.registerHost(diesOnSign.path);
    const page = await env.openPage();
    const windowOpens = env.nextPinWindow();
    const args = { token: FAKE_SERIAL, cert_sha256: FAKE_SHA, purpose: "login", challenge: challenge() };
    const pending = pageRequest(page, "sign", { ...args, pin: "999999" });
    const win = await windowOpens;
    const shown = await windowShows(win);
    assert.equal(shown.subject, "CN=Fake Holder,C=CN");
    assert.equal(shown.token, "fake token");
    await enterPin(win);
    const answer = await pending;
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "HOST_UNAVAILABLE", JSON.stringify(answer));
    assert.match(String(answer.error.details?.browser), /exited/i);

    // What the host got: Chrome's caller argument; hello, list_certificates, then sign with
    // the PIN typed in the window (not the page's), and the origin the browser reported.
    const log = diesOnSign.entries();
    assert.deepEqual(log[0].argv.slice(0, 1), [`chrome-extension://${EXTENSION_ID}/`]);
    const requests = log.filter((e) => e.request).map((e) => e.request);
    assert.deepEqual(requests.map((r) => r.cmd), ["hello", "list_certificates", "sign"]);
    for (const r of requests) {
      assert.equal(r.v, 1);
      assert.equal(r.origin, env.server.origin);
    }
    assert.equal(requests[2].args.pin, PIN);
    assert.deepEqual({ ...requests[2].args, pin: undefined }, { ...args, pin: undefined });
    assert.ok(!("pin" in requests[0].args) && !("pin" in requests[1].args));

    // hello and list_certificates (a fresh host each) from a host that reads and exits.
    const diesAtOnce = writeFakeHost(env.dir, "dies-at-once", { exit_on: ["hello", "list_certificates"] });
    env.registerHost(diesAtOnce.path);
    for (const cmd of ["hello", "list_certificates"]) {
      const failed = await pageRequest(page, cmd);
      assert.equal(failed.ok, false);
      assert.equal(failed.error.code, "HOST_UNAVAILABLE", `${cmd}: ${JSON.stringify(failed)}`);
      assert.match(String(failed.error.details?.browser), /exited/i);
    }
    assert.deepEqual(diesAtOnce.entries().filter((e) => e.request).map((e) => e.request.cmd), ["hello", "list_certificates"]);
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});

test("VERSION_MISMATCH: a host older than the extension's minimum, or of another protocol, is named with what to update; no PIN window opens", async () => {
  const env = await setup({ register: false });
  try {
    const old = writeFakeHost(env.dir, "old-host", { results: fakeResults({ version: "0.0.9" }) });
    env.registerHost(old.path);
    const page = await env.openPage();
    let windows = 0;
    env.context.on("page", (p) => {
      if (p.url().includes("/pin.html")) windows += 1;
    });

    const hello = await pageRequest(page, "hello");
    assert.equal(hello.ok, false);
    assert.equal(hello.error.code, "VERSION_MISMATCH", JSON.stringify(hello));
    assert.match(hello.error.message, /host/);
    assert.equal(hello.error.details.component, "host");
    assert.equal(hello.error.details.minimum, "0.1.0");
    assert.equal(hello.error.details.found, "0.0.9");

    const sign = await pageRequest(page, "sign", { token: FAKE_SERIAL, cert_sha256: FAKE_SHA, purpose: "login", challenge: challenge() });
    assert.equal(sign.ok, false);
    assert.equal(sign.error.code, "VERSION_MISMATCH", JSON.stringify(sign));
    assert.equal(sign.error.details.component, "host");
    assert.equal(sign.error.details.minimum, "0.1.0");
    // The PIN operation stopped after hello: nothing else reached the old host.
    assert.deepEqual(old.entries().filter((e) => e.request).map((e) => e.request.cmd), ["hello", "hello"]);

    // A host of a newer protocol major, however recent its version.
    const future = writeFakeHost(env.dir, "future-host", { results: fakeResults({ version: "9.0.0", protocol: 2 }) });
    env.registerHost(future.path);
    const hello2 = await pageRequest(page, "hello");
    assert.equal(hello2.ok, false);
    assert.equal(hello2.error.code, "VERSION_MISMATCH", JSON.stringify(hello2));
    assert.equal(hello2.error.details.protocol, 2);
    assert.equal(hello2.error.details.component, "extension", "a newer host means the extension is behind");
    assert.equal(hello2.error.details.supported_protocol, 1);

    assert.equal(windows, 0, "no PIN window was opened");
    assert.equal(env.pinWindows().length, 0);
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});
