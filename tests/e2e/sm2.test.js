// @ts-check
/**
 * The whole renewal of an SM2 (国密) dual token through the app, exactly as the RSA/EC
 * one of dual.test.js (issue 12): the server's SM2 CA (`ca init --algorithm sm2`), the
 * SM2 platform gd-sm2, the repository's test token (testtoken/, westone numbering) with
 * an SM2 signing and encryption pair from that CA (sm2-token.js). 我的证书 shows the pair
 * as one card saying 国密SM2 → sign in and apply → pay at the Alipay emulator's cashier → a
 * reviewer approves → install with the PIN in the extension's window. The witnesses:
 * pkcs11-tool lists the new SM2 signing pair, the new SM2 encryption key (sensitive, not
 * extractable, decrypts and never signs) and the kept old encryption pair; `openssl
 * verify` (with the distinguishing ID) and gmssl check both new certificates against
 * the SM2 CA the server publishes.
 *
 * Then, in the same browser, the PIN words on the second token of the same module,
 * whose PIN counts down for real (SoftHSM never does): a wrong PIN → the app says few
 * tries are left and the next PIN window warns; another → the app and the window say it
 * is the last try; the third locks it → the app says it is locked, no PIN window opens
 * any more, and 我的证书 says so on that token.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { enterPin, localeTexts, windowShows } from "../browser/harness.js";
import { privateKeyAccess, privateKeyLine } from "./dual-token.js";
import { approveAndInstall, fillApplication, payOnline, staffView, submitApplication, waitStatus } from "./flows.js";
import { SERVER_BIN, e2e, poll } from "./harness.js";
import { DISTID, SM2_PROJECT, makeSm2Token, sampleProjects, sm2ProjectsToml } from "./sm2-token.js";

/** The rsa-ec platform where the second token's EC certificate is offered renewal. */
const EC_PROJECT = "gd-med";
const WRONG_PIN = "000000";

const sha256 = (/** @type {Buffer} */ der) => createHash("sha256").update(der).digest("hex");

/** The one PIN window that opens next (none is open before). @param {import("./harness.js").System} sys */
async function nextPinWindow(sys) {
  const windows = await poll(() => sys.pinWindows(), (w) => w.length > 0, 15_000, "a PIN window");
  return windows[0];
}

/**
 * `openssl verify -vfyopt distid:…` of `der` against the CA certificates the server
 * publishes (GET /api/v1/ca, the SM2 CA among them).
 * @param {import("./harness.js").System} sys
 * @param {Buffer} der
 */
async function opensslVerifySm2(sys, der) {
  const caFile = join(sys.dir, "ca-published.pem");
  writeFileSync(caFile, await (await fetch(`${sys.origin}/api/v1/ca`)).text());
  const certFile = join(sys.dir, `verify-${sha256(der).slice(0, 8)}.pem`);
  writeFileSync(certFile, new X509Certificate(der).toString());
  const out = spawnSync("openssl", ["verify", "-vfyopt", `distid:${DISTID}`, "-CAfile", caFile, certFile], { encoding: "utf8" });
  return { ok: out.status === 0 && /: OK\s*$/.test(out.stdout), output: `${out.stdout}${out.stderr}` };
}

/**
 * DER: the element at `at` of `buf` as {tag, start (of its content), end}.
 * @param {Buffer} buf @param {number} at
 */
