// @ts-check
/**
 * Pure helpers over `list_certificates` entries (docs/protocol.md): what the PIN window
 * says about the certificate and key that install_certificate's `retire` deletes.
 */

/**
 * What the window shows about the certificate `retire` names (nothing here is secret).
 * @typedef {{sha256: string, subject: string | null, cn: string | null, o: string | null,
 *   serial: string | null, not_before: string | null, not_after: string | null,
 *   issuer: string | null, label: string | null, key_id: string | null,
 *   has_private_key: boolean, key_kept: boolean}} RetireDisplay
 */

/**
 * The values of attribute `name` (e.g. "CN") in a DN written as the host writes it:
 * RFC 4514, RDNs separated by ",", "+" inside one, "\" escaping a character or a hex
 * pair (a run of hex pairs is UTF-8).
 * @param {string} dn
 * @param {string} name
 * @returns {string[]}
 */
export function dnValues(dn, name) {
  /** @type {string[]} */
  const out = [];
  let type = "";
  let value = "";
  let inValue = false;
  /** @type {number[]} */
  let bytes = [];
  const flushBytes = () => {
    if (bytes.length > 0) value += new TextDecoder().decode(new Uint8Array(bytes));
    bytes = [];
  };
  const endAttribute = () => {
    flushBytes();
    if (inValue && type.trim().toUpperCase() === name.toUpperCase()) out.push(value.trim());
    type = "";
    value = "";
    inValue = false;
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === "\\" && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        flushBytes();
        if (inValue) value += dn[i + 1];
        else type += dn[i + 1];
        i += 1;
      }
      continue;
    }
    flushBytes();
    if (c === "," || c === "+") endAttribute();
    else if (c === "=" && !inValue) inValue = true;
    else if (inValue) value += c;
    else type += c;
  }
  endAttribute();
  return out;
}

/**
 * The certificate `retire` names among a token's listed certificates, as the window
 * shows it, or null when it is not on the token.
 * @param {any[]} certificates the token's `certificates` from list_certificates
 * @param {string} retire the sha256 the page gave
 * @returns {RetireDisplay | null}
 */
export function describeRetire(certificates, retire) {
  const cert = certificates.find((c) => c && c.sha256 === retire);
  if (!cert) return null;
  const str = (/** @type {unknown} */ v) => (typeof v === "string" && v.length > 0 ? v : null);
  const subject = str(cert.subject);
  const keyId = str(cert.key_id);
  return {
    sha256: retire,
    subject,
    cn: subject ? dnValues(subject, "CN").join(" + ") || null : null,
    o: subject ? dnValues(subject, "O").join(" + ") || null : null,
    serial: str(cert.serial),
    not_before: str(cert.not_before),
    not_after: str(cert.not_after),
    issuer: str(cert.issuer),
    label: str(cert.label),
    key_id: keyId,
    has_private_key: cert.has_private_key === true,
    // The host keeps the keys when another certificate uses the same CKA_ID (docs/protocol.md §12).
    key_kept: keyId === null || certificates.some((c) => c && c !== cert && c.key_id === keyId),
  };
}

/**
 * What a dual install or a key recovery adds to the token, named by SHA-256 (computed
 * here from the request's own base64 DER, the names the host and the CA use).
 * @typedef {{signing: string | null, encryption: string}} AddedDisplay
 */

/** The SubjectPublicKeyInfo algorithm of an SM2 key, DER: id-ecPublicKey with the
 * curve 1.2.156.10197.1.301 (GM/T 0006); in a certificate only its key's SPKI has it. */
const SM2_SPKI_ALGORITHM = [0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
  0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];

/**
 * Whether a listed certificate (base64 DER) certifies an SM2 key (国密SM2).
 * @param {unknown} b64
 * @returns {boolean}
 */
export function isSm2(b64) {
  if (typeof b64 !== "string" || b64.length === 0) return false;
  let bytes;
  try {
    bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return false;
  }
  outer: for (let i = 0; i + SM2_SPKI_ALGORITHM.length <= bytes.length; i++) {
    for (let j = 0; j < SM2_SPKI_ALGORITHM.length; j++) {
      if (bytes[i + j] !== SM2_SPKI_ALGORITHM[j]) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * Lowercase hex SHA-256 of base64 bytes; null when the text is not base64.
 * @param {unknown} b64
 * @returns {Promise<string | null>}
 */
export async function sha256OfBase64(b64) {
  if (typeof b64 !== "string" || b64.length === 0) return null;
  let bytes;
  try {
    bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * "2026-11-22T18:10:21Z" → "2026-11-22 18:10:21 UTC" (what the host writes is UTC).
 * @param {string | null} t
 */
export function formatTime(t) {
  if (!t) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(t);
  return m ? `${m[1]} ${m[2]} UTC` : t;
}
