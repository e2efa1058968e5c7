// @ts-check
/**
 * Issue 9, the extension's part, in a real Chromium with the real extension, the real
 * host and a SoftHSM token:
 *  - a failed token lookup never lets a PIN operation reach the host without a window,
 *    and ends the kept (logged-in) session;
 *  - keyjacking: keys, typing and clicks that arrive as the window opens neither confirm
 *    nor fill the PIN; OK is never focused; after the delay a real click works;
 *  - install_certificate's window names the certificate and key `retire` deletes; an
 *    unknown `retire` is refused before anything reaches the host.
 * A relay host (harness.js writeRelayHost) sits between the browser and the real host:
 * it logs what reaches the host and can make `list_certificates` fail.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";

import {
  HOST_BIN,
  PIN,
  assertNoPinSeen,
  clickClosing,
  enterPin,
  issueCertificate,
  listObjects,
  localeTexts,
  pageRequest,
  poll,
  setup,
  sha256hex,
  windowShows,
  writeRelayHost,
} from "./harness.js";

const challenge = () => randomBytes(32).toString("base64");

/**
 * Counts the PIN windows the browser opens from now on.
 * @param {any} env
 */
function countWindows(env) {
  const counter = { opened: 0 };
  env.context.on("page", (/** @type {import("playwright-core").Page} */ p) => {
    if (p.url().includes("pin.html")) counter.opened += 1;
  });
  return counter;
}

/**
 * Resolves with the page's answer, or fails the test as soon as a PIN window opens.
 * @param {any} env
 * @param {Promise<any>} pending
 */
async function answerWithoutWindow(env, pending) {
  const win = env.nextPinWindow().then(
    () => "window",
    () => "none",
  );
  const first = await Promise.race([pending.then(() => "answer"), win]);
  assert.equal(first, "answer", "the request opened a PIN window instead of being refused");
  return pending;
}

/**
 * Whether `promise` is still pending after `ms`.
 * @param {Promise<any>} promise
 * @param {number} ms
 */
async function stillPending(promise, ms) {
  const marker = Symbol("pending");
  const r = await Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(marker), ms))]);
  return r === marker;
}

/**
 * Runs `inputs` in the window; a window that closes meanwhile took them as an answer.
 * @param {import("playwright-core").Page} win
 * @param {() => Promise<void>} inputs
 */
async function assertSurvives(win, inputs) {
  try {
    await inputs();
  } catch (e) {
    if (/closed/i.test(String(e))) assert.fail("the window took input sent as it opened as an answer, and closed");
    throw e;
  }
}

