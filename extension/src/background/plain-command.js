// @ts-check
import { CONFIG } from "../config.js";
import { HostConnection } from "./native.js";
import { checkHostVersion } from "./version.js";

/**
 * hello / list_certificates: a fresh host process, one request, closed in `finally`.
 * After `hello` the host's protocol and version are checked (VERSION_MISMATCH).
 * @param {string} origin
 * @param {string} cmd
 * @param {Record<string, unknown>} args
 * @returns {Promise<import("./errors.js").Answer>}
 */
export async function plainCommand(origin, cmd, args) {
  const conn = new HostConnection();
  try {
    const answer = await conn.call(origin, cmd, args, CONFIG.HOST_TIMEOUT_MS);
    if (cmd === "hello" && answer.ok) checkHostVersion(answer.result);
    return answer;
  } finally {
    conn.close();
  }
}
