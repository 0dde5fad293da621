import type { RoomEvent, RoomMessage, RoomSubscription } from "@herald/client";
import { type Announcer, describeError } from "./announcer.js";
import { compareSeq, h, show } from "./dom.js";
import { fillMessage, type MessageActions, renderMessage, senderName } from "./room-message.js";

/** Messages of history shown on join (and on a reset). */
export const HISTORY_SIZE = 50;

let panelCounter = 0;

interface Shown {
  m: RoomMessage;
  li: HTMLLIElement;
}

/**
 * One joined room: its messages (oldest first, newest at the bottom) with
 * live new messages, edits and deletes; who is typing; how many are present;
 * a composer (publishing where the room lets members publish), Edit and
 * Delete on the user's own messages; Leave.
 */
export class RoomPanel {
  readonly element: HTMLElement;
  readonly #sub: RoomSubscription;
  readonly #me: string;
  readonly #announcer: Announcer;
  readonly #shown = new Map<string, Shown>();
  readonly #deleted = new Set<string>();
  readonly #typing = new Set<string>();
  readonly #list: HTMLOListElement;
  readonly #typingLine: HTMLElement;
  readonly #presence: HTMLElement;
  readonly #error: HTMLElement;
  readonly #actions: MessageActions;
  #offs: Array<() => void> = [];

