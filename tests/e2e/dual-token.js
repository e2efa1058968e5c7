// @ts-check
/**
 * A dual token: to the token of token.js (an EC P-256 signing key and its certificate,
 * id 01) it adds the encryption half of the pair, an RSA-2048 key pair generated ON the
 * token (id 02) and an encryption certificate for it from certrenew-server's own CA
 * (`ca issue --encryption`: keyEncipherment + dataEncipherment, the subject byte for byte
 * the signing certificate's). The request is assembled here and signed by the token
 * (SHA256-RSA-PKCS); openssl checks it before it is sent. The old encryption key is the
 * token's own, not escrowed: it stands for the pair a customer already holds.
 *
 * Also the witnesses of a dual renewal: RSA encryption with openssl to a certificate
 * and decryption on the token with pkcs11-tool.
 *
 * Used by e2e/dual.test.js and by scripts/run-dev.sh --dual
 * (`node tests/e2e/dual-token.js DIR SERVER_BIN PROJECT`, after token.js made DIR).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { HOLDER, MODULE, PIN, SEQ, oid, subjectName, tlv, validFrom } from "./token.js";

/** The encryption key pair's CKA_ID on a freshly made dual token. */
export const ENCRYPTION_ID = "02";

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function run(cmd, args, env = {}) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * pkcs11-tool on `token`, logged in (a token of another module names it: `module`,
 * `env`, as sm2-token.js's).
 * @param {{conf: string, label: string, module?: string, env?: Record<string, string>}} token
 * @param {string[]} args
 */
export function tokenTool(token, args) {
  return run("pkcs11-tool", ["--module", token.module ?? MODULE, "--token-label", token.label, "--login", "--pin", PIN, ...args], token.env ?? { SOFTHSM2_CONF: token.conf });
}

/**
 * Adds the encryption key pair and certificate to the token in `token.dir`.
 * `issue(csrPath, notAfter)` returns the certificate as PEM; notAfter is the signing
 * certificate's (a pair is issued together).
 * @param {{dir: string, conf: string, label: string, notAfter: Date}} token
 * @param {{issue: (csrPath: string, notAfter: string) => string}} options
 */
export function addEncryptionPair(token, options) {
  const id = ENCRYPTION_ID;
  const label = `${HOLDER} 加密`;
  tokenTool(token, ["--keypairgen", "--key-type", "rsa:2048", "--id", id, "--label", label]);
  const spki = join(token.dir, "enc-pub.der");
  tokenTool(token, ["--read-object", "--type", "pubkey", "--id", id, "--output-file", spki]);

  const info = tlv(SEQ, Buffer.from([0x02, 0x01, 0x00]), subjectName(), readFileSync(spki), Buffer.from([0xa0, 0x00]));
  const infoPath = join(token.dir, "enc-csr-info.der");
  writeFileSync(infoPath, info);
  const sigPath = join(token.dir, "enc-csr-info.sig");
  tokenTool(token, ["--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", id, "--input-file", infoPath, "--output-file", sigPath]);
  const sha256WithRsa = tlv(SEQ, oid("1.2.840.113549.1.1.11"), Buffer.from([0x05, 0x00]));
  const csr = tlv(SEQ, info, sha256WithRsa, tlv(0x03, Buffer.from([0]), readFileSync(sigPath)));
  const csrPath = join(token.dir, "enc.csr");
  writeFileSync(csrPath, csr);
  const check = spawnSync("openssl", ["req", "-inform", "DER", "-in", csrPath, "-verify", "-noout"], { encoding: "utf8" });
  const said = `${check.stdout}${check.stderr}`;
  if (check.status !== 0 || !/verify OK/.test(said) || /fail/i.test(said)) throw new Error(`openssl rejects the encryption key's request: ${said}`);

  const pem = options.issue(csrPath, token.notAfter.toISOString().replace(".000Z", "Z"));
  const cert = new X509Certificate(pem);
  writeFileSync(join(token.dir, "enc-cert.der"), cert.raw);
  writeFileSync(join(token.dir, "enc-cert.pem"), pem);
  tokenTool(token, ["--write-object", join(token.dir, "enc-cert.der"), "--type", "cert", "--id", id, "--label", label]);
  return { id, certDer: cert.raw, certPem: pem, sha256: createHash("sha256").update(cert.raw).digest("hex"), notAfter: new Date(cert.validTo) };
}

/**
 * `message` encrypted with openssl to the RSA key of the certificate `certPem`
 * (PKCS#1 v1.5, `openssl pkeyutl -encrypt -certin`).
 * @param {string} dir
 * @param {string} certPem
 * @param {Buffer} message
 */
export function encryptTo(dir, certPem, message) {
  const stem = join(dir, `enc-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(`${stem}.pem`, certPem);
  writeFileSync(`${stem}.msg`, message);
  run("openssl", ["pkeyutl", "-encrypt", "-certin", "-inkey", `${stem}.pem`, "-in", `${stem}.msg`, "-out", `${stem}.ct`]);
  return readFileSync(`${stem}.ct`);
}

/**
 * `ciphertext` decrypted on the token by the private key with `id` (pkcs11-tool,
 * RSA-PKCS): the key never leaves the token.
 * @param {{dir: string, conf: string, label: string}} token
 * @param {string} id
 * @param {Buffer} ciphertext
 */
export function decryptOnToken(token, id, ciphertext) {
  const stem = join(token.dir, `dec-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(`${stem}.ct`, ciphertext);
  tokenTool(token, ["--decrypt", "--mechanism", "RSA-PKCS", "--id", id, "--input-file", `${stem}.ct`, "--output-file", `${stem}.out`]);
  return readFileSync(`${stem}.out`);
}

/**
 * What pkcs11-tool says of the private key with `id`: its `Access:` line.
 * @param {{conf: string, label: string, module?: string, env?: Record<string, string>}} token
 * @param {string} id
 */
export function privateKeyAccess(token, id) {
  return privateKeyLine(token, id, "Access");
}

/**
 * The `field` line (`Access`, `Usage`) pkcs11-tool shows for the private key with `id`
 * (pkcs11-tool 0.23 lists every private key whatever `--id` says: the key's own block).
 * @param {{conf: string, label: string, module?: string, env?: Record<string, string>}} token
 * @param {string} id
 * @param {string} field
 */
export function privateKeyLine(token, id, field) {
  const out = tokenTool(token, ["--list-objects", "--type", "privkey"]).toString();
  const block = out.split(/^(?=Private Key Object)/m).find((b) => new RegExp(`^\\s+ID:\\s*${id}\\s*$`, "im").test(b)) ?? "";
  return new RegExp(`^\\s+${field}:\\s*(.*)$`, "m").exec(block)?.[1] ?? "";
}

// `node tests/e2e/dual-token.js DIR SERVER_BIN PROJECT`: the encryption half of the token
// scripts/run-dev.sh --dual made with token.js in DIR (the server's environment inherited).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, server, project] = process.argv.slice(2);
  if (!dir || !server || !project) {
    console.error("usage: node tests/e2e/dual-token.js DIR SERVER_BIN PROJECT  (after tests/e2e/token.js DIR …, with the server's environment)");
    process.exit(2);
  }
  const abs = resolve(dir);
  const signing = new X509Certificate(readFileSync(join(abs, "cert.pem")));
  const token = { dir: abs, conf: join(abs, "softhsm2.conf"), label: process.env.CERTRENEW_TOKEN_LABEL ?? "certrenew dev", notAfter: new Date(signing.validTo) };
  const enc = addEncryptionPair(token, {
    issue: (csrPath, notAfter) => run(server, ["ca", "issue", "--csr", csrPath, "--not-after", notAfter, ...validFrom(notAfter), "--project", project, "--encryption"]).toString(),
  });
  console.log(`token "${token.label}": encryption certificate (RSA-2048, id ${enc.id}) for project ${project}, expires ${enc.notAfter.toISOString()}`);
}
