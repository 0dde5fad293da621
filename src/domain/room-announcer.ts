import type { InboxService } from "./inbox-service.js";
import type { Logger } from "./logger.js";
import { SystemCode } from "./notification.js";
import type { Broker, PresenceDirectory } from "./ports.js";
import type { Room, RoomMessage } from "./room.js";
import type { RoomStore } from "./room-ports.js";
import { userTopic } from "./topic.js";

/** Members read per page. */
const PAGE = 1000;

/**
 * Tells a room's members (but the sender) of a new stored message, a page of
 * 1,000 members at a time: MinChat's `chat`, a light `room_activity` on each
 * member's user topic (their connections that have not joined the room show
 * it); and, in a room with `notifyOffline`, a stored ROOM_MESSAGE notification
 * for each member with no connection on any node (the directory's best
 * effort). Failures are logged: the message itself is stored and published.
 */
export class RoomAnnouncer {
  readonly #members: Pick<RoomStore, "listMembers">;
  readonly #broker: Broker;
  readonly #inbox: Pick<InboxService, "emitSystemMany">;
  readonly #directory: Pick<PresenceDirectory, "connectedAmong">;
  readonly #log: Logger;

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

  async announce(m: RoomMessage, room: Room): Promise<void> {
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
        if (room.options.notifyOffline && ids.length > 0) await this.#notifyOffline(m, ids);
        if (page.length < PAGE) return;
        after = page[page.length - 1]!;
      }
    } catch (err) {
      this.#log.warn({ err, roomId: m.roomId }, "telling the room's members of a message failed");
    }
  }

  async #notifyOffline(m: RoomMessage, members: string[]): Promise<void> {
    const connected = await this.#directory.connectedAmong(members);
    const offline = members.filter((u) => !connected.has(u));
    const content = { room_id: m.roomId, message_id: m.id, seq: m.seq, sender_id: m.senderId, content: m.content };
    await this.#inbox.emitSystemMany(offline, SystemCode.ROOM_MESSAGE, content);
  }
}