  constructor(sub: RoomSubscription, me: string, announcer: Announcer, onLeft: (panel: RoomPanel) => void) {
    this.#sub = sub;
    this.#me = me;
    this.#announcer = announcer;
    const n = ++panelCounter;
    // New messages are announced by the Announcer (sender, room, text), so the list itself is not a live region.
    this.#list = h("ol", { class: "messages", "aria-label": `Messages in ${sub.roomId}` });
    this.#typingLine = h("p", { class: "typing", "aria-live": "polite" });
    this.#presence = h("p", { class: "presence" });
    this.#error = h("p", { class: "room-error", role: "alert", hidden: true });
    this.#actions = { save: (id, text) => this.#save(id, text), remove: (id) => void this.#remove(id) };
    const input = h("input", { id: `compose-${n}`, name: "text", autocomplete: "off", required: true, maxlength: 4000 });
    input.addEventListener("input", () => this.#sub.typing());
    const compose = h(
      "form",
      {
        class: "compose",
        onsubmit: (e: Event) => {
          e.preventDefault();
          void this.#publish(input);
        },
      },
      h("label", { for: `compose-${n}` }, `Message to ${sub.roomId}`),
      h("div", { class: "row" }, input, h("button", { type: "submit" }, "Send")),
    );
    const leave = h("button", { type: "button", class: "secondary leave", "aria-label": `Leave ${sub.roomId}` }, "Leave");
    leave.addEventListener("click", () => void this.#leave(onLeft));
    this.element = h(
      "section",
      { class: "room", "data-room": sub.roomId, "aria-labelledby": `room-${n}` },
      h("div", { class: "room-head" }, h("h3", { id: `room-${n}` }, sub.roomId), this.#presence, leave),
      this.#list,
      this.#typingLine,
      this.#error,
      compose,
    );
  }

  /** Subscribes to the room's pushes and loads its history and presence. */
  async start(): Promise<void> {
    const s = this.#sub;
    this.#offs = [
      s.on("message", (e: RoomEvent) => this.#apply(e)),
      s.on("update", (e: RoomEvent) => this.#apply(e)),
      s.on("delete", (e: RoomEvent) => e.message && this.#delete(e.message.messageId)),
      s.on("typing", (e) => this.#onTyping(e.userId, e.typing)),
      s.on("presence", (e) => this.#showPresence(e.userCount)),
      s.on("reset", () => void this.#loadHistory()),
      s.on("unsubscribed", (e) => this.#fail(`You were removed from this room (${e.reason}).`)),
    ];
    await Promise.all([this.#loadHistory(), this.#loadPresence()]);
  }

  /** Stops listening (the subscription itself is left by `leave`). */
  dispose(): void {
    for (const off of this.#offs) off();
    this.#offs = [];
  }

  async #loadHistory(): Promise<void> {
    try {
      const page = await this.#sub.history({ limit: HISTORY_SIZE });
      for (const m of page.messages ?? []) this.#upsert(m);
    } catch (err) {
      this.#fail(`Could not load the history: ${describeError(err)}`);
    }
  }

  async #loadPresence(): Promise<void> {
    try {
      const p = await this.#sub.presence();
      this.#showPresence(p.userCount);
    } catch {
      show(this.#presence, false); // presence is off in this room
    }
  }

  #apply(e: RoomEvent): void {
    const m = e.message;
    if (!m) return;
    if (m.deleted) this.#delete(m.messageId);
    else {
      const isNew = !this.#shown.has(m.messageId) && !this.#deleted.has(m.messageId);
      this.#upsert(m);
      if (isNew && m.senderId !== this.#me)
        this.#announcer.say(`${senderName(m)} in ${this.#sub.roomId}: ${m.content?.text ?? "a message"}`);
    }
  }

  /** Shows a message, or its newer version; never brings back a deleted one. */
  #upsert(m: RoomMessage): void {
    if (m.deleted) return this.#delete(m.messageId);
    if (this.#deleted.has(m.messageId)) return;
    const shown = this.#shown.get(m.messageId);
    const own = Boolean(this.#me) && m.senderId === this.#me;
    if (shown) {
      if ((m.updateTime ?? "") < (shown.m.updateTime ?? "")) return; // an older version (history read before an edit)
      shown.m = m;
      fillMessage(shown.li, m, own, this.#actions);
      return;
    }
    const li = renderMessage(m, own, this.#actions);
    this.#shown.set(m.messageId, { m, li });
    let before: Element | null = null;
    for (const row of this.#list.children)
      if (compareSeq((row as HTMLElement).dataset.seq, m.seq) > 0) {
        before = row;
        break;
      }
    const atBottom = this.#list.scrollHeight - this.#list.scrollTop - this.#list.clientHeight < 40;
    this.#list.insertBefore(li, before);
    if (atBottom && before === null) this.#list.scrollTop = this.#list.scrollHeight;
  }

  #delete(messageId: string): void {
    this.#deleted.add(messageId);
    const shown = this.#shown.get(messageId);
    if (!shown) return;
    shown.li.remove();
    this.#shown.delete(messageId);
  }

  #onTyping(userId: string, typing: boolean | undefined): void {
    if (userId === this.#me) return;
    if (typing) this.#typing.add(userId);
    else this.#typing.delete(userId);
    const who = [...this.#typing].sort();
    this.#typingLine.textContent =
      who.length === 0 ? "" : who.length === 1 ? `${who[0]} is typing…` : `${who.slice(0, -1).join(", ")} and ${who.at(-1)} are typing…`;
  }

  #showPresence(count: number): void {
    this.#presence.textContent = `${count} present`;
    this.#presence.dataset.count = String(count);
    show(this.#presence, true);
  }

  #fail(text: string): void {
    this.#error.textContent = text;
    show(this.#error, true);
  }

  async #publish(input: HTMLInputElement): Promise<void> {
    const text = input.value.trim();
    if (!text) return;
    try {
      await this.#sub.publish({ text });
      input.value = "";
      show(this.#error, false);
    } catch (err) {
      this.#fail(`Could not send: ${describeError(err)}`);
    }
  }

  async #save(messageId: string, text: string): Promise<boolean> {
    try {
      await this.#sub.update(messageId, { text });
      return true;
    } catch (err) {
      this.#fail(`Could not edit: ${describeError(err)}`);
      return false;
    }
  }

  async #remove(messageId: string): Promise<void> {
    try {
      await this.#sub.remove(messageId);
      this.#delete(messageId);
    } catch (err) {
      this.#fail(`Could not delete: ${describeError(err)}`);
    }
  }

  async #leave(onLeft: (panel: RoomPanel) => void): Promise<void> {
    this.dispose();
    try {
      await this.#sub.leave();
    } catch {
      // already gone (connection closed): leaving the page's panel is all that is left
    }
    onLeft(this);
  }
}