test("a failed token lookup never reaches the host's sign without a window, and ends the kept logged-in session", async () => {
  const env = await setup({ register: false });
  try {
    const relay = writeRelayHost(env.dir, "relay");
    env.registerHost(relay.path);
    const hosts = () => env.hostProcesses(HOST_BIN);
    const page = await env.openPage();
    const listed = await pageRequest(page, "list_certificates");
    assert.equal(listed.ok, true, JSON.stringify(listed));
    const cert = listed.result.tokens[0].certificates[0];
    const signArgs = () => ({ token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: challenge() });

    for (const [mode, code] of /** @type {const} */ ([
      ["error", "TOKEN_REMOVED"],
      ["empty", "TOKEN_NOT_FOUND"],
    ])) {
      // A signature with the PIN: the host stays logged in, its connection kept.
      let windowOpens = env.nextPinWindow();
      let pending = pageRequest(page, "sign", signArgs());
      const win = await windowOpens;
      assert.equal((await windowShows(win)).pinField, true, `${mode}: a PIN window first`);
      await enterPin(win);
      const signed = await pending;
      assert.equal(signed.ok, true, JSON.stringify(signed));
      await poll(hosts, (p) => p.length === 1, 10_000, "one logged-in host kept");
      const signsBefore = relay.forwarded().filter((c) => c === "sign").length;

      // The lookup fails: a clear error, no window, nothing sent to sign, the session ends.
      relay.setListing(mode);
      const windows = countWindows(env);
      const refused = await answerWithoutWindow(env, pageRequest(page, "sign", signArgs()));
      assert.equal(refused.ok, false, `${mode}: ${JSON.stringify(refused)}`);
      assert.equal(refused.error.code, code, JSON.stringify(refused));
      assert.equal(windows.opened, 0);
      assert.equal(relay.forwarded().filter((c) => c === "sign").length, signsBefore, `${mode}: nothing reached the host's sign`);
      await poll(hosts, (p) => p.length === 0, 10_000, "the kept host (and its login) to end");

      // The token is back: the next signature asks for the PIN again (no kept session).
      relay.setListing(null);
      windowOpens = env.nextPinWindow();
      pending = pageRequest(page, "sign", signArgs());
      const again = await windowOpens;
      const shown = await windowShows(again);
      assert.equal(shown.pinField, true, `${mode}: a PIN window, not a confirmation`);
      assert.equal(shown.confirmText, false);
      await clickClosing(again, "#cancel");
      assert.equal((await pending).error?.code, "USER_CANCELLED");
    }
    // Every sign that reached the host came with a PIN typed in a window.
    const signs = relay.entries().filter((e) => e.cmd === "sign");
    assert.equal(signs.length, 2);
    assert.ok(signs.every((e) => e.pin === true), JSON.stringify(signs));
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});

test("keyjacking: typing, Enter and a click sent as the window opens neither fill the PIN nor confirm; OK is never focused; after the delay a real click works", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const listed = await pageRequest(page, "list_certificates");
    const cert = listed.result.tokens[0].certificates[0];
    const signArgs = () => ({ token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: challenge() });
    const focused = (/** @type {import("playwright-core").Page} */ win) => win.evaluate(() => document.activeElement?.id ?? null);

    // 1. The PIN window: the user is typing (for the page) when it opens.
    let windowOpens = env.nextPinWindow();
    let pending = pageRequest(page, "sign", signArgs());
    let win = await windowOpens;
    await win.waitForSelector("#form:not([hidden])");
    const okBox = await win.locator("#ok").boundingBox();
    assert.ok(okBox);
    await assertSurvives(win, async () => {
      await win.keyboard.type(PIN);
      await win.keyboard.press("Enter");
      await win.mouse.click(okBox.x + okBox.width / 2, okBox.y + okBox.height / 2);
    });
    assert.equal(await win.inputValue("#pin"), "", "keys typed as the window opened did not reach the PIN field");
    assert.notEqual(await focused(win), "ok");
    assert.equal(await stillPending(pending, 300), true, "nothing was submitted");
    // After the delay: the PIN field (never OK) has focus, and the window works.
    await win.waitForSelector('body[data-armed="true"]', { timeout: 10_000 });
    assert.equal(await focused(win), "pin");
    await win.keyboard.type(PIN);
    await clickClosing(win, "#ok");
    const signed = await pending;
    assert.equal(signed.ok, true, JSON.stringify(signed));

    // 2. The confirmation (kept logged-in connection): Enter and a click at once do nothing.
    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "sign", signArgs());
    win = await windowOpens;
    assert.equal((await windowShows(win)).pinField, false);
    const box = await win.locator("#ok").boundingBox();
    assert.ok(box);
    await assertSurvives(win, async () => {
      await win.keyboard.press("Enter");
      await win.keyboard.press(" ");
      await win.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    });
    assert.notEqual(await focused(win), "ok", "OK is not focused");
    assert.equal(await stillPending(pending, 300), true, "Enter / a click as the window opened did not confirm");
    await win.waitForSelector('body[data-armed="true"]', { timeout: 10_000 });
    assert.notEqual(await focused(win), "ok", "OK is not focused after the delay either");
    await win.keyboard.press("Enter"); // nothing focused: Enter does nothing
    assert.equal(await stillPending(pending, 300), true);
    // Losing focus makes the window deaf again; regaining it starts the wait anew.
    await win.evaluate(() => window.dispatchEvent(new Event("blur")));
    assert.equal(await win.getAttribute("body", "data-armed"), "false");
    assert.equal(await win.isDisabled("#ok"), true);
    const refocused = Date.now();
    await win.evaluate(() => window.dispatchEvent(new Event("focus")));
    await win.waitForSelector('body[data-armed="true"]', { timeout: 10_000 });
    assert.ok(Date.now() - refocused >= 500, `armed again ${Date.now() - refocused} ms after focus`);
    await clickClosing(win, "#ok"); // a real click, after the delay
    const confirmed = await pending;
    assert.equal(confirmed.ok, true, JSON.stringify(confirmed));
    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});

