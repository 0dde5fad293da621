import { RequestStrategy } from "nats";
import type { PresenceDirectory } from "../domain/ports.js";
import type { Logger } from "../logger.js";
import type { NatsLink } from "./nats-link.js";
import { Subjects } from "./subjects.js";

// Every other node answers a presence request at once: wait up to 100 ms for
// the first answer, then stop once 15 ms pass without another.
const PRESENCE_MAX_WAIT_MS = 100;
const PRESENCE_JITTER_MS = 15;

/**
 * Connection counts across nodes over NATS: a node asks on the user's
 * presence subject and every other node answers with its own count (request
 * and reply, nothing kept). Answers from the moment it is constructed.
 */
export class NatsPresence implements PresenceDirectory {
  readonly #link: NatsLink;
  readonly #log: Logger;
  #count: (userId: string) => number = () => 0;

  constructor(options: { link: NatsLink; log: Logger }) {
    this.#link = options.link;
    this.#log = options.log;
    this.#link.connection.subscribe(Subjects.presenceWildcard, {
      callback: (err, msg) => {
        if (err) return;
        msg.respond(new TextEncoder().encode(String(this.#count(Subjects.presenceUser(msg.subject)))));
      },
    });
    this.#link.connection.subscribe(Subjects.connected, {
      callback: (err, msg) => {
        if (err) return;
        msg.respond(new TextEncoder().encode(JSON.stringify(this.#held(decodeIds(msg.data)))));
      },
    });
  }

  async connectedAmong(userIds: string[]): Promise<Set<string>> {
    const found = new Set(this.#held(userIds));
    const rest = userIds.filter((u) => !found.has(u));
    if (rest.length === 0) return found;
    try {
      const replies = await this.#link.connection.requestMany(Subjects.connected, new TextEncoder().encode(JSON.stringify(rest)), {
        strategy: RequestStrategy.JitterTimer,
        maxWait: PRESENCE_MAX_WAIT_MS,
        jitter: PRESENCE_JITTER_MS,
      });
      for await (const m of replies) for (const u of decodeIds(m.data)) found.add(u);
    } catch (err) {
      this.#log.debug({ err }, "connected-users request failed; counting local connections only");
    }
    return found;
  }

  #held(userIds: string[]): string[] {
    return userIds.filter((u) => this.#count(u) > 0);
  }

  async remoteConnectionCount(userId: string): Promise<number> {
    try {
      const replies = await this.#link.connection.requestMany(Subjects.presence(userId), new Uint8Array(), {
        strategy: RequestStrategy.JitterTimer,
        maxWait: PRESENCE_MAX_WAIT_MS,
        jitter: PRESENCE_JITTER_MS,
      });
      let n = 0;
      for await (const m of replies) {
        const v = Number(new TextDecoder().decode(m.data));
        if (Number.isInteger(v) && v > 0) n += v;
      }
      return n;
    } catch (err) {
      this.#log.debug({ err }, "presence request failed; counting local connections only");
      return 0;
    }
  }

  provide(count: (userId: string) => number): void {
    this.#count = count;
  }
}

/** A JSON array of strings from another node; anything else reads as none. */
function decodeIds(data: Uint8Array): string[] {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(data));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}