function element(buf, at) {
  const tag = buf[at];
  let len = buf[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  return { tag, start, end: start + len };
}

/** The children of the constructed element at `at`. @param {Buffer} buf @param {number} at */
function children(buf, at) {
  const { start, end } = element(buf, at);
  const out = [];
  for (let p = start; p < end; p = element(buf, p).end) out.push(p);
  return out;
}

/**
 * What gmssl is asked of a certificate: its TBS bytes, `r‖s` of its signature, and the
 * issuer's public key `x‖y` (hex).
 * @param {Buffer} der @param {Buffer} issuerDer
 */
function sm2Signature(der, issuerDer) {
  const [tbsAt, , sigAt] = children(der, 0);
  const tbs = der.subarray(tbsAt, element(der, tbsAt).end);
  const bits = element(der, sigAt);
  const sig = der.subarray(bits.start + 1, bits.end);
  const [r, s] = children(sig, 0).map((p) => {
    const v = element(sig, p);
    return sig.subarray(v.start, v.end).toString("hex").replace(/^(00)+/, "").padStart(64, "0");
  });
  // The issuer's subjectPublicKeyInfo is the 7th field of its TBS (with the [0] version).
  const issuerTbs = children(issuerDer, 0)[0];
  const spki = children(issuerDer, issuerTbs)[6];
  const key = element(issuerDer, children(issuerDer, spki)[1]);
  const point = issuerDer.subarray(key.end - 64, key.end);
  return { public: point.toString("hex"), message: tbs.toString("hex"), signature: r + s };
}

/**
 * gmssl 3.2.2 (pure Python, independent of OpenSSL and RustCrypto; scripts/lib/deps.sh
 * deps_gmssl, as server/tests/sm2_ca.rs) checks each certificate's SM3withSM2 signature
 * by the SM2 CA's key with the default distinguishing ID. null: not installed here
 * (outside CI).
 * @param {Buffer[]} certs @param {Buffer} caDer
 */
function gmsslVerifies(certs, caDer) {
  const python = "/opt/gmssl/bin/python";
  if (!existsSync(python)) {
    if (process.env.CI) throw new Error("gmssl is not installed in /opt/gmssl (scripts/lib/deps.sh deps_gmssl)");
    return null;
  }
  const script = `
import json, sys
from gmssl import sm2
out = []
for s in json.load(sys.stdin):
    c = sm2.CryptSM2(private_key=None, public_key="")
    c.public_key = s["public"]
    out.append(bool(c.verify_with_sm3(s["signature"], bytes.fromhex(s["message"]))))
print(json.dumps(out))
`;
  const out = spawnSync(python, ["-c", script], { input: JSON.stringify(certs.map((c) => sm2Signature(c, caDer))), encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}

e2e(
  "sm2: an SM2 dual token renewed through the browser; a wrong PIN counts down to the final try and the lock",
  {
    timeout: 300_000,
    config: async () => sm2ProjectsToml(await sampleProjects(SERVER_BIN)),
    beforeServe: (cli) => cli(["ca", "init", "--algorithm", "sm2", "--name", "certrenew SM2 E2E CA"]),
    makeToken: (dir, { cli, days }) => makeSm2Token(dir, { cli, days }),
  },
  async (sys) => {
    const token = /** @type {import("./sm2-token.js").Sm2Token} */ (/** @type {unknown} */ (sys.token));
    const old = token.encryption;

    // 我的证书: one card for the SM2 pair, saying 国密SM2.
    const page = await sys.open("/");
    await page.locator("#project").selectOption(SM2_PROJECT, { timeout: 30_000 });
    const pairCard = page.locator(`.cert-card[data-sha256="${token.sha256}"][data-pair="true"][data-encryption-sha256="${old.sha256}"][data-status="eligible"]`);
    await pairCard.waitFor({ timeout: 30_000 });
    assert.equal((await pairCard.locator('dd.algorithm[data-algorithm="sm2"]').textContent())?.trim(), "国密SM2", "the card says 国密SM2");
    await sys.shot(page, "certificates-sm2-pair-before");

    // Sign in and apply: every PIN window says 国密SM2.
    await pairCard.locator(".renew").click();
    await page.waitForURL(/\/apply/, { timeout: 15_000 });
    await page.locator("#sign-in").waitFor({ timeout: 30_000 });
    await page.click("#sign-in");
    const signIn = await nextPinWindow(sys);
    await signIn.waitForSelector("#form:not([hidden])");
    // (In the browser's language: 国密SM2, or English in the test's Chromium.)
    assert.ok(localeTexts("algorithmSm2").includes((await signIn.textContent("#algorithm"))?.trim() ?? ""), "the PIN window says 国密SM2");
    await sys.shot(signIn, "pin-window-sm2");
    await enterPin(signIn);
    await page.locator("#agreement-accept").waitFor({ timeout: 30_000 });
    await fillApplication(sys, page);
    const no = await submitApplication(sys, page);
    await waitStatus(page, "awaiting_payment");
    let view = await staffView(sys, no);
    assert.equal(view.renewal.project, SM2_PROJECT);
    assert.equal(view.renewal.kind, "dual");
    assert.equal(view.renewal.encryption?.old_sha256, old.sha256, "the application carried the old encryption certificate");

    await payOnline(sys, page);
    await waitStatus(page, "in_review");
    await approveAndInstall(sys, page, no);
    await page.locator(`#pair-summary[data-state="done"] ul.pair-kept li[data-sha256="${old.sha256}"]`).waitFor({ timeout: 15_000 });
    await sys.shot(page, "sm2-pair-done");

    // The server: completed, both new certificates issued, the signing one confirmed.
    view = await staffView(sys, no);
    assert.equal(view.renewal.status, "completed");
    assert.equal(view.renewal.certificate.status, "confirmed");
    const newSigningSha = view.renewal.certificate.sha256;
    const newEncSha = view.renewal.encryption?.sha256;
    assert.ok(newEncSha && newEncSha !== old.sha256, JSON.stringify(view.renewal.encryption));

    // pkcs11-tool on the test token: the new signing pair, the new encryption key, the
    // kept old encryption pair; the old signing pair is gone.
    const objects = sys.tokenObjects();
    const certIds = objects.filter((o) => o.kind === "Certificate").map((o) => String(o.id));
    assert.equal(certIds.length, 3, JSON.stringify(objects));
    assert.deepEqual(objects.filter((o) => o.id === token.keyId), [], "the old signing certificate and its keys are gone");
    const byId = new Map(certIds.map((id) => [id, sys.tokenCertificate(id)]));
    const idOf = (/** @type {string} */ sha) => [...byId].find(([, der]) => sha256(der) === sha)?.[0];
    const signingId = idOf(newSigningSha);
    const encId = idOf(newEncSha);
    assert.ok(signingId && encId, `the token holds both new certificates: ${JSON.stringify(objects)}`);
    assert.equal(idOf(old.sha256), old.id, "the old encryption certificate is kept under its id");
    const kinds = (/** @type {string} */ id) => objects.filter((o) => o.id === id).map((o) => o.kind).sort();
    assert.deepEqual(kinds(signingId), ["Certificate", "Private Key", "Public Key"], "the new signing pair");
    assert.ok(kinds(encId).includes("Private Key"), `the new encryption key: ${JSON.stringify(kinds(encId))}`);
    assert.deepEqual(kinds(old.id), ["Certificate", "Private Key", "Public Key"], "the old encryption pair is kept");
    const access = privateKeyAccess(token, encId);
    assert.match(access, /\bsensitive\b/, access);
    assert.doesNotMatch(access, /(^|, )extractable/, `the new encryption key is not extractable: ${access}`);
    const usage = privateKeyLine(token, encId, "Usage");
    assert.match(usage, /\bdecrypt\b/, `the new encryption key decrypts: ${usage}`);
    assert.doesNotMatch(usage, /\bsign\b/, `the new encryption key never signs: ${usage}`);

    // openssl and gmssl: both new certificates are SM2, signed SM3withSM2 by the SM2 CA.
    const newSigning = new X509Certificate(/** @type {Buffer} */ (byId.get(signingId)));
    const newEnc = new X509Certificate(/** @type {Buffer} */ (byId.get(encId)));
    for (const der of [newSigning.raw, newEnc.raw]) {
      const verified = await opensslVerifySm2(sys, der);
      assert.ok(verified.ok, verified.output);
      const text = spawnSync("openssl", ["x509", "-inform", "DER", "-noout", "-text"], { input: der, encoding: "utf8" }).stdout;
      assert.match(text, /Signature Algorithm: SM2-with-SM3/, text);
      assert.match(text, /ASN1 OID: SM2/, text);
    }
    const published = (await (await fetch(`${sys.origin}/api/v1/ca`)).text()).split(/(?=-----BEGIN CERTIFICATE-----)/).map((p) => new X509Certificate(p));
    const sm2Ca = published.find((c) => c.subject === newSigning.issuer);
    assert.ok(sm2Ca, `GET /api/v1/ca publishes the SM2 CA (${newSigning.issuer})`);
    const gmssl = gmsslVerifies([newSigning.raw, newEnc.raw], sm2Ca.raw);
    if (gmssl !== null) assert.deepEqual(gmssl, [true, true], "gmssl verifies both certificates by the SM2 CA");
    assert.equal(newEnc.subject, newSigning.subject, "the pair shares its subject");
    assert.equal(newEnc.subject, new X509Certificate(old.certPem).subject, "the subject carries over");

    // 我的证书 after: the renewed pair is one card saying 国密SM2, the old encryption
    // certificate history.
    await page.goto(`${sys.origin}/`);
    await page.locator("#project").selectOption(SM2_PROJECT, { timeout: 30_000 });
    const renewed = page.locator(`.cert-card[data-sha256="${newSigningSha}"][data-pair="true"][data-encryption-sha256="${newEncSha}"]`);
    await renewed.waitFor({ timeout: 30_000 });
    assert.equal((await renewed.locator('dd.algorithm[data-algorithm="sm2"]').textContent())?.trim(), "国密SM2");
    await page.locator(`.history-list .cert-card.history[data-sha256="${old.sha256}"]`).waitFor({ timeout: 10_000 });
    await sys.shot(page, "certificates-sm2-pair-after");

    // The PIN words, on the second token (its PIN counts down for real).
    await page.locator("#project").selectOption(EC_PROJECT);
    const second = page.locator(`.cert-card[data-sha256="${token.second.sha256}"][data-status="eligible"]`);
    await second.waitFor({ timeout: 30_000 });
    await second.locator(".renew").click();
    await page.waitForURL(/\/apply/, { timeout: 15_000 });
    await page.locator("#sign-in").waitFor({ timeout: 30_000 });
    const [warnCountLow, warnFinalTry] = [localeTexts("warnCountLow"), localeTexts("warnFinalTry")];
    /** What the app says after each wrong PIN, and the window's warning before it. */
    const steps = [
      { window: null, code: "PIN_INCORRECT", says: /剩余尝试次数不多/ },
      { window: warnCountLow, code: "PIN_INCORRECT", says: /最后一次机会/ },
      { window: warnFinalTry, code: "PIN_LOCKED", says: /已锁定/ },
    ];
    for (const [i, step] of steps.entries()) {
      await page.click("#sign-in");
      const win = await nextPinWindow(sys);
      const shows = await windowShows(win);
      if (step.window === null) assert.equal(shows.warning, null, "no warning before the first wrong PIN");
      else assert.ok(step.window.includes(shows.warning ?? ""), `try ${i + 1}: the window warns: ${shows.warning}`);
      await sys.shot(win, `pin-window-try-${i + 1}`);
      await enterPin(win, WRONG_PIN);
      const notice = page.locator(`.notice.error[data-code="${step.code}"]`);
      await notice.waitFor({ timeout: 15_000 });
      assert.match((await notice.textContent()) ?? "", step.says, `try ${i + 1}: what the app says`);
      await sys.shot(page, `pin-wrong-${i + 1}`);
    }
    // Locked: no window opens (a PIN typed now could only be refused), the app says so.
    await page.click("#sign-in");
    await page.locator('.notice.error[data-code="PIN_LOCKED"]').waitFor({ timeout: 15_000 });
    assert.equal(sys.pinWindows().length, 0, "no PIN window for a locked token");
    await page.goto(`${sys.origin}/`);
    const locked = page.locator(`.token-group[data-token="${token.second.serial}"] .pin-warning[data-pin="pin_locked"]`);
    await locked.waitFor({ timeout: 30_000 });
    assert.match((await locked.textContent()) ?? "", /已锁定/);
    // The renewed token is not affected.
    assert.equal(await page.locator(`.token-group[data-token="${token.serial}"] .pin-warning`).count(), 0);
    await sys.shot(page, "certificates-pin-locked");
  },
);
