// @ts-check
/**
 * The PIN window as a user meets it: no PIN in time (a test build with a short
 * timeout), and two PIN requests at once, from two tabs and from one.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";

import {
  FAKE_SERIAL,
  FAKE_SHA,
  PIN,
  assertNoPinSeen,
  clickClosing,
  enterPin,
  fakeResults,
  localeTexts,
  opensslVerify,
  pageRequest,
  poll,
  setup,
  windowShows,
  writeFakeHost,
} from "./harness.js";

const TIMEOUT_MS = 4000;

/** @param {any} env @param {import("playwright-core").Page} page */
async function signArgs(env, page) {
  const list = await pageRequest(page, "list_certificates");
  assert.equal(list.ok, true, JSON.stringify(list));
  const cert = list.result.tokens[0].certificates[0];
  return { token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: randomBytes(32).toString("base64") };
}

test("no PIN in time (test build: 4 s instead of 120 s): USER_TIMEOUT, the window closes, the host goes, a PIN typed but not sent never reaches the page", async () => {
  const env = await setup({ pinTimeoutMs: TIMEOUT_MS });
  try {
    const page = await env.openPage();
    const args = await signArgs(env, page);
    await poll(() => env.hostProcesses(), (p) => p.length === 0, 10_000, "the listing's host to exit");

    const windowOpens = env.nextPinWindow();
    const started = Date.now();
    const pending = pageRequest(page, "sign", args);
    const win = await windowOpens;
    const closed = win.waitForEvent("close", { timeout: 30_000 });
    assert.equal((await windowShows(win)).pinField, true);
    assert.equal(env.hostProcesses().length, 1, "one host process serves the operation");
    await win.fill("#pin", PIN); // typed, never submitted
    const answer = await pending;
    const elapsed = Date.now() - started;
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "USER_TIMEOUT", JSON.stringify(answer));
    assert.equal(answer.error.details?.timeout_ms, TIMEOUT_MS);
    assert.ok(elapsed >= TIMEOUT_MS - 100 && elapsed < TIMEOUT_MS + 10_000, `answered after ${elapsed} ms`);
    await closed;
    assert.equal(env.pinWindows().length, 0, "the PIN window is gone");
    await poll(() => env.hostProcesses(), (p) => p.length === 0, 10_000, "the host to exit after the timeout");

    // The tab is free again and the next operation asks for the PIN afresh.
    const again = env.nextPinWindow();
    const next = pageRequest(page, "sign", { ...args, challenge: randomBytes(32).toString("base64") });
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

test("two PIN requests at once: two tabs get a window each, answered independently; a second one from the same tab gets REQUEST_PENDING", async () => {
  const env = await setup();
  try {
    const tabA = await env.openPage();
    const tabB = await env.openPage();
    const argsA = await signArgs(env, tabA);
    const argsB = { ...argsA, challenge: randomBytes(32).toString("base64") };

    const windowA = env.nextPinWindow();
    const pendingA = pageRequest(tabA, "sign", argsA);
    const winA = await windowA;
    const shownA = await windowShows(winA);

    // The same tab again while its window is open: refused at once, no second window.
    const concurrent = await pageRequest(tabA, "sign", { ...argsA, challenge: randomBytes(32).toString("base64") });
    assert.equal(concurrent.ok, false);
    assert.equal(concurrent.error.code, "REQUEST_PENDING", JSON.stringify(concurrent));
    assert.equal(env.pinWindows().length, 1);

    // Another tab: its own window, both open together, each asking for the PIN.
    const windowB = env.nextPinWindow();
    const pendingB = pageRequest(tabB, "sign", argsB);
    const winB = await windowB;
    const shownB = await windowShows(winB);
    assert.notEqual(winA.url(), winB.url(), "each request has its own window");
    assert.equal(env.pinWindows().length, 2);
    for (const shown of [shownA, shownB]) {
      assert.equal(shown.origin, env.server.origin);
      assert.equal(shown.pinField, true);
      assert.equal(shown.token, env.token.label);
    }

    // B is answered first; A's window stays open and still asks for the PIN.
    await enterPin(winB);
    const answerB = await pendingB;
    assert.equal(answerB.ok, true, JSON.stringify(answerB));
    assert.equal(winA.isClosed(), false);
    assert.equal(await winA.isVisible("#pin"), true);
    await enterPin(winA);
    const answerA = await pendingA;
    assert.equal(answerA.ok, true, JSON.stringify(answerA));

    // Each signature is over its own tab's challenge.
    const tbs = (/** @type {string} */ c) => Buffer.from(`certrenew-v1\nlogin\n${env.server.origin}\n${c}\n\n`, "utf8");
    const sigA = Buffer.from(answerA.result.signature, "base64");
    const sigB = Buffer.from(answerB.result.signature, "base64");
    assert.ok(opensslVerify(env.dir, env.token.pubPem, tbs(argsA.challenge), sigA));
    assert.ok(opensslVerify(env.dir, env.token.pubPem, tbs(argsB.challenge), sigB));
    assert.ok(!opensslVerify(env.dir, env.token.pubPem, tbs(argsB.challenge), sigA));

    // Again, both at once. A finished last, so its logged-in connection is the one kept
    // (one at a time): tab A gets a confirmation, tab B a PIN window. Closing A's window
    // cancels A only; B's window stays and works.
    const windowA2 = env.nextPinWindow();
    const pendingA2 = pageRequest(tabA, "sign", { ...argsA, challenge: randomBytes(32).toString("base64") });
    const winA2 = await windowA2;
    assert.equal((await windowShows(winA2)).pinField, false);
    const windowB2 = env.nextPinWindow();
    const pendingB2 = pageRequest(tabB, "sign", { ...argsB, challenge: randomBytes(32).toString("base64") });
    const winB2 = await windowB2;
    assert.equal((await windowShows(winB2)).pinField, true);
    await winA2.close();
    const cancelled = await pendingA2;
    assert.equal(cancelled.ok, false);
    assert.equal(cancelled.error.code, "USER_CANCELLED", JSON.stringify(cancelled));
    assert.equal(winB2.isClosed(), false);
    await enterPin(winB2);
    const answerB2 = await pendingB2;
    assert.equal(answerB2.ok, true, JSON.stringify(answerB2));

    await assertNoPinSeen(tabA);
    await assertNoPinSeen(tabB);
  } finally {
    await env.close();
  }
});

test("PIN pad (a fake host whose token has a protected authentication path): the window says to use the device, has no PIN field, sends no PIN; Cancel → USER_CANCELLED; the device's answer closes it", async () => {
  const env = await setup({ register: false });
  try {
    const signed = { algorithm: "ecdsa-p256-sha256", signature: "MEQCIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAiABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB", certificate: "" };
    // A fake "token" whose pad is never used (its sign answer would take 10 minutes) …
    const waiting = writeFakeHost(env.dir, "pin-pad-waiting", { results: { ...fakeResults({ token: { pin_pad: true } }), sign: signed }, delay_ms: { sign: 600_000 } });
    // … and one where the user types the PIN on the pad in 2 s.
    const typing = writeFakeHost(env.dir, "pin-pad-typing", { results: { ...fakeResults({ token: { pin_pad: true } }), sign: signed }, delay_ms: { sign: 2000 } });
    env.registerHost(waiting.path);
    const page = await env.openPage();
    const args = { token: FAKE_SERIAL, cert_sha256: FAKE_SHA, purpose: "login", challenge: randomBytes(32).toString("base64") };

    // Cancel while the device waits for the PIN: USER_CANCELLED, the host connection ends.
    let windowOpens = env.nextPinWindow();
    let pending = pageRequest(page, "sign", args);
    let win = await windowOpens;
    let shown = await windowShows(win);
    assert.equal(shown.pinField, false);
    assert.equal(shown.pinPadText, true);
    assert.equal(shown.okButton, false);
    assert.equal(shown.subject, "CN=Fake Holder,C=CN");
    assert.equal(shown.token, "fake token");
    assert.ok(localeTexts("pinPad").includes(String(await win.textContent("#pinpad"))));
    await clickClosing(win, "#cancel");
    const cancelled = await pending;
    assert.equal(cancelled.ok, false);
    assert.equal(cancelled.error.code, "USER_CANCELLED", JSON.stringify(cancelled));
    await poll(() => waiting.entries().some((e) => e.end), (ended) => ended, 10_000, "the cancelled host's input to end");

    // The device answers: the window goes by itself and the page gets the result.
    env.registerHost(typing.path);
    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "sign", { ...args, challenge: randomBytes(32).toString("base64") });
    win = await windowOpens;
    const closed = win.waitForEvent("close", { timeout: 15_000 });
    const answer = await pending;
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.deepEqual(answer.result, signed);
    await closed;

    const signs = [waiting, typing].flatMap((h) => h.entries().filter((e) => e.request && e.request.cmd === "sign").map((e) => e.request));
    assert.equal(signs.length, 2);
    for (const r of signs) assert.ok(!("pin" in r.args), "no PIN is sent for a PIN-pad token");
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});

test("attempts warnings: a token reporting few PIN tries left, or the final try, gets a warning in the window", async () => {
  const env = await setup({ register: false });
  try {
    const page = await env.openPage();
    const args = { token: FAKE_SERIAL, cert_sha256: FAKE_SHA, purpose: "login", challenge: randomBytes(32).toString("base64") };
    for (const [flags, key] of /** @type {const} */ ([
      [{}, null],
      [{ pin_count_low: true }, "warnCountLow"],
      [{ pin_count_low: true, pin_final_try: true }, "warnFinalTry"],
    ])) {
      env.registerHost(writeFakeHost(env.dir, `flags-${key}`, { results: fakeResults({ token: flags }) }).path);
      const windowOpens = env.nextPinWindow();
      const pending = pageRequest(page, "sign", args);
      const win = await windowOpens;
      const shown = await windowShows(win);
      if (key === null) assert.equal(shown.warning, null);
      else assert.ok(localeTexts(key).includes(String(shown.warning)), `${key}: ${shown.warning}`);
      assert.equal(shown.pinField, true);
      await clickClosing(win, "#cancel");
      const answer = await pending;
      assert.equal(answer.error?.code, "USER_CANCELLED", JSON.stringify(answer));
    }
  } finally {
    await env.close();
  }
});

test("a token whose PIN is locked gets PIN_LOCKED at once, with no PIN window and nothing sent to sign", async () => {
  const env = await setup({ register: false });
  try {
    const locked = writeFakeHost(env.dir, "locked-host", { results: fakeResults({ token: { pin_locked: true } }) });
    env.registerHost(locked.path);
    const page = await env.openPage();
    let windows = 0;
    env.context.on("page", (p) => {
      if (p.url().includes("pin.html")) windows += 1;
    });
    const answer = await pageRequest(page, "sign", { token: FAKE_SERIAL, cert_sha256: FAKE_SHA, purpose: "login", challenge: randomBytes(32).toString("base64") });
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "PIN_LOCKED", JSON.stringify(answer));
    assert.equal(windows, 0, "no PIN window was opened");
    assert.ok(!locked.entries().some((e) => e.request && e.request.cmd === "sign"), "nothing was sent to sign");
  } finally {
    await env.close();
  }
});
