import type { InboxService } from "./inbox-service.js";
import { SystemCode } from "./notification.js";
import type { BanStore, Broker } from "./ports.js";
import { userTopic } from "./topic.js";
import { checkReason, checkUserId } from "./validate.js";

/**
 * The operator's actions on a user, shared by gRPC and WebSocket sessions:
 * disconnect, ban, unban, and the ban check a new session makes. Each action
 * leaves a system notification in the user's inbox (InboxService.emitSystem)
 * before it closes the user's connections, on every node, through the broker.
 */
export class ModerationService {
  readonly #inbox: InboxService;
  readonly #bans: BanStore;
  readonly #broker: Broker;

  constructor(options: { inbox: InboxService; bans: BanStore; broker: Broker }) {
    this.#inbox = options.inbox;
    this.#bans = options.bans;
    this.#broker = options.broker;
  }

  /** Stores a DISCONNECTED notification, then closes the user's connections everywhere. */
  async disconnect(userId: string, reason: string): Promise<string> {
    checkUserId("user_id", userId);
    checkReason("reason", reason);
    const id = await this.#inbox.emitSystem(userId, SystemCode.DISCONNECTED, reason);
    await this.#broker.publish(userTopic(userId), {
      kind: "close",
      close: { kind: "disconnected", reason: reason || "disconnected by the server", exceptSessionIds: [], sessionIds: [] },
    });
    return id;
  }

  /** Records the ban, stores a BANNED notification, then closes every connection. */
  async ban(userId: string, reason: string): Promise<string> {
    checkUserId("user_id", userId);
    checkReason("reason", reason);
    await this.#bans.ban(userId, reason);
    const id = await this.#inbox.emitSystem(userId, SystemCode.BANNED, reason);
    await this.#broker.publish(userTopic(userId), {
      kind: "close",
      close: { kind: "banned", reason: "banned", exceptSessionIds: [], sessionIds: [] },
    });
    return id;
  }

  /** Returns the UNBANNED notification's id, or "" when the user was not banned. */
  async unban(userId: string): Promise<string> {
    checkUserId("user_id", userId);
    if (!(await this.#bans.unban(userId))) return "";
    return this.#inbox.emitSystem(userId, SystemCode.UNBANNED, "");
  }

  /** Whether a session of `userId` must be refused. */
  isBanned(userId: string): Promise<boolean> {
    return this.#bans.isBanned(userId);
  }
}
