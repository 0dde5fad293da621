import type { Notification } from "@herald/client";
import { contentText, formatTime, h } from "./dom.js";

/** What an inbox row's buttons do. */
export interface InboxItemActions {
  markRead(id: string): void;
  remove(id: string): void;
}

/** A notification's title: its subject, else its code. */
export function titleOf(n: Notification): string {
  return n.subject || `Notification ${n.code ?? 0}`;
}

/** True when the notification is stored (has a seq); ephemeral ones are shown until the page closes. */
export function isStored(n: Notification): boolean {
  return Boolean(n.seq) && n.seq !== "0";
}

/**
 * One inbox row: subject, content, time and sender, read state, and its
 * buttons (Mark read while unread, Delete). `data-id` and `data-seq` name it.
 */
export function renderInboxItem(n: Notification, actions: InboxItemActions): HTMLLIElement {
  const title = titleOf(n);
  const unread = !n.readTime;
  const stored = isStored(n);
  const meta = [formatTime(n.createTime), n.senderId ? `from ${n.senderId}` : "", stored ? "" : "live only"].filter(Boolean).join(" · ");
  const li = h(
    "li",
    { class: `notification${unread ? " unread" : ""}`, "data-id": n.id, "data-seq": n.seq || "0" },
    h("div", { class: "subject" }, title),
    contentText(n.content) ? h("div", { class: "body" }, contentText(n.content)) : null,
    h(
      "div",
      { class: "meta" },
      n.createTime ? h("time", { datetime: n.createTime }, meta) : meta,
      " · ",
      h("span", { class: "state" }, unread ? "Unread" : "Read"),
    ),
    h(
      "div",
      { class: "actions" },
      unread && stored
        ? h(
            "button",
            { type: "button", class: "secondary mark-read", "aria-label": `Mark read: ${title}`, onclick: () => actions.markRead(n.id) },
            "Mark read",
          )
        : null,
      stored
        ? h(
            "button",
            { type: "button", class: "danger delete", "aria-label": `Delete: ${title}`, onclick: () => actions.remove(n.id) },
            "Delete",
          )
        : null,
    ),
  );
  return li;
}

/** Turns a row into its read form in place (keeps focus order sane: the Delete button stays). */
export function markItemRead(li: HTMLLIElement): void {
  li.classList.remove("unread");
  const state = li.querySelector(".state");
  if (state) state.textContent = "Read";
  const button = li.querySelector<HTMLButtonElement>("button.mark-read");
  if (button) {
    // Move focus to the row's next control rather than losing it with the removed button.
    if (document.activeElement === button) li.querySelector<HTMLButtonElement>("button.delete")?.focus();
    button.remove();
  }
}
