// @ts-check
/**
 * A SoftHSM token whose certificate comes from certrenew-server's own CA: the EC P-256
 * key pair is generated ON the token (pkcs11-tool), the PKCS#10 request is assembled
 * here and signed by the token (raw ECDSA over its SHA-256, since SoftHSM 2.6 has no
 * ECDSA-SHA256 mechanism), and `certrenew-server ca issue` issues it. openssl checks
 * the request before it is sent. Used by the e2e harness and by scripts/run-dev.sh
 * (`node tests/e2e/token.js DIR SERVER_BIN [DAYS]`, the server's environment inherited).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const MODULE = "/usr/lib/softhsm/libsofthsm2.so";
export const PIN = "123456";
export const SO_PIN = "12345678";
export const HOLDER = "张三";
export const ORGANIZATION = "测试医药有限公司";
/** The subject as RFC 4514 prints it (the host and the server show it this way). */
export const SUBJECT = `CN=${HOLDER},O=${ORGANIZATION},C=CN`;

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function run(cmd, args, env = {}) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

// --- just enough DER for a PKCS#10 request ------------------------------------------

/** @param {number} n */
function length(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** @param {number} tag @param {Buffer[]} parts */
function tlv(tag, ...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** @param {string} dotted */
function oid(dotted) {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A positive INTEGER from big-endian bytes. @param {Buffer} bytes */
function unsigned(bytes) {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

const SEQ = 0x30;
const SET = 0x31;

/** C (PrintableString), O and CN (UTF8String), in that order: RFC 4514 prints CN first. */
function subjectName() {
  const rdn = (/** @type {string} */ type, /** @type {number} */ tag, /** @type {string} */ value) => tlv(SET, tlv(SEQ, oid(type), tlv(tag, Buffer.from(value, "utf8"))));
  return tlv(SEQ, rdn("2.5.4.6", 0x13, "CN"), rdn("2.5.4.10", 0x0c, ORGANIZATION), rdn("2.5.4.3", 0x0c, HOLDER));
}

/**
 * Makes the token in `dir` (replacing what this function made there before) and returns
 * what tests need. `issue(csrPath, notAfterRfc3339)` returns the certificate as PEM.
 * @param {string} dir
 * @param {{issue: (csrPath: string, notAfter: string) => string, days?: number, label?: string}} options
 */
export function makeToken(dir, options) {
  const label = options.label ?? "certrenew e2e";
  rmSync(join(dir, "tokens"), { recursive: true, force: true });
  mkdirSync(join(dir, "tokens"), { recursive: true });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { SOFTHSM2_CONF: conf };
  run("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN], env);
  const tool = (/** @type {string[]} */ args) => run("pkcs11-tool", ["--module", MODULE, "--token-label", label, ...args], env);
  tool(["--login", "--pin", PIN, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "01", "--label", HOLDER]);
  const spki = join(dir, "pub.der");
  tool(["--read-object", "--type", "pubkey", "--id", "01", "--output-file", spki]);

  // The request: CertificationRequestInfo signed by the token's key.
  const info = tlv(SEQ, Buffer.from([0x02, 0x01, 0x00]), subjectName(), readFileSync(spki), Buffer.from([0xa0, 0x00]));
  const digest = join(dir, "csr-info.sha256");
  writeFileSync(digest, createHash("sha256").update(info).digest());
  const rawSig = join(dir, "csr-info.sig");
  tool(["--login", "--pin", PIN, "--sign", "--mechanism", "ECDSA", "--id", "01", "--input-file", digest, "--output-file", rawSig]);
  const rs = readFileSync(rawSig);
  if (rs.length !== 64) throw new Error(`pkcs11-tool gave a ${rs.length}-byte ECDSA signature, expected r||s of 64`);
  const signature = tlv(SEQ, unsigned(rs.subarray(0, 32)), unsigned(rs.subarray(32)));
  const csr = tlv(SEQ, info, tlv(SEQ, oid("1.2.840.10045.4.3.2")), tlv(0x03, Buffer.from([0]), signature));
  const csrPath = join(dir, "token.csr");
  writeFileSync(csrPath, csr);
  // OpenSSL 3.0's `req -verify` exits 0 even on a bad signature: read what it says.
  const check = spawnSync("openssl", ["req", "-inform", "DER", "-in", csrPath, "-verify", "-noout"], { encoding: "utf8" });
  const said = `${check.stdout}${check.stderr}`;
  if (check.status !== 0 || !/verify OK/.test(said) || /fail/i.test(said)) throw new Error(`openssl rejects the token's request: ${said}`);

  const notAfter = new Date(Date.now() + (options.days ?? 30) * 86_400_000);
  notAfter.setUTCMilliseconds(0);
  const pem = options.issue(csrPath, notAfter.toISOString().replace(".000Z", "Z"));
  const cert = new X509Certificate(pem);
  const certDer = cert.raw;
  writeFileSync(join(dir, "cert.der"), certDer);
  writeFileSync(join(dir, "cert.pem"), pem);
  tool(["--login", "--pin", PIN, "--write-object", join(dir, "cert.der"), "--type", "cert", "--id", "01", "--label", HOLDER]);
  return { dir, conf, label, certDer, certPem: pem, sha256: createHash("sha256").update(certDer).digest("hex"), notAfter: new Date(cert.validTo) };
}

/**
 * `ca issue`'s notBefore for a certificate ending at `notAfter`: now (the default) for
 * one still valid; a year before `notAfter` for one already expired.
 * @param {string} notAfter RFC 3339
 */
export function validFrom(notAfter) {
  const end = Date.parse(notAfter);
  if (end > Date.now()) return [];
  return ["--not-before", new Date(end - 365 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z")];
}

/** @typedef {ReturnType<typeof makeToken>} Token */

// `node tests/e2e/token.js DIR SERVER_BIN [DAYS]`: the token for scripts/run-dev.sh.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, server, days] = process.argv.slice(2);
  if (!dir || !server) {
    console.error("usage: node tests/e2e/token.js DIR SERVER_BIN [DAYS]  (with the server's environment)");
    process.exit(2);
  }
  const token = makeToken(resolve(dir), {
    label: "certrenew dev",
    days: days ? Number(days) : 30,
    issue: (csrPath, notAfter) => run(server, ["ca", "issue", "--csr", csrPath, "--not-after", notAfter, ...validFrom(notAfter)]).toString(),
  });
  console.log(`token "${token.label}" in ${token.dir}: ${SUBJECT}, expires ${token.notAfter.toISOString()}, PIN ${PIN}`);
}

// The DER pieces above, for tokens with more than one key pair (dual-token.js).
export { SEQ, oid, subjectName, tlv };
