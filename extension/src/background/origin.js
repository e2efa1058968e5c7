// @ts-check
import { CONFIG } from "../config.js";

/**
 * The web origin of a message's sender, from the browser's own information.
 * @param {chrome.runtime.MessageSender} sender
 * @returns {string | null}
 */
export function senderOrigin(sender) {
  if (typeof sender.origin === "string" && sender.origin !== "null") return sender.origin;
  if (typeof sender.url === "string") {
    try {
      return new URL(sender.url).origin;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Whether `origin` is exactly one of the configured CA origins: same scheme, host and
 * port. A configured origin without a port means the scheme's default port (as
 * `new URL().origin` has it), never "any port": another service on the CA's host
 * (or any local program on 127.0.0.1) is not the CA.
 * @param {string} origin
 * @param {readonly string[]} [allowed]
 */
export function isCaOrigin(origin, allowed = CONFIG.CA_ORIGINS) {
  let url;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  return allowed.some((entry) => {
    try {
      return new URL(entry).origin === url.origin;
    } catch {
      return false;
    }
  });
}
