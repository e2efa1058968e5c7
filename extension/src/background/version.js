// @ts-check
import { CONFIG } from "../config.js";
import { CertrenewError } from "./errors.js";
import { ErrorCode } from "./error-codes.js";

/**
 * Compares dotted versions numerically ("0.10.0" > "0.9.3"); missing parts are 0.
 * @param {string} a
 * @param {string} b
 */
export function compareVersions(a, b) {
  const pa = a.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * Throws VERSION_MISMATCH unless the host's hello result is acceptable, naming the
 * component that must be updated: the host when it is older than the minimum or speaks
 * an older protocol, the extension when the host speaks a newer protocol.
 * @param {any} hello the host's `hello` result
 */
export function checkHostVersion(hello) {
  const found = hello && typeof hello.host_version === "string" ? hello.host_version : null;
  const protocol = hello ? hello.protocol : undefined;
  const details = {
    minimum: CONFIG.MIN_HOST_VERSION,
    found,
    protocol: protocol ?? null,
    supported_protocol: CONFIG.PROTOCOL_VERSION,
  };
  if (typeof protocol === "number" && protocol > CONFIG.PROTOCOL_VERSION) {
    throw new CertrenewError(ErrorCode.VERSION_MISMATCH, "the certrenew extension must be updated", {
      component: "extension",
      ...details,
    });
  }
  if (protocol !== CONFIG.PROTOCOL_VERSION || found === null || compareVersions(found, CONFIG.MIN_HOST_VERSION) < 0) {
    throw new CertrenewError(ErrorCode.VERSION_MISMATCH, "the certrenew host must be updated", { component: "host", ...details });
  }
}
