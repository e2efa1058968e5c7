// @ts-check
/**
 * The extension in a real Chromium, with the real host and a SoftHSM token.
 * One browser, server, token and temp dir per test.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";

import { PIN, clickClosing, opensslVerify, pageRequest, setup } from "./harness.js";

/** @param {any} env */
async function assertNoPinSeen(env, page) {
  const messages = /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).__messages));
  assert.ok(messages.length > 0, "the page recorded messages");
  for (const m of messages) assert.ok(!m.includes(PIN), `a page message contains the PIN: ${m}`);
}

test("ready is announced, hello and list_certificates go through the page protocol", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const version = await page.evaluate(() => /** @type {any} */ (window).certrenew.waitForReady());
    assert.equal(version, "0.1.0");
    const hello = await pageRequest(page, "hello");
    assert.equal(hello.ok, true, JSON.stringify(hello));
    assert.equal(hello.result.protocol, 1);
    assert.ok(hello.result.capabilities.includes("sign"));
    assert.ok(hello.result.modules.some((/** @type {any} */ m) => m.loaded && m.path.includes("softhsm")));

    const list = await pageRequest(page, "list_certificates");
    assert.equal(list.ok, true, JSON.stringify(list));
    const tokens = list.result.tokens;
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].token.serial, env.token.serial);
    assert.equal(tokens[0].token.label, env.token.label);
    const cert = tokens[0].certificates[0];
    assert.equal(cert.subject, "CN=张三,O=测试医药有限公司,C=CN");
    assert.equal(cert.sha256, createHash("sha256").update(env.token.certDer).digest("hex"));

    const messages = /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).__messages));
    const parsed = messages.map((m) => JSON.parse(m));
    assert.ok(parsed.some((m) => m.type === "ready" && m.extension_version === "0.1.0"));
    assert.ok(parsed.some((m) => m.type === "ack"));

    const unknown = await pageRequest(page, "format_token");
    assert.equal(unknown.ok, false);
    assert.equal(unknown.error.code, "UNKNOWN_COMMAND");
  } finally {
    await env.close();
  }
});

test("a page outside the CA origins gets no ack: EXTENSION_UNAVAILABLE (another host, and another port of the CA's own host)", async () => {
  const env = await setup();
  try {
    for (const origin of [env.server.outsideOrigin, env.server.otherPortOrigin]) {
      const page = await env.openPage(origin);
      const started = Date.now();
      const answer = await pageRequest(page, "hello");
      assert.equal(answer.ok, false, origin);
      assert.equal(answer.error.code, "EXTENSION_UNAVAILABLE", origin);
      assert.ok(Date.now() - started < 5000);
      const messages = /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).__messages));
      assert.ok(!messages.some((m) => m.includes('"ack"') || m.includes('"ready"')), `${origin}: ${messages.join("\n")}`);
    }
    // The CA's exact origin still works.
    const own = await env.openPage();
    const hello = await pageRequest(own, "hello");
    assert.equal(hello.ok, true, JSON.stringify(hello));
  } finally {
    await env.close();
  }
});

test("host not registered: HOST_UNAVAILABLE with the browser's text", async () => {
  const env = await setup({ register: false });
  try {
    const page = await env.openPage();
    const answer = await pageRequest(page, "hello");
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "HOST_UNAVAILABLE");
    assert.match(String(answer.error.details.browser), /native messaging host not found/i);
  } finally {
    await env.close();
  }
});

/** @param {any} env @param {any} page */
async function certOf(env, page) {
  const list = await pageRequest(page, "list_certificates");
  assert.equal(list.ok, true, JSON.stringify(list));
  return list.result.tokens[0].certificates[0];
}

