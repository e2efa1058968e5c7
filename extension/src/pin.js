// @ts-check
/**
 * The PIN window. It gets the display data from the service worker over a port named
 * "pin:<req>" and sends back {type:"pin", pin}, {type:"ok"} or {type:"cancel"}.
 * Closing the window closes the port: the service worker takes that as a cancel.
 */

const req = new URLSearchParams(location.search).get("req") ?? "";
const port = chrome.runtime.connect({ name: `pin:${req}` });

/** @param {string} id */
function el(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e;
}

/** @param {string} key */
function t(key) {
  return chrome.i18n.getMessage(key) || key;
}

document.documentElement.lang = chrome.i18n.getUILanguage();
for (const node of document.querySelectorAll("[data-i18n]")) {
  node.textContent = t(/** @type {HTMLElement} */ (node).dataset.i18n ?? "");
}

const form = /** @type {HTMLFormElement} */ (el("form"));
const pinInput = /** @type {HTMLInputElement} */ (el("pin"));
let mode = "pin";

port.onMessage.addListener((msg) => {
  if (!msg || msg.type !== "display") {
    window.close();
    return;
  }
  /** @type {import("./background/pin-window.js").PinDisplay} */
  const d = msg.display;
  el("origin").textContent = d.origin;
  el("operation").textContent = t(d.operation);
  el("subject").textContent = d.subject ?? t("unknown");
  el("token").textContent = d.token_label ?? t("unknown");
  if (d.confirm_only) mode = "confirm";
  else if (d.pin_pad) mode = "pinpad";
  el("title").textContent = t(mode === "pin" ? "pinTitle" : "confirmTitle");
  document.title = el("title").textContent ?? "certrenew";
  if (mode !== "confirm" && (d.pin_final_try || d.pin_count_low)) {
    const w = el("warning");
    w.textContent = t(d.pin_final_try ? "warnFinalTry" : "warnCountLow");
    w.hidden = false;
  }
  el("pinpad").hidden = mode !== "pinpad";
  el("confirm").hidden = mode !== "confirm";
  el("pin-row").hidden = mode !== "pin";
  el("ok").hidden = mode === "pinpad";
  form.hidden = false;
  if (mode === "pin") pinInput.focus();
  else el(mode === "confirm" ? "ok" : "cancel").focus();
});

port.onDisconnect.addListener(() => window.close());

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (mode === "pin") {
    const pin = pinInput.value;
    if (pin.length === 0) {
      pinInput.focus();
      return;
    }
    pinInput.value = "";
    port.postMessage({ type: "pin", pin });
  } else if (mode === "confirm") {
    port.postMessage({ type: "ok" });
  }
});

el("cancel").addEventListener("click", () => {
  port.postMessage({ type: "cancel" });
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") port.postMessage({ type: "cancel" });
});
