// @ts-check
/**
 * Service worker: one onMessage listener for the content script, one onConnect
 * listener for the PIN window. The origin is the browser's (sender), never the page's.
 */
import { CONFIG } from "./config.js";
import { answerFromError, CertrenewError } from "./background/errors.js";
import { isCaOrigin, senderOrigin } from "./background/origin.js";
import { pinOperation } from "./background/pin-operation.js";
import { onPinWindowConnect } from "./background/pin-window.js";
import { plainCommand } from "./background/plain-command.js";
import { ErrorCode } from "./background/error-codes.js";

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handle(message, sender).then(sendResponse, (e) => sendResponse(answerFromError(e)));
  return true; // answer asynchronously
});

chrome.runtime.onConnect.addListener((port) => {
  if (!onPinWindowConnect(port)) port.disconnect();
});

/**
 * @param {any} message
 * @param {chrome.runtime.MessageSender} sender
 * @returns {Promise<import("./background/errors.js").Answer>}
 */
async function handle(message, sender) {
  if (sender.id !== chrome.runtime.id || !sender.tab || typeof sender.tab.id !== "number") {
    throw new CertrenewError(ErrorCode.ORIGIN_REFUSED, "not from a page of this extension's content script");
  }
  const origin = senderOrigin(sender);
  if (origin === null || !isCaOrigin(origin)) {
    throw new CertrenewError(ErrorCode.ORIGIN_REFUSED, "this site may not use certrenew", { origin });
  }
  if (!message || typeof message !== "object" || typeof message.cmd !== "string") {
    throw new CertrenewError(ErrorCode.BAD_REQUEST, "malformed request");
  }
  const { cmd } = message;
  /** @type {Record<string, unknown>} */
  const args = message.args && typeof message.args === "object" && !Array.isArray(message.args) ? { ...message.args } : {};
  delete args.pin; // the page never supplies a PIN
  if (CONFIG.PLAIN_COMMANDS.includes(cmd)) return plainCommand(origin, cmd, args);
  if (Object.hasOwn(CONFIG.PIN_COMMANDS, cmd)) {
    const tabKey = `${sender.tab.id}`;
    return pinOperation(origin, tabKey, /** @type {keyof typeof CONFIG.PIN_COMMANDS} */ (cmd), args);
  }
  // Unknown commands go to the host, which answers UNKNOWN_COMMAND with the known list.
  return plainCommand(origin, cmd, args);
}
