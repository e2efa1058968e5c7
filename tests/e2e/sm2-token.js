// @ts-check
/**
 * An SM2 dual token (国密, issue 12) on the repository's test token (testtoken/,
 * target/debug/libtesttoken.so, westone numbering), whose certificates come from
 * certrenew-server's SM2 CA. No tool here makes SM2 keys on a PKCS#11 token, so the host
 * itself does, as in a renewal: an EC P-256 key made with pkcs11-tool and a certificate
 * from the server's EC CA to start from; `generate_csr` with `algorithm: "sm2"` makes the
 * SM2 signing key on the token and its SM3withSM2 request, the SM2 CA issues it and
 * `install_certificate` puts it in place of the EC one; a second `generate_csr` makes
 * the SM2 key of the encryption certificate (`ca issue --encryption` on the SM2
 * platform). The encryption key is the token's own, standing for the pair a customer
 * already holds.
 *
 * A second token (slot 2 of the same module) holds an EC P-256 certificate only: the
 * end-to-end test locks its PIN through the browser while the first one renews.
 *
 * Used by e2e/sm2.test.js (through the harness's `makeToken` option) and by
 * scripts/run-dev.sh --sm2 (`node tests/e2e/sm2-token.js DIR SERVER_BIN PROJECT [DAYS]`,
 * with the server's environment, after `ca init --algorithm sm2`).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { EXTENSION_ID, HOST_BIN, REPO } from "../browser/harness.js";
import { HOLDER, PIN, SEQ, SO_PIN, oid, subjectName, tlv, validFrom } from "./token.js";

/** The test token's PKCS#11 module (`cargo build -p testtoken`). */
export const TESTTOKEN_MODULE = join(REPO, "target", "debug", "libtesttoken.so");
/** The vendor numbering the test token speaks; the host finds it by manufacturer id. */
export const SM2_PROFILE = "westone";
/** The SM2 platform of the dual renewal (a copy of gd-med-dual with `algorithm = "sm2"`). */
export const SM2_PROJECT = "gd-sm2";
/** The SM2 cipher mechanism of the westone numbering (CKM_VENDOR_DEFINED + 2). */
export const SM2_CIPHER = "0x80000002";
/** The distinguishing ID of SM3withSM2 signatures (GM/T 0009's default). */
export const DISTID = "1234567812345678";

/**
 * The server's configuration file for an SM2 system: the sample platforms as the
 * server serves them, plus `gd-sm2`, gd-med-dual with `algorithm = "sm2"`.
 * `projects` is `GET /api/v1/projects`'s list (every field but the webhook's is served).
 * @param {any[]} projects
 */