test("install_certificate: the window names the certificate and key retire deletes; an unknown retire is refused before anything reaches the host", async () => {
  const env = await setup({ register: false });
  try {
    const relay = writeRelayHost(env.dir, "relay");
    env.registerHost(relay.path);
    const page = await env.openPage();
    const listed = await pageRequest(page, "list_certificates");
    assert.equal(listed.ok, true, JSON.stringify(listed));
    const old = listed.result.tokens[0].certificates[0];
    const token = env.token.serial;

    let windowOpens = env.nextPinWindow();
    let pending = pageRequest(page, "generate_csr", { token, cert_sha256: old.sha256, algorithm: "ec-p256", challenge: challenge() });
    await enterPin(await windowOpens);
    const generated = await pending;
    assert.equal(generated.ok, true, JSON.stringify(generated));
    const keyId = generated.result.key_id;
    const certDer = issueCertificate(env.token, Buffer.from(generated.result.csr, "base64"));
    const before = listObjects(env.token, { login: true });

    // An unknown retire hash: CERT_NOT_FOUND, no window, no install_certificate sent, the token as it was.
    const windows = countWindows(env);
    const unknown = "00".repeat(32);
    const refused = await answerWithoutWindow(env, pageRequest(page, "install_certificate", { token, key_id: keyId, certificate: certDer.toString("base64"), retire: unknown, challenge: challenge() }));
    assert.equal(refused.ok, false, JSON.stringify(refused));
    assert.equal(refused.error.code, "CERT_NOT_FOUND", JSON.stringify(refused));
    assert.equal(refused.error.details?.retire, unknown);
    assert.equal(windows.opened, 0);
    assert.ok(!relay.forwarded().includes("install_certificate"), JSON.stringify(relay.forwarded()));
    assert.deepEqual(listObjects(env.token, { login: true }), before, "nothing changed on the token");

    // The real retire: the window says which certificate and key go, in words.
    windowOpens = env.nextPinWindow();
    pending = pageRequest(page, "install_certificate", { token, key_id: keyId, certificate: certDer.toString("base64"), retire: old.sha256, challenge: challenge() });
    const win = await windowOpens;
    const shown = await windowShows(win);
    assert.ok(shown.retire, "the window has the certificate to be removed");
    assert.ok(localeTexts("retireTitle").includes(String(shown.retire.title)), String(shown.retire.title));
    assert.equal(shown.retire.cn, "张三");
    assert.equal(shown.retire.o, "测试医药有限公司");
    assert.equal(shown.retire.serial, old.serial);
    assert.equal(shown.retire.issuer, old.issuer);
    const day = (/** @type {string} */ t) => t.slice(0, 10);
    assert.ok(String(shown.retire.validity).includes(day(old.not_before)) && String(shown.retire.validity).includes(day(old.not_after)), String(shown.retire.validity));
    assert.ok(localeTexts("retireKeyDeleted").map((m) => m.replace("$ID$", "01")).includes(String(shown.retire.key)), String(shown.retire.key));
    assert.ok(!relay.forwarded().includes("install_certificate"), "nothing is written before the user answers");
    await enterPin(win);
    const installed = await pending;
    assert.equal(installed.ok, true, JSON.stringify(installed));
    assert.equal(installed.result.retired, true);
    assert.equal(installed.result.certificate.sha256, sha256hex(certDer));
    const objects = listObjects(env.token, { login: true });
    assert.deepEqual(objects.filter((o) => o.id === "01"), [], "the named certificate and its key are gone");
    assert.equal(objects.filter((o) => o.id === keyId).length, 3);

    await assertNoPinSeen(page);
  } finally {
    await env.close();
  }
});
