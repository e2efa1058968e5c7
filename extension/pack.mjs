#!/usr/bin/env node
// @ts-check
/**
 * Signed CRX3 packages of the extension, for self-hosted updates (docs/extension-updates.md).
 *
 *   node extension/pack.mjs --key KEY.pem --version X.Y.Z --out DIR
 *                           [--update-url URL] [--config build.config.json] [--origin ORIGIN]…
 *   node extension/pack.mjs --key KEY.pem --print-id
 *
 * builds the extension with build.mjs (manifest `version` = X.Y.Z, `update_url` = --update-url
 * or the build config's, `key` = the public half of KEY.pem so the unpacked build and the
 * package have the same id), zips it and writes DIR/certrenew-X.Y.Z.crx signed with KEY.pem.
 * KEY.pem is an RSA private key (PKCS#1 or PKCS#8 PEM): extension/dev-key.pem in
 * development; the CA's production key is supplied here at build time and never committed.
 *
 * No dependencies: node's `crypto` and `zlib`, and the few protobuf fields CRX3 needs.
 *
 * # The CRX3 container (Chromium's components/crx_file/crx3.proto)
 *
 *   "Cr24" | uint32le 3 | uint32le header_size | CrxFileHeader (header_size bytes) | ZIP
 *
 *   message CrxFileHeader {
 *     repeated AsymmetricKeyProof sha256_with_rsa   = 2;
 *     repeated AsymmetricKeyProof sha256_with_ecdsa = 3;   // not written here
 *     optional bytes signed_header_data             = 10000; // a serialized SignedData
 *   }
 *   message AsymmetricKeyProof { optional bytes public_key = 1; optional bytes signature = 2; }
 *   message SignedData { optional bytes crx_id = 1; }  // SHA-256(public_key)[0..16]
 *
 * public_key is the SubjectPublicKeyInfo DER (what the manifest `key` holds in base64).
 * The signature is RSASSA-PKCS1-v1_5 with SHA-256 over
 *
 *   "CRX3 SignedData\x00" | uint32le len(signed_header_data) | signed_header_data | ZIP
 *
 * The extension id is the first 16 bytes of SHA-256(public_key) in hex, digits 0–f
 * written a–p. Every field here is length-delimited (wire type 2): tag = varint(field << 3 | 2),
 * then varint(length), then the bytes.
 *
 * The ZIP is deterministic (sorted entries, fixed 1980-01-01 timestamps, deflate level 9 or
 * stored when that is smaller): the same sources and key give byte-identical packages.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

import { build, isChromeVersion } from "./build.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** The CRX3 magic number. */
export const CRX_MAGIC = Buffer.from("Cr24", "ascii");
/** The context string the CRX3 signature covers first. */
export const SIGNATURE_CONTEXT = Buffer.from("CRX3 SignedData\x00", "binary");
/** Chromium refuses headers larger than this (crx_verifier.cc). */
const MAX_HEADER_SIZE = 1 << 18;

const FIELD_SHA256_WITH_RSA = 2;
const FIELD_SHA256_WITH_ECDSA = 3;
const FIELD_SIGNED_HEADER_DATA = 10000;
const FIELD_PUBLIC_KEY = 1;
const FIELD_SIGNATURE = 2;
const FIELD_CRX_ID = 1;

// ---------------------------------------------------------------- protobuf (bytes fields only)

