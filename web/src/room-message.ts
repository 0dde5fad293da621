import type { RoomMessage } from "@herald/client";
import { contentText, formatTime, h } from "./dom.js";

/** What a message row's buttons do (own messages only). */
export interface MessageActions {
  save(messageId: string, text: string): Promise<boolean>;
  remove(messageId: string): void;
}

let editCounter = 0;

/** The text a room message shows; a backend's message (no sender) is "server". */
export function senderName(m: RoomMessage): string {
  return m.senderId || "server";
}

/**
 * One room message: sender, time, "(edited)" once updated, its text, and for
 * the user's own messages Edit and Delete buttons (Edit opens an inline form:
 * Enter or Save saves, Escape or Cancel cancels).
 */
export function renderMessage(m: RoomMessage, own: boolean, actions: MessageActions): HTMLLIElement {
  const li = h("li", { class: own ? "message own" : "message", "data-message-id": m.messageId, "data-seq": m.seq || "0" });
  fillMessage(li, m, own, actions);
  return li;
}

/** Re-renders a row in place with the message's current content. */
export function fillMessage(li: HTMLLIElement, m: RoomMessage, own: boolean, actions: MessageActions): void {
  const edited = Boolean(m.updateTime && m.createTime && m.updateTime !== m.createTime);
  const text = h("div", { class: "text" }, contentText(m.content));
  const buttons = own
    ? h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary edit", onclick: () => openEditor(li, text, m, actions) }, "Edit"),
        h("button", { type: "button", class: "danger delete", onclick: () => actions.remove(m.messageId) }, "Delete"),
      )
    : null;
  li.replaceChildren(
    h(
      "div",
      { class: "meta" },
      h("span", { class: "sender" }, senderName(m)),
      " · ",
      m.createTime ? h("time", { datetime: m.createTime }, formatTime(m.createTime)) : "",
      edited ? h("span", { class: "edited" }, " (edited)") : null,
    ),
    text,
    ...(buttons ? [buttons] : []),
  );
}

function openEditor(li: HTMLLIElement, text: HTMLElement, m: RoomMessage, actions: MessageActions): void {
  if (li.querySelector(".edit-form")) return;
  const id = `edit-${++editCounter}`;
  const input = h("input", { id, name: "text", value: contentText(m.content), autocomplete: "off" });
  const cancel = () => {
    form.remove();
    text.hidden = false;
    li.querySelector<HTMLButtonElement>("button.edit")?.focus();
  };
  const form = h(
    "form",
    {
      class: "edit-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void actions.save(m.messageId, input.value).then((ok) => ok && form.isConnected && cancel());
      },
    },
    h("label", { for: id, class: "visually-hidden" }, "Edit message"),
    input,
    h("button", { type: "submit" }, "Save"),
    h("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel"),
  );
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") cancel();
  });
  text.hidden = true;
  text.after(form);
  input.focus();
}