test("sign: the PIN is typed in the extension's window; the signature verifies over the exact TBS; a follow-up only confirms", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const cert = await certOf(env, page);
    const challenge = randomBytes(32).toString("base64");
    const args = { token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge, pin: "999999" };
    const pinWindow = env.nextPinWindow();
    const pending = pageRequest(page, "sign", args);
    const win = await pinWindow;
    await win.waitForSelector("#form:not([hidden])");
    assert.equal(await win.textContent("#origin"), env.server.origin);
    assert.equal(await win.textContent("#subject"), "CN=张三,O=测试医药有限公司,C=CN");
    assert.equal(await win.textContent("#token"), env.token.label);
    assert.ok((await win.textContent("#operation"))?.length);
    await win.fill("#pin", PIN);
    await clickClosing(win, "#ok");
    const answer = await pending;
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.result.algorithm, "ecdsa-p256-sha256");
    const tbs = Buffer.from(`certrenew-v1\nlogin\n${env.server.origin}\n${challenge}\n\n`, "utf8");
    assert.ok(opensslVerify(env.dir, env.token.pubPem, tbs, Buffer.from(answer.result.signature, "base64")), "openssl verifies the signature");
    assert.ok(!opensslVerify(env.dir, env.token.pubPem, Buffer.from(`certrenew-v1\nlogin\nhttps://evil.example\n${challenge}\n\n`), Buffer.from(answer.result.signature, "base64")));

    // Within 120 s, same origin and token: a confirmation window without a PIN field.
    const confirmWindow = env.nextPinWindow();
    const second = pageRequest(page, "sign", { ...args, challenge: randomBytes(32).toString("base64") });
    const win2 = await confirmWindow;
    await win2.waitForSelector("#form:not([hidden])");
    assert.equal(await win2.isVisible("#pin"), false);
    await clickClosing(win2, "#ok");
    const answer2 = await second;
    assert.equal(answer2.ok, true, JSON.stringify(answer2));

    await assertNoPinSeen(env, page);
  } finally {
    await env.close();
  }
});

test("cancel in the PIN window: USER_CANCELLED; closing the window too", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const cert = await certOf(env, page);
    const args = { token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: randomBytes(32).toString("base64") };
    let pinWindow = env.nextPinWindow();
    let pending = pageRequest(page, "sign", args);
    let win = await pinWindow;
    await win.waitForSelector("#form:not([hidden])");
    await clickClosing(win, "#cancel");
    let answer = await pending;
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "USER_CANCELLED");

    pinWindow = env.nextPinWindow();
    pending = pageRequest(page, "sign", args);
    win = await pinWindow;
    await win.waitForSelector("#form:not([hidden])");
    await win.close();
    answer = await pending;
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "USER_CANCELLED");
  } finally {
    await env.close();
  }
});

test("wrong PIN: PIN_INCORRECT, then the right PIN works; a second request meanwhile: REQUEST_PENDING", async () => {
  const env = await setup();
  try {
    const page = await env.openPage();
    const cert = await certOf(env, page);
    const args = { token: env.token.serial, cert_sha256: cert.sha256, purpose: "login", challenge: randomBytes(32).toString("base64") };
    let pinWindow = env.nextPinWindow();
    let pending = pageRequest(page, "sign", args);
    let win = await pinWindow;
    await win.waitForSelector("#form:not([hidden])");
    const concurrent = await pageRequest(page, "sign", args);
    assert.equal(concurrent.ok, false);
    assert.equal(concurrent.error.code, "REQUEST_PENDING");
    await win.fill("#pin", "000000");
    await clickClosing(win, "#ok");
    let answer = await pending;
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "PIN_INCORRECT", JSON.stringify(answer));

    pinWindow = env.nextPinWindow();
    pending = pageRequest(page, "sign", args);
    win = await pinWindow;
    await win.waitForSelector("#form:not([hidden])");
    await win.fill("#pin", PIN);
    await clickClosing(win, "#ok");
    answer = await pending;
    assert.equal(answer.ok, true, JSON.stringify(answer));
    await assertNoPinSeen(env, page);
  } finally {
    await env.close();
  }
});
