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
 * Whether `origin` is one of the configured CA origins. A configured origin without a
 * port matches any port (as the content script's match patterns do).
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
  if (url.origin !== origin) return false;
  return allowed.some((entry) => {
    const a = new URL(entry);
    if (a.protocol !== url.protocol || a.hostname !== url.hostname) return false;
    return a.port === "" || a.port === url.port;
  });
}
