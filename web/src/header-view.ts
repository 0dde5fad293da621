import type { ConnectionState, Herald } from "@herald/client";
import { byId, show } from "./dom.js";

const STATE_TEXT: Record<ConnectionState, string> = {
  connected: "Connected",
  connecting: "Connecting…",
  suspended: "Offline: retrying",
  disconnected: "Disconnected",
};

/**
 * The top bar: connection state (a status region), who is signed in, and the
 * bell with the unread badge, which takes the keyboard to the inbox. The
 * document title carries the unread count too.
 */
export class HeaderView {
  readonly #herald: Herald;
  readonly #connection = byId("connection");
  readonly #bell = byId<HTMLButtonElement>("bell");
  readonly #badge = byId("badge");
  readonly #who = byId("who");

  constructor(herald: Herald) {
    this.#herald = herald;
  }

  start(): void {
    this.#herald.on("state", (e) => this.#showState(e.current));
    this.#herald.on("state", () => this.#showUser());
    this.#herald.on("unread", (count) => this.#showUnread(count));
    this.#bell.disabled = false;
    this.#bell.addEventListener("click", () => {
      const heading = byId("inbox-heading");
      heading.scrollIntoView({ block: "start" });
      heading.focus();
    });
    this.#showState(this.#herald.state);
    this.#showUnread(this.#herald.unreadCount);
    this.#showUser();
  }

  #wasConnected = false;

  #showState(state: ConnectionState): void {
    this.#connection.dataset.state = state;
    this.#connection.textContent = state === "connecting" && this.#wasConnected ? "Reconnecting…" : (STATE_TEXT[state] ?? state);
    if (state === "connected") this.#wasConnected = true;
  }

  #showUser(): void {
    const user = this.#herald.userId;
    if (user) this.#who.textContent = `Signed in as ${user}`;
    show(this.#who, Boolean(user));
  }

  #showUnread(count: number): void {
    this.#badge.textContent = count > 99 ? "99+" : String(count);
    show(this.#badge, count > 0);
    this.#bell.setAttribute("aria-label", `Notifications, ${count} unread`);
    this.#bell.dataset.unread = String(count);
    document.title = count > 0 ? `(${count}) Herald inbox` : "Herald inbox";
  }
}
