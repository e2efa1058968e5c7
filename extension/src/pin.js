// @ts-check
/**
 * The PIN window (pin.html?req=<id>). It connects to the service worker over a port named
 * "pin:<req>" and sends back {type:"pin", pin}, {type:"ok"} or {type:"cancel"}.
 * Closing the window closes the port: the service worker takes that as a cancel.
 *
 * Keyjacking guard: a page can open this window at a moment of its choosing (while the
 * user types or clicks on it). So OK and the PIN field stay dead until the window has
 * been shown, visible and focused for CONFIG.INPUT_DELAY_MS with no input meanwhile;
 * any key or click in that time starts the wait again, losing focus or visibility ends
 * it. OK never gets focus; the PIN field gets it only once the wait is over. Cancel and
 * Escape work at once (cancelling is always safe).
 */
import { CONFIG } from "./config.js";
import { formatTime } from "./background/certificate.js";

const req = new URLSearchParams(location.search).get("req") ?? "";
const port = chrome.runtime.connect({ name: `pin:${req}` });

/** @param {string} id */
function el(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e;
}

/** @param {string} key @param {string[]} [subs] */
function t(key, subs) {
  return chrome.i18n.getMessage(key, subs) || key;
}

document.documentElement.lang = chrome.i18n.getUILanguage();
for (const node of document.querySelectorAll("[data-i18n]")) {
  node.textContent = t(/** @type {HTMLElement} */ (node).dataset.i18n ?? "");
}

const form = /** @type {HTMLFormElement} */ (el("form"));
const pinInput = /** @type {HTMLInputElement} */ (el("pin"));
const okButton = /** @type {HTMLButtonElement} */ (el("ok"));
const cancelButton = el("cancel");
let mode = "pin";
let shown = false;

// --- keyjacking guard -------------------------------------------------------------

let armed = false;
let pinFocused = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let armTimer;

/** Input is dead from now on (until armLater's wait is over). */
function disarm() {
  armed = false;
  clearTimeout(armTimer);
  okButton.disabled = true;
  pinInput.readOnly = true;
  document.body.dataset.armed = "false";
}

/** Starts (again) the wait after which input is taken. */
function armLater() {
  disarm();
  if (!shown || document.visibilityState !== "visible") return;
  armTimer = setTimeout(arm, CONFIG.INPUT_DELAY_MS);
}

function arm() {
  // Not focused (the OS kept focus elsewhere): stay deaf; the `focus` event starts the wait
  // then, so the click that brings the window forward cannot also press OK.
  if (!shown || document.visibilityState !== "visible" || !document.hasFocus()) return;
  armed = true;
  okButton.disabled = false;
  pinInput.readOnly = false;
  document.body.dataset.armed = "true";
  // Only the PIN field, only once, only now: keys typed for the page before could not reach it.
  if (mode === "pin" && !pinFocused) {
    pinFocused = true;
    pinInput.focus();
  }
}

/** @param {Event} event */
function isCancel(event) {
  return event.target === cancelButton || (event instanceof KeyboardEvent && event.key === "Escape");
}

/** Swallows input that arrives before the wait is over, and restarts the wait. @param {Event} event */
function guard(event) {
  if (armed || isCancel(event)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  armLater();
}

for (const type of ["keydown", "keypress", "keyup", "beforeinput", "paste", "drop", "pointerdown", "mousedown", "click", "dblclick"]) {
  window.addEventListener(type, guard, { capture: true });
}
window.addEventListener("blur", disarm);
window.addEventListener("focus", armLater);
document.addEventListener("visibilitychange", () => (document.visibilityState === "visible" ? armLater() : disarm()));
disarm();

// --- display ------------------------------------------------------------------------

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
  if (d.algorithm === "sm2") {
    el("algorithm").textContent = t("algorithmSm2");
    el("algorithm").hidden = el("algorithm-label").hidden = false;
  }
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
  if (d.retire) showRetire(d.retire);
  if (d.added) showDual(d);
  el("pinpad").hidden = mode !== "pinpad";
  el("confirm").hidden = mode !== "confirm";
  el("pin-row").hidden = mode !== "pin";
  okButton.hidden = mode === "pinpad";
  form.hidden = false;
  shown = true;
  if (mode === "pinpad") cancelButton.focus();
  armLater();
});

/**
 * Says in words which certificate and key install_certificate's `retire` deletes.
 * @param {import("./background/certificate.js").RetireDisplay} r
 */
function showRetire(r) {
  const unknown = t("unknown");
  el("retire-cn").textContent = r.cn ?? r.subject ?? unknown;
  el("retire-o").textContent = r.o ?? unknown;
  el("retire-serial").textContent = r.serial ?? unknown;
  el("retire-validity").textContent = t("retireValidity", [formatTime(r.not_before) ?? unknown, formatTime(r.not_after) ?? unknown]);
  el("retire-issuer").textContent = r.issuer ?? unknown;
  el("retire-key").textContent = r.key_id === null ? t("retireKeyNone") : t(r.key_kept ? "retireKeyKept" : "retireKeyDeleted", [r.key_id]);
  el("retire").hidden = false;
}

/**
 * Says what a dual install or a key recovery writes (the new signing and encryption
 * certificates), what it removes (the old signing certificate: the retire section, titled
 * for it) and what it keeps (the old encryption certificate and its key, as history).
 * @param {import("./background/pin-window.js").PinDisplay} d
 */
function showDual(d) {
  const added = /** @type {import("./background/certificate.js").AddedDisplay} */ (d.added);
  const short = (/** @type {string} */ sha) => sha.slice(0, 16);
  if (added.signing) {
    el("added-signing").textContent = t("addedSigning", [short(added.signing)]);
    el("added-signing").hidden = false;
  }
  el("added-encryption").textContent = t("addedEncryption", [short(added.encryption)]);
  el("added").hidden = false;
  if (d.retire) el("retire-title").textContent = t("retireTitleDual");
  const removed = d.removed ?? [];
  if (removed.length > 0) {
    const list = el("removed-history-list");
    for (const r of removed) {
      const li = document.createElement("li");
      li.dataset.sha256 = r.sha256;
      li.textContent = t("removedHistoryItem", [r.cn ?? r.subject ?? t("unknown"), r.serial ?? t("unknown"), formatTime(r.not_after) ?? t("unknown")]);
      list.append(li);
    }
    el("removed-history").hidden = false;
  }
  if (!d.retire && removed.length === 0) el("removed-none").hidden = false;
  if (d.kept) {
    const k = d.kept;
    const unknown = t("unknown");
    el("kept-cn").textContent = k.cn ?? k.subject ?? unknown;
    el("kept-serial").textContent = k.serial ?? unknown;
    el("kept-validity").textContent = t("retireValidity", [formatTime(k.not_before) ?? unknown, formatTime(k.not_after) ?? unknown]);
    el("kept-key").textContent = k.key_id === null ? t("retireKeyNone") : t("keptKey", [k.key_id]);
    el("kept-until").textContent = d.kept_until ? t("keptUntil", [formatTime(d.kept_until) ?? d.kept_until]) : t("keptForever");
    el("kept").hidden = false;
  }
}

port.onDisconnect.addListener(() => window.close());

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!armed) return; // a submit can only come from an armed window (guard + disabled OK)
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

cancelButton.addEventListener("click", () => {
  port.postMessage({ type: "cancel" });
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") port.postMessage({ type: "cancel" });
});
