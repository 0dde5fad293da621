import type { InboxService } from "./inbox-service.js";
import type { Logger } from "./logger.js";
import { SystemCode } from "./notification.js";
import type { Broker, PresenceDirectory } from "./ports.js";
import type { Room, RoomMessage } from "./room.js";
import type { RoomStore } from "./room-ports.js";
import { userTopic } from "./topic.js";

/** Members read per page. */
const PAGE = 1000;
/** Rooms announced at once, node-wide. */
const MAX_RUNNING = 2;

interface Pending {
  room: Room;
  /** The newest message not announced yet. */
  latest: RoomMessage;
  /** Messages it stands for. */
  count: number;
}

/**
 * Tells a room's members (but the sender) of a new stored message, a page of
 * 1,000 members at a time: MinChat's `chat`, a light `room_activity` on each
 * member's user topic (their connections that have not joined the room show
 * it); and, in a room with `notifyOffline`, a stored ROOM_MESSAGE notification
 * for each member with no connection on any node (the directory's best
 * effort). Failures are logged: the message itself is stored and published.
 *
 * The cost is bounded per room, not per message: at most `MAX_RUNNING` rooms
 * are announced at once, and the messages of a room that arrive while it
 * waits or runs are announced together, as their newest one (`room_activity`
 * names the newest message and seq; a ROOM_MESSAGE's `count` says how many
 * messages it stands for). A burst of 1,000 messages into a room of 10,000
 * members costs a few member pages, not ten million publishes.
 */
export class RoomAnnouncer {
  readonly #members: Pick<RoomStore, "listMembers">;
  readonly #broker: Broker;
  readonly #inbox: Pick<InboxService, "emitSystemMany">;
  readonly #directory: Pick<PresenceDirectory, "connectedAmong">;
  readonly #log: Logger;
  readonly #pending = new Map<string, Pending>();
  /** Rooms with a pending announcement, in arrival order (a room at most once). */
  readonly #queue: string[] = [];
  #running = 0;

  constructor(options: {
    members: Pick<RoomStore, "listMembers">;
    broker: Broker;
    inbox: Pick<InboxService, "emitSystemMany">;
    directory: Pick<PresenceDirectory, "connectedAmong">;
    logger: Logger;
  }) {
    this.#members = options.members;
    this.#broker = options.broker;
    this.#inbox = options.inbox;
    this.#directory = options.directory;
    this.#log = options.logger;
  }

  /** Queues the announcement of a stored message (merged with the room's pending one). */
  announce(m: RoomMessage, room: Room): void {
    const p = this.#pending.get(m.roomId);
    if (p) {
      if (m.seq > p.latest.seq) p.latest = m;
      p.room = room;
      p.count++;
      return;
    }
    this.#pending.set(m.roomId, { room, latest: m, count: 1 });
    this.#queue.push(m.roomId);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < MAX_RUNNING && this.#queue.length > 0) {
      const roomId = this.#queue.shift()!;
      const p = this.#pending.get(roomId)!;
      this.#pending.delete(roomId);
      this.#running++;
      void this.#run(p.latest, p.room, p.count).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #run(m: RoomMessage, room: Room, count: number): Promise<void> {
    try {
      let after = "";
      for (;;) {
        const page = await this.#members.listMembers(m.roomId, after, PAGE);
        const ids = page.filter((u) => u !== m.senderId);
        for (const userId of ids) {
          void this.#broker
            .publish(userTopic(userId), { kind: "room_activity", roomId: m.roomId, messageId: m.id, seq: m.seq, senderId: m.senderId })
            .catch(() => {});
        }
        if (room.options.notifyOffline && ids.length > 0) await this.#notifyOffline(m, count, ids);
        if (page.length < PAGE) return;
        after = page[page.length - 1]!;
      }
    } catch (err) {
      this.#log.warn({ err, roomId: m.roomId }, "telling the room's members of a message failed");
    }
  }

  async #notifyOffline(m: RoomMessage, count: number, members: string[]): Promise<void> {
    const connected = await this.#directory.connectedAmong(members);
    const offline = members.filter((u) => !connected.has(u));
    const content = { room_id: m.roomId, message_id: m.id, seq: m.seq, sender_id: m.senderId, content: m.content, count };
    await this.#inbox.emitSystemMany(offline, SystemCode.ROOM_MESSAGE, content);
  }
}