export function sm2ProjectsToml(projects) {
  const dual = projects.find((p) => p.id === "gd-med-dual");
  if (!dual) throw new Error("the server has no gd-med-dual platform to copy");
  const all = [...projects.filter((p) => p.id !== SM2_PROJECT), { ...dual, id: SM2_PROJECT, name_zh: "广东医药采购平台（国密SM2）", name_en: "Guangdong Medical Procurement (SM2)", algorithm: "sm2" }];
  return all.map((p) => `[[projects]]\n${Object.entries(p).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k} = ${tomlValue(v)}`).join("\n")}\n`).join("\n");
}

/**
 * The server's sample platforms as it serves them (`GET /api/v1/projects`), from a
 * throwaway `serverBin serve` on a free port with a data folder of its own: they live
 * only in the server's code, and the SM2 system's configuration must list them too.
 * @param {string} serverBin
 */
export async function sampleProjects(serverBin) {
  const port = await new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const p = /** @type {import("node:net").AddressInfo} */ (s.address()).port;
      s.close(() => ok(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "certrenew-samples-"));
  const env = { ...process.env, CERTRENEW_LISTEN: `127.0.0.1:${port}`, CERTRENEW_DATA_DIR: join(dir, "data"), CERTRENEW_PUBLIC_ORIGIN: `http://127.0.0.1:${port}`, RUST_LOG: "error" };
  delete env.CERTRENEW_CONFIG;
  delete env.DATABASE_URL;
  delete env.CERTRENEW_DIST_DIR;
  const server = spawn(serverBin, ["serve"], { env, stdio: "ignore" });
  const exited = new Promise((r) => server.once("exit", r));
  try {
    for (let i = 0; i < 300; i++) {
      if (server.exitCode !== null) break;
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/projects`);
        if (r.status === 200) return /** @type {any[]} */ (await r.json());
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${serverBin} serve did not list its projects on port ${port}`);
  } finally {
    server.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A JSON value written as TOML (inline tables and arrays; JSON strings are TOML basic
 * strings).
 * @param {unknown} v
 * @returns {string}
 */
function tomlValue(v) {
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{ ${Object.entries(v).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => `${JSON.stringify(k)} = ${tomlValue(x)}`).join(", ")} }`;
  }
  return JSON.stringify(v);
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function run(cmd, args, env = {}) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** A positive INTEGER from big-endian bytes. @param {Buffer} bytes */
function unsigned(bytes) {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

/**
 * The requests of one host process, answered in order: `[{ok, result | error}]`.
 * @param {{conf: string, hostConfig: string}} token
 * @param {{cmd: string, args: Record<string, unknown>}[]} calls
 */
export function hostCalls(token, calls) {
  const frames = calls.map(({ cmd, args }, i) => {
    const body = Buffer.from(JSON.stringify({ v: 1, id: `s${i}`, origin: "https://ca.example.com", cmd, args }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    return Buffer.concat([len, body]);
  });
  const env = { ...process.env, CERTRENEW_PKCS11_MODULES: TESTTOKEN_MODULE, CERTRENEW_TESTTOKEN_CONF: token.conf, CERTRENEW_HOST_CONFIG: token.hostConfig };
  const out = spawnSync(HOST_BIN, [`chrome-extension://${EXTENSION_ID}/`], { input: Buffer.concat(frames), env, maxBuffer: 16 << 20 });
  const answers = [];
  for (let at = 0; at + 4 <= out.stdout.length; ) {
    const len = out.stdout.readUInt32LE(at);
    answers.push(JSON.parse(out.stdout.subarray(at + 4, at + 4 + len).toString("utf8")));
    at += 4 + len;
  }
  if (answers.length !== calls.length) throw new Error(`certrenew-host answered ${answers.length} of ${calls.length} requests: ${out.stderr}`);
  return answers;
}

/**
 * One host request that must succeed; its result.
 * @param {{conf: string, hostConfig: string}} token
 * @param {string} cmd
 * @param {Record<string, unknown>} args
 */
