// @ts-check
/**
 * extension/pack.mjs without a browser: the CRX3 container parsed back field by field,
 * its signature checked by openssl (an independent verifier), the ZIP listed by unzip,
 * the manifest inside, reproducibility, a production key, and refusals.
 * (Chromium itself installs these packages in autoupdate.test.js.)
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { bytesField, extensionId, pack, readFields, verifyCrx3, zipDirectory } from "../../extension/pack.mjs";
import { DEV_ID, DEV_KEY, EXTENSION_SRC } from "./lib.js";

/** @param {(dir: string) => void | Promise<void>} body */
async function inTemp(body) {
  const dir = mkdtempSync(join(tmpdir(), "certrenew-crx-"));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The CRX's archive (the bytes after the header) written as a plain .zip for unzip.
 * @param {string} crxPath
 */
function archiveOf(crxPath) {
  const crx = readFileSync(crxPath);
  const zipPath = crxPath.replace(/\.crx$/, ".zip");
  writeFileSync(zipPath, crx.subarray(12 + crx.readUInt32LE(8)));
  return zipPath;
}

/** One entry's text, by unzip. @param {string} zipPath @param {string} name */
function unzipEntry(zipPath, name) {
  return execFileSync("unzip", ["-p", zipPath, name]).toString();
}

test("pack.mjs writes a CRX3 file whose header parses back to one RSA proof and the crx_id, verified by openssl", async () => {
  await inTemp((dir) => {
    const out = join(dir, "out");
    const result = pack({ key: DEV_KEY, version: "1.2.3", out, updateUrl: "https://ca.example.com/extension/updates.xml" });
    assert.equal(result.path, join(out, "certrenew-1.2.3.crx"));
    assert.equal(result.id, DEV_ID);
    const crx = readFileSync(result.path);

    // The container, by hand.
    assert.equal(crx.subarray(0, 4).toString("latin1"), "Cr24");
    assert.equal(crx.readUInt32LE(4), 3);
    const headerSize = crx.readUInt32LE(8);
    const header = crx.subarray(12, 12 + headerSize);
    const zip = crx.subarray(12 + headerSize);
    assert.equal(zip.readUInt32LE(0), 0x04034b50, "the archive follows the header");
    const fields = readFields(header);
    assert.deepEqual(fields.map(([f, w]) => [f, w]), [[2, 2], [10000, 2]], "sha256_with_rsa, then signed_header_data");
    const shdLength = /** @type {Buffer} */ (fields[1][2]).length;
    assert.deepEqual([...header.subarray(header.length - shdLength - 4, header.length - shdLength - 1)], [0x82, 0xf1, 0x04], "field 10000's tag");
    const proof = readFields(/** @type {Buffer} */ (fields[0][2]));
    assert.deepEqual(proof.map(([f]) => f), [1, 2], "public_key, signature");
    const publicKey = /** @type {Buffer} */ (proof[0][2]);
    const signature = /** @type {Buffer} */ (proof[1][2]);
    assert.equal(signature.length, 256, "RSA-2048 signature");
    const devSpki = createPublicKey(readFileSync(DEV_KEY)).export({ type: "spki", format: "der" });
    assert.ok(publicKey.equals(devSpki), "the proof carries the development public key");
    const signedData = readFields(/** @type {Buffer} */ (fields[1][2]));
    assert.equal(signedData.length, 1);
    const crxId = /** @type {Buffer} */ (signedData[0][2]);
    assert.equal(crxId.length, 16);
    assert.equal(extensionId(publicKey), DEV_ID);

    // openssl checks the RSA-SHA256 signature over "CRX3 SignedData\0" | len | signed_header_data | zip.
    const signedHeaderData = /** @type {Buffer} */ (fields[1][2]);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(signedHeaderData.length);
    writeFileSync(join(dir, "signed.bin"), Buffer.concat([Buffer.from("CRX3 SignedData\x00", "latin1"), len, signedHeaderData, zip]));
    writeFileSync(join(dir, "sig.bin"), signature);
    writeFileSync(join(dir, "pub.pem"), createPublicKey({ key: publicKey, format: "der", type: "spki" }).export({ type: "spki", format: "pem" }));
    const verified = execFileSync("openssl", ["dgst", "-sha256", "-verify", join(dir, "pub.pem"), "-signature", join(dir, "sig.bin"), join(dir, "signed.bin")]).toString();
    assert.match(verified, /Verified OK/);

    // The parser agrees.
    const checked = verifyCrx3(crx);
    assert.equal(checked.id, DEV_ID);
    assert.ok(checked.crxId.equals(crxId));

    // The archive, by unzip: intact, the built extension with the requested version and update_url.
    const zipPath = archiveOf(result.path);
    execFileSync("unzip", ["-tq", zipPath]);
    const names = execFileSync("unzip", ["-Z1", zipPath]).toString().trim().split("\n");
    for (const name of ["manifest.json", "src/background.js", "src/content.js", "pin.html", "_locales/zh_CN/messages.json"]) {
      assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    }
    const manifest = JSON.parse(unzipEntry(zipPath, "manifest.json"));
    assert.equal(manifest.version, "1.2.3");
    assert.equal(manifest.update_url, "https://ca.example.com/extension/updates.xml");
    assert.equal(manifest.key, readFileSync(join(EXTENSION_SRC, "dev-key.pub.b64"), "utf8").trim());
    assert.deepEqual(manifest.content_scripts[0].matches, ["http://127.0.0.1:8080/*", "http://localhost:8080/*"]);
  });
});

test("the same sources and key give a byte-identical package", async () => {
  await inTemp((dir) => {
    const a = pack({ key: DEV_KEY, version: "0.3.0", out: join(dir, "a") });
    const b = pack({ key: DEV_KEY, version: "0.3.0", out: join(dir, "b") });
    assert.equal(a.sha256, b.sha256);
    assert.ok(readFileSync(a.path).equals(readFileSync(b.path)));
  });
});

test("any change after signing is refused: archive, signature, crx_id", async () => {
  await inTemp((dir) => {
    const crx = readFileSync(pack({ key: DEV_KEY, version: "0.4.0", out: dir }).path);
    const flip = (/** @type {number} */ at) => {
      const copy = Buffer.from(crx);
      copy[at] ^= 0x01;
      return copy;
    };
    assert.throws(() => verifyCrx3(flip(crx.length - 30)), /signature does not verify/);
    const headerSize = crx.readUInt32LE(8);
    // The signature's last byte sits just before signed_header_data's tag (3 bytes), length (1) and value (18).
    assert.throws(() => verifyCrx3(flip(12 + headerSize - 23)), /signature does not verify/);
    // The crx_id's last byte is the header's last byte: the signature no longer matches either.
    assert.throws(() => verifyCrx3(flip(12 + headerSize - 1)), /does not verify|crx_id/);
    assert.throws(() => verifyCrx3(Buffer.from("PK\x03\x04")), /Cr24/);

    // A valid signature, but by a key the crx_id does not name.
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const otherSpki = /** @type {Buffer} */ (other.publicKey.export({ type: "spki", format: "der" }));
    const zip = crx.subarray(12 + headerSize);
    const signedHeaderData = verifyCrx3(crx).signedHeaderData; // names the development key
    const len = Buffer.alloc(4);
    len.writeUInt32LE(signedHeaderData.length);
    const signature = sign("sha256", Buffer.concat([Buffer.from("CRX3 SignedData\x00", "latin1"), len, signedHeaderData, zip]), other.privateKey);
    const proof = Buffer.concat([bytesField(1, otherSpki), bytesField(2, signature)]);
    const header = Buffer.concat([bytesField(2, proof), bytesField(10000, signedHeaderData)]);
    const prefix = Buffer.alloc(12);
    prefix.write("Cr24", 0, "latin1");
    prefix.writeUInt32LE(3, 4);
    prefix.writeUInt32LE(header.length, 8);
    assert.throws(() => verifyCrx3(Buffer.concat([prefix, header, zip])), /no proof by the key the crx_id names/);
  });
});

test("a production key gives its own id and manifest key; bad versions and non-RSA keys are refused", async () => {
  await inTemp((dir) => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPath = join(dir, "ca-extension.pem");
    writeFileSync(keyPath, privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    const spki = /** @type {Buffer} */ (publicKey.export({ type: "spki", format: "der" }));
    const result = pack({ key: keyPath, version: "2.0.0", out: join(dir, "out") });
    assert.equal(result.id, extensionId(spki));
    assert.notEqual(result.id, DEV_ID);
    assert.match(result.id, /^[a-p]{32}$/);
    const manifest = JSON.parse(unzipEntry(archiveOf(result.path), "manifest.json"));
    assert.equal(manifest.key, spki.toString("base64"), "the unpacked build and the package share the id");

    for (const bad of ["1.2.3.4.5", "01.2", "1.65536", "v1", ""]) {
      assert.throws(() => pack({ key: DEV_KEY, version: bad, out: join(dir, "bad") }), /version/, bad);
    }
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
    writeFileSync(join(dir, "ec.pem"), ec);
    assert.throws(() => pack({ key: join(dir, "ec.pem"), version: "1.0.0", out: join(dir, "bad") }), /must be RSA/);
  });
});

test("the command line prints the id and refuses missing arguments", async () => {
  await inTemp((dir) => {
    const out = execFileSync("node", [join(EXTENSION_SRC, "pack.mjs"), "--key", DEV_KEY, "--version", "0.5.0", "--out", dir, "--update-url", "http://127.0.0.1:1/extension/updates.xml"]).toString();
    assert.match(out, new RegExp(`id ${DEV_ID}`));
    assert.match(out, /certrenew-0\.5\.0\.crx/);
    assert.throws(() => execFileSync("node", [join(EXTENSION_SRC, "pack.mjs"), "--version", "0.5.0"], { stdio: "pipe" }), /usage/);
    assert.equal(execFileSync("node", [join(EXTENSION_SRC, "pack.mjs"), "--key", DEV_KEY, "--print-id"]).toString(), `${DEV_ID}\n`);
  });
});

test("zipDirectory stores names in sorted order with the 1980 timestamp", async () => {
  await inTemp((dir) => {
    const src = join(dir, "src");
    execFileSync("mkdir", ["-p", join(src, "b"), join(src, "a")]);
    writeFileSync(join(src, "b", "x.txt"), "x".repeat(1000));
    writeFileSync(join(src, "a", "y.txt"), "y");
    writeFileSync(join(src, "z.txt"), "");
    const zipPath = join(dir, "t.zip");
    writeFileSync(zipPath, zipDirectory(src));
    const listing = execFileSync("unzip", ["-Z", "-T", zipPath]).toString();
    const names = listing.split("\n").filter((l) => /^-/.test(l)).map((l) => l.trim().split(/\s+/).pop());
    assert.deepEqual(names, ["a/y.txt", "b/x.txt", "z.txt"]);
    assert.match(listing, /19800101\.000000/);
    execFileSync("unzip", ["-tq", zipPath]);
  });
});