/** @param {number} n */
function varint(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint out of range: ${n}`);
  const out = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/**
 * One length-delimited field.
 * @param {number} field
 * @param {Buffer} bytes
 */
export function bytesField(field, bytes) {
  return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
}

/**
 * Reads a message's fields: `[field, wireType, value]` (value: Buffer for wire type 2,
 * number for 0; fixed-width fields are skipped as Buffers).
 * @param {Buffer} buf
 * @returns {Array<[number, number, Buffer | number]>}
 */
export function readFields(buf) {
  /** @type {Array<[number, number, Buffer | number]>} */
  const fields = [];
  let pos = 0;
  const readVarint = () => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error("protobuf: truncated varint");
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if (!(b & 0x80)) {
        if (!Number.isSafeInteger(result)) throw new Error("protobuf: varint too large");
        return result;
      }
      scale *= 128;
    }
    throw new Error("protobuf: varint too long");
  };
  while (pos < buf.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new Error("protobuf: field number 0");
    if (wire === 0) fields.push([field, wire, readVarint()]);
    else if (wire === 2) {
      const len = readVarint();
      if (pos + len > buf.length) throw new Error("protobuf: truncated field");
      fields.push([field, wire, buf.subarray(pos, pos + len)]);
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4;
      if (pos + len > buf.length) throw new Error("protobuf: truncated field");
      fields.push([field, wire, buf.subarray(pos, pos + len)]);
      pos += len;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return fields;
}

// ---------------------------------------------------------------- ids and keys

/**
 * The extension id of a SubjectPublicKeyInfo DER: SHA-256's first 16 bytes, hex digits a–p.
 * @param {Buffer} spkiDer
 */
export function extensionId(spkiDer) {
  return crxIdToExtensionId(crxIdOf(spkiDer));
}

/** @param {Buffer} spkiDer */
export function crxIdOf(spkiDer) {
  return createHash("sha256").update(spkiDer).digest().subarray(0, 16);
}

/** @param {Buffer} crxId 16 bytes */
export function crxIdToExtensionId(crxId) {
  return [...crxId.toString("hex")].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join("");
}

/**
 * The RSA private key of a PEM file and its public key as SubjectPublicKeyInfo DER.
 * @param {string | Buffer} pem
 */
export function loadKey(pem) {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== "rsa") {
    throw new Error(`the signing key must be RSA (found ${privateKey.asymmetricKeyType})`);
  }
  const spki = /** @type {Buffer} */ (createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  return { privateKey, spki };
}

// ---------------------------------------------------------------- ZIP

/**
 * Every file under `dir`, sorted, as [zip name, absolute path].
 * @param {string} dir
 */
function listFiles(dir) {
  /** @type {Array<[string, string]>} */
  const out = [];
  const walk = (/** @type {string} */ d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push([relative(dir, full).split(sep).join("/"), full]);
    }
  };
  walk(dir);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A deterministic ZIP of the files under `dir` (no directory entries, no extra fields).
 * @param {string} dir
 */
export function zipDirectory(dir) {
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  /** @type {Buffer[]} */
  const locals = [];
  /** @type {Buffer[]} */
  const centrals = [];
  let offset = 0;
  const files = listFiles(dir);
  if (files.length > 0xfffe) throw new Error("too many files for a ZIP without ZIP64");
  for (const [name, full] of files) {
    const data = readFileSync(full);
    const deflated = deflateRawSync(data, { level: 9 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const nameBytes = Buffer.from(name, "utf8");
    const flags = /[^\x20-\x7e]/.test(name) ? 0x0800 : 0; // bit 11: UTF-8 names
    const crc = crc32(data) >>> 0;
    if (offset + body.length > 0xfffffff0) throw new Error("package too large for a ZIP without ZIP64");

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(useDeflate ? 8 : 0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file, 0644
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + body.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

// ---------------------------------------------------------------- CRX3

/**
 * The bytes a CRX3 signature covers.
 * @param {Buffer} signedHeaderData
 * @param {Buffer} zip
 */
function signedBytes(signedHeaderData, zip) {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(signedHeaderData.length, 0);
  return Buffer.concat([SIGNATURE_CONTEXT, len, signedHeaderData, zip]);
}

/**
 * A CRX3 file: `zip` signed with the RSA key in `pem`.
 * @param {Buffer} zip
 * @param {string | Buffer} pem
 */
export function crx3(zip, pem) {
  const { privateKey, spki } = loadKey(pem);
  const signedHeaderData = bytesField(FIELD_CRX_ID, crxIdOf(spki));
  const signature = sign("sha256", signedBytes(signedHeaderData, zip), privateKey); // PKCS#1 v1.5 for RSA keys
  const proof = Buffer.concat([bytesField(FIELD_PUBLIC_KEY, spki), bytesField(FIELD_SIGNATURE, signature)]);
  const header = Buffer.concat([bytesField(FIELD_SHA256_WITH_RSA, proof), bytesField(FIELD_SIGNED_HEADER_DATA, signedHeaderData)]);
  const prefix = Buffer.alloc(12);
  CRX_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(3, 4);
  prefix.writeUInt32LE(header.length, 8);
  return Buffer.concat([prefix, header, zip]);
}

/**
 * Parses a CRX3 file and checks it as Chromium does (components/crx_file/crx_verifier.cc):
 * the magic and version, every RSA proof's signature, and that the declared crx_id is the
 * hash of one of the proofs' keys. Throws on anything wrong.
 * @param {Buffer} crx
 * @returns {{id: string, crxId: Buffer, publicKey: Buffer, proofs: Array<{publicKey: Buffer, signature: Buffer}>,
 *   ecdsaProofs: number, signedHeaderData: Buffer, header: Buffer, zip: Buffer}}
 */
export function verifyCrx3(crx) {
  if (crx.length < 12 || !crx.subarray(0, 4).equals(CRX_MAGIC)) throw new Error("not a CRX file (no Cr24 magic)");
  const version = crx.readUInt32LE(4);
  if (version !== 3) throw new Error(`CRX version ${version}, expected 3`);
  const headerSize = crx.readUInt32LE(8);
  if (headerSize > MAX_HEADER_SIZE || 12 + headerSize > crx.length) throw new Error("CRX header size out of range");
  const header = crx.subarray(12, 12 + headerSize);
  const zip = crx.subarray(12 + headerSize);

  /** @type {Array<{publicKey: Buffer, signature: Buffer}>} */
  const proofs = [];
  let ecdsaProofs = 0;
  /** @type {Buffer | null} */
  let signedHeaderData = null;
  for (const [field, wire, value] of readFields(header)) {
    if (wire !== 2 || typeof value === "number") continue;
    if (field === FIELD_SHA256_WITH_RSA) {
      /** @type {Buffer | null} */ let publicKey = null;
      /** @type {Buffer | null} */ let signature = null;
      for (const [f, w, v] of readFields(value)) {
        if (w === 2 && typeof v !== "number" && f === FIELD_PUBLIC_KEY) publicKey = v;
        if (w === 2 && typeof v !== "number" && f === FIELD_SIGNATURE) signature = v;
      }
      if (!publicKey || !signature) throw new Error("CRX proof without a key or signature");
      proofs.push({ publicKey, signature });
    } else if (field === FIELD_SHA256_WITH_ECDSA) ecdsaProofs++;
    else if (field === FIELD_SIGNED_HEADER_DATA) signedHeaderData = value;
  }
  if (!signedHeaderData) throw new Error("CRX header without signed_header_data");
  if (ecdsaProofs > 0) throw new Error("ECDSA proofs are not checked here");
  /** @type {Buffer | null} */
  let crxId = null;
  for (const [f, w, v] of readFields(signedHeaderData)) {
    if (f === FIELD_CRX_ID && w === 2 && typeof v !== "number") crxId = v;
  }
  if (!crxId || crxId.length !== 16) throw new Error("signed_header_data without a 16-byte crx_id");
  if (proofs.length === 0) throw new Error("CRX without proofs");
  const message = signedBytes(signedHeaderData, zip);
  /** @type {Buffer | null} */
  let declaredKey = null;
  for (const proof of proofs) {
    const key = createPublicKey({ key: proof.publicKey, format: "der", type: "spki" });
    if (!verify("sha256", message, key, proof.signature)) throw new Error("CRX signature does not verify");
    if (crxIdOf(proof.publicKey).equals(crxId)) declaredKey = proof.publicKey;
  }
  if (!declaredKey) throw new Error("no proof by the key the crx_id names");
  return { id: crxIdToExtensionId(crxId), crxId, publicKey: declaredKey, proofs, ecdsaProofs, signedHeaderData, header, zip };
}

// ---------------------------------------------------------------- the command

/** The package's file name for a version (what certrenew-server lists). */
export const packageName = (/** @type {string} */ version) => `certrenew-${version}.crx`;

/**
 * Builds, zips and signs one version.
 * @param {{key: string, version: string, out: string, updateUrl?: string | null, config?: string, origins?: string[] | null}} opts
 *   `key`: path of the RSA private key PEM; `origins`: the CA origins instead of the config's.
 * @returns {{path: string, id: string, version: string, updateUrl: string | null, bytes: number, sha256: string}}
 */
export function pack(opts) {
  if (!isChromeVersion(opts.version)) throw new Error(`not an extension version (1–4 integers 0–65535): ${opts.version}`);
  const pem = readFileSync(opts.key);
  const { spki } = loadKey(pem);
  const work = mkdtempSync(join(tmpdir(), "certrenew-pack-"));
  try {
    const unpacked = join(work, "extension");
    const { manifest } = build({
      out: unpacked,
      config: opts.config ?? join(here, "build.config.json"),
      key: spki.toString("base64"),
      version: opts.version,
      updateUrl: opts.updateUrl ?? null,
      origins: opts.origins ?? null,
      quiet: true,
    });
    const crx = crx3(zipDirectory(unpacked), pem);
    const checked = verifyCrx3(crx);
    mkdirSync(opts.out, { recursive: true });
    const path = join(opts.out, packageName(opts.version));
    writeFileSync(path, crx);
    return {
      path,
      id: checked.id,
      version: opts.version,
      updateUrl: manifest.update_url ?? null,
      bytes: crx.length,
      sha256: createHash("sha256").update(crx).digest("hex"),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{key: string | null, version: string | null, out: string | null, updateUrl: string | null, config: string | undefined, origins: string[] | null, printId: boolean}} */
  const opts = { key: null, version: null, out: null, updateUrl: null, config: undefined, origins: null, printId: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--key") opts.key = resolve(value());
    else if (a === "--version") opts.version = value();
    else if (a === "--out") opts.out = resolve(value());
    else if (a === "--update-url") opts.updateUrl = value();
    else if (a === "--config") opts.config = resolve(value());
    else if (a === "--origin") (opts.origins ??= []).push(value());
    else if (a === "--print-id") opts.printId = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.key && opts.printId) return { key: opts.key, printId: true };
  if (!opts.key || !opts.version || !opts.out) {
    throw new Error(
      "usage: node extension/pack.mjs --key KEY.pem --version X.Y.Z --out DIR [--update-url URL] [--config FILE] [--origin ORIGIN]…\n" +
        "       node extension/pack.mjs --key KEY.pem --print-id",
    );
  }
  return { key: opts.key, version: opts.version, out: opts.out, updateUrl: opts.updateUrl, config: opts.config, origins: opts.origins };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if ("printId" in args) {
    // The id alone, for CERTRENEW_EXTENSION_ID when building the host and for the policy.
    process.stdout.write(`${extensionId(loadKey(readFileSync(args.key)).spki)}\n`);
    return;
  }
  const result = pack(args);
  if (!result.updateUrl) {
    process.stderr.write("warning: no update_url (build config or --update-url): this package will not update itself\n");
  }
  process.stdout.write(
    `packed ${result.path}\n  id ${result.id}\n  version ${result.version}\n  update_url ${result.updateUrl ?? "(none)"}\n` +
      `  ${result.bytes} bytes, sha256 ${result.sha256}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`pack.mjs: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  }
}