function hostOk(token, cmd, args) {
  const [answer] = hostCalls(token, [{ cmd, args }]);
  if (!answer.ok) throw new Error(`certrenew-host ${cmd}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

const sha256 = (/** @type {Buffer} */ der) => createHash("sha256").update(der).digest("hex");
const rfc3339 = (/** @type {Date} */ d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * An EC P-256 key made on the token in slot `label` (id 01) and its certificate from the
 * server's EC CA, ending at `notAfter`. Returns the certificate's DER.
 * @param {{dir: string, conf: string}} token
 * @param {string} label
 * @param {Date} notAfter
 * @param {(args: string[]) => string} cli
 */
function ecCertificate(token, label, notAfter, cli) {
  const env = { CERTRENEW_TESTTOKEN_CONF: token.conf };
  const tool = (/** @type {string[]} */ args) => run("pkcs11-tool", ["--module", TESTTOKEN_MODULE, "--token-label", label, "--login", "--pin", PIN, ...args], env);
  const stem = join(token.dir, `ec-${createHash("sha256").update(label).digest("hex").slice(0, 8)}`);
  tool(["--keypairgen", "--key-type", "EC:prime256v1", "--id", "01", "--label", HOLDER, "--usage-sign"]);
  tool(["--read-object", "--type", "pubkey", "--id", "01", "--output-file", `${stem}.spki`]);
  const info = tlv(SEQ, Buffer.from([0x02, 0x01, 0x00]), subjectName(), readFileSync(`${stem}.spki`), Buffer.from([0xa0, 0x00]));
  writeFileSync(`${stem}.digest`, createHash("sha256").update(info).digest());
  tool(["--sign", "--mechanism", "ECDSA", "--id", "01", "--input-file", `${stem}.digest`, "--output-file", `${stem}.sig`]);
  const rs = readFileSync(`${stem}.sig`);
  if (rs.length !== 64) throw new Error(`the test token gave a ${rs.length}-byte ECDSA signature, expected r||s of 64`);
  const csr = tlv(SEQ, info, tlv(SEQ, oid("1.2.840.10045.4.3.2")), tlv(0x03, Buffer.from([0]), tlv(SEQ, unsigned(rs.subarray(0, 32)), unsigned(rs.subarray(32)))));
  writeFileSync(`${stem}.csr`, csr);
  const pem = cli(["ca", "issue", "--csr", `${stem}.csr`, "--not-after", rfc3339(notAfter), ...validFrom(rfc3339(notAfter))]);
  const der = new X509Certificate(pem).raw;
  writeFileSync(`${stem}.der`, der);
  tool(["--write-object", `${stem}.der`, "--type", "cert", "--id", "01", "--label", HOLDER]);
  return der;
}

/**
 * Makes the SM2 dual token in `dir` (replacing what this function made there before).
 * `cli(args)` runs certrenew-server's CLI (its SM2 CA made); `days` the pair's remaining
 * validity (default 30).
 * @param {string} dir
 * @param {{cli: (args: string[]) => string, days?: number, label?: string, secondLabel?: string, project?: string}} options
 */
export function makeSm2Token(dir, options) {
  if (!existsSync(TESTTOKEN_MODULE)) throw new Error(`${TESTTOKEN_MODULE} is missing: cargo build -p testtoken`);
  const label = options.label ?? "certrenew SM2";
  const secondLabel = options.secondLabel ?? "certrenew SM2 备用";
  const project = options.project ?? SM2_PROJECT;
  const cli = options.cli;
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, "state"), { recursive: true, force: true });
  const conf = join(dir, "testtoken.toml");
  writeFileSync(
    conf,
    `directory = "state"\nprofile = "${SM2_PROFILE}"\ntoken_hashes = false\n\n` +
      `[[slot]]\nlabel = "${label}"\nso_pin = "${SO_PIN}"\nuser_pin = "${PIN}"\n\n` +
      `[[slot]]\nlabel = "${secondLabel}"\nso_pin = "${SO_PIN}"\nuser_pin = "${PIN}"\n`,
  );
  const hostConfig = join(dir, "host.toml");
  writeFileSync(hostConfig, "modules = []\n");
  const base = { dir, conf, hostConfig };
  const notAfter = new Date(Date.now() + (options.days ?? 30) * 86_400_000);
  notAfter.setUTCMilliseconds(0);

  const ec = ecCertificate(base, label, notAfter, cli);
  const secondDer = ecCertificate(base, secondLabel, notAfter, cli);
  const tokens = hostOk(base, "list_certificates", {}).tokens;
  const serialOf = (/** @type {string} */ l) => tokens.find((/** @type {any} */ t) => t.token.label.trim() === l)?.token.serial;
  const serial = serialOf(label);
  if (!serial) throw new Error(`the host does not list the test token "${label}": ${JSON.stringify(tokens)}`);

  /**
   * generate_csr (SM2, on the token) renewing `from`; the CA's certificate for it
   * (`issue` adds its arguments), installed in place of `retire` (if any).
   * @param {Buffer} from @param {string[]} issue @param {Buffer | null} retire
   */
  const sm2Pair = (from, issue, retire) => {
    const challenge = randomBytes(32).toString("base64");
    const made = hostOk(base, "generate_csr", { token: serial, cert_sha256: sha256(from), pin: PIN, algorithm: "sm2", challenge });
    if (made.key_algorithm !== "sm2") throw new Error(`generate_csr made a ${made.key_algorithm} key`);
    const csrPath = join(dir, `sm2-${made.key_id}.csr`);
    writeFileSync(csrPath, Buffer.from(made.csr, "base64"));
    const pem = cli(["ca", "issue", "--csr", csrPath, "--not-after", rfc3339(notAfter), "--project", project, ...issue]);
    const der = new X509Certificate(pem).raw;
    hostOk(base, "install_certificate", { token: serial, key_id: made.key_id, certificate: der.toString("base64"), challenge, pin: PIN, ...(retire ? { retire: sha256(retire) } : {}) });
    return { der, pem, keyId: made.key_id };
  };
  const signing = sm2Pair(ec, [], ec);
  const encryption = sm2Pair(signing.der, ["--encryption"], null);
  writeFileSync(join(dir, "cert.pem"), signing.pem);
  writeFileSync(join(dir, "enc-cert.pem"), encryption.pem);
  return {
    dir,
    conf,
    label,
    hostConfig,
    module: TESTTOKEN_MODULE,
    env: { CERTRENEW_TESTTOKEN_CONF: conf },
    serial,
    certDer: signing.der,
    certPem: signing.pem,
    sha256: sha256(signing.der),
    keyId: signing.keyId,
    notAfter: new Date(new X509Certificate(signing.der).validTo),
    encryption: { id: encryption.keyId, certDer: encryption.der, certPem: encryption.pem, sha256: sha256(encryption.der) },
    second: { label: secondLabel, serial: serialOf(secondLabel), certDer: secondDer, sha256: sha256(secondDer) },
  };
}

/** @typedef {ReturnType<typeof makeSm2Token>} Sm2Token */

/**
 * `message` encrypted with openssl to the SM2 key of the certificate `certPem`
 * (GM/T 0009 SM2Cipher DER, as the test token's SM2 decryption takes it).
 * @param {string} dir
 * @param {string} certPem
 * @param {Buffer} message
 */
export function sm2EncryptTo(dir, certPem, message) {
  const stem = join(dir, `sm2enc-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(`${stem}.pem`, certPem);
  run("openssl", ["x509", "-in", `${stem}.pem`, "-pubkey", "-noout", "-out", `${stem}.pub`]);
  writeFileSync(`${stem}.msg`, message);
  run("openssl", ["pkeyutl", "-encrypt", "-pubin", "-inkey", `${stem}.pub`, "-in", `${stem}.msg`, "-out", `${stem}.ct`]);
  return readFileSync(`${stem}.ct`);
}

/**
 * `ciphertext` decrypted on the token by the SM2 private key with `id` (pkcs11-tool,
 * the vendor's SM2 mechanism as a hex number): the key never leaves the token.
 * @param {{dir: string, conf: string, label: string}} token
 * @param {string} id
 * @param {Buffer} ciphertext
 */
export function sm2DecryptOnToken(token, id, ciphertext) {
  const stem = join(token.dir, `sm2dec-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(`${stem}.ct`, ciphertext);
  run("pkcs11-tool", ["--module", TESTTOKEN_MODULE, "--token-label", token.label, "--login", "--pin", PIN, "--decrypt", "--mechanism", SM2_CIPHER, "--id", id, "--input-file", `${stem}.ct`, "--output-file", `${stem}.out`], { CERTRENEW_TESTTOKEN_CONF: token.conf });
  return readFileSync(`${stem}.out`);
}

// `node tests/e2e/sm2-token.js DIR SERVER_BIN [DAYS]`: the token for scripts/run-dev.sh
// --sm2 (the server's environment inherited, its SM2 CA made, project gd-sm2 configured).
// `node tests/e2e/sm2-token.js --config FILE SERVER_BIN`: writes that configuration.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === "--config") {
  const [file, server] = process.argv.slice(3);
  if (!file || !server) {
    console.error("usage: node tests/e2e/sm2-token.js --config FILE SERVER_BIN");
    process.exit(2);
  }
  writeFileSync(file, sm2ProjectsToml(await sampleProjects(server)));
  console.log(`${file}: the sample platforms and ${SM2_PROJECT} (algorithm sm2, dual)`);
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, server, days] = process.argv.slice(2);
  if (!dir || !server) {
    console.error("usage: node tests/e2e/sm2-token.js DIR SERVER_BIN [DAYS]  (with the server's environment)");
    process.exit(2);
  }
  const token = makeSm2Token(resolve(dir), {
    days: days ? Number(days) : 30,
    label: "certrenew SM2 dev",
    secondLabel: "certrenew SM2 dev 2",
    cli: (args) => run(server, args).toString(),
  });
  console.log(`token "${token.label}" (test token, ${SM2_PROFILE} numbering): SM2 signing and encryption certificates from the SM2 CA, expire ${token.notAfter.toISOString()}, PIN ${PIN}`);
  console.log(`token "${token.second.label}": an EC P-256 certificate, PIN ${PIN} (three wrong PINs lock it)`);
}
