import type { Herald, RoomSubscription } from "@herald/client";
import { type Announcer, describeError } from "./announcer.js";
import { byId, h } from "./dom.js";
import { RoomPanel } from "./room-panel.js";

/** An SDK or server error's snake_case code, if it has one. */
function codeOf(err: unknown): string | undefined {
  return err && typeof err === "object" && typeof (err as { code?: unknown }).code === "string"
    ? (err as { code: string }).code
    : undefined;
}

/**
 * The rooms panel: a form to join a room by id, a notice (with a Join button)
 * for each room of the user with new messages that is not joined here (the
 * SDK's `activity` event), and one RoomPanel per joined room. A join asks for
 * presence events and, in a room without presence (`failed_precondition`),
 * joins again without them.
 */
export class RoomsView {
  readonly #herald: Herald;
  readonly #announcer: Announcer;
  readonly #panels = new Map<string, RoomPanel>();
  readonly #container = byId("room-list");
  readonly #activity = byId<HTMLUListElement>("room-activity");
  readonly #notices = new Map<string, HTMLLIElement>();

  constructor(herald: Herald, announcer: Announcer) {
    this.#herald = herald;
    this.#announcer = announcer;
  }

  start(): void {
    const form = byId<HTMLFormElement>("join-form");
    const input = byId<HTMLInputElement>("join-room");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const roomId = input.value.trim();
      if (roomId) void this.join(roomId).then((ok) => ok && (input.value = ""));
    });
    this.#herald.on("activity", (a) => this.#notice(a.roomId));
  }

  /** Shows (once) that `roomId` has new messages, with a button to join it. */
  #notice(roomId: string): void {
    if (this.#panels.has(roomId) || this.#notices.has(roomId)) return;
    const li = h(
      "li",
      { class: "activity", "data-room": roomId },
      h("span", {}, `New messages in ${roomId}`),
      h("button", { type: "button", class: "secondary", onclick: () => void this.join(roomId) }, `Join ${roomId}`),
    );
    this.#notices.set(roomId, li);
    this.#activity.append(li);
    this.#announcer.say(`New messages in ${roomId}`);
  }

  /** Joins `roomId` and shows it; true on success. A room already shown is just focused. */
  async join(roomId: string): Promise<boolean> {
    const existing = this.#panels.get(roomId);
    if (existing) {
      existing.element.querySelector<HTMLInputElement>("input")?.focus();
      return true;
    }
    let sub: RoomSubscription;
    try {
      sub = await this.#joinWithPresence(roomId);
    } catch (err) {
      this.#announcer.error(`Could not join ${roomId}: ${describeError(err)}`);
      return false;
    }
    const panel = new RoomPanel(sub, this.#herald.userId ?? "", this.#announcer, (p) => {
      p.element.remove();
      this.#panels.delete(roomId);
      this.#announcer.say(`Left ${roomId}`);
      byId("join-room").focus();
    });
    this.#panels.set(roomId, panel);
    this.#notices.get(roomId)?.remove();
    this.#notices.delete(roomId);
    this.#container.prepend(panel.element);
    this.#announcer.say(`Joined ${roomId}`);
    await panel.start();
    return true;
  }

  async #joinWithPresence(roomId: string): Promise<RoomSubscription> {
    try {
      return await this.#herald.join(roomId, { presence: true });
    } catch (err) {
      if (codeOf(err) !== "failed_precondition") throw err;
      return this.#herald.join(roomId);
    }
  }
}
