import { parseTopic, type Topic } from "../domain/topic.js";

/**
 * Every NATS subject Herald uses, built in one place and versioned. Ids may
 * hold characters NATS subjects cannot ('.', '*', '>', spaces), so they
 * travel base64url-encoded.
 */
const PREFIX = "herald.v1";

function token(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url") || "_";
}

export const Subjects = {
  /**
   * A topic's events: `herald.v1.<kind>.<base64url id>`. For a user's inbox
   * (`user:<id>`) that is `herald.v1.user.<base64url user id>`, as before topics.
   */
  topic(topic: Topic): string {
    const t = parseTopic(topic);
    if (!t) throw new Error(`not a topic: ${topic}`);
    return `${PREFIX}.${t.kind}.${token(t.id)}`;
  },
  /** Per-user connection counting across nodes (request, every node replies). */
  presence: (userId: string) => `${PREFIX}.presence.${token(userId)}`,
  presenceWildcard: `${PREFIX}.presence.*`,
  /** Which of a list of users hold a connection (request with a JSON array; every node replies with those it holds). */
  connected: `${PREFIX}.connected`,
  /** The user id of a presence subject. */
  presenceUser: (subject: string) => Buffer.from(subject.slice(`${PREFIX}.presence.`.length), "base64url").toString("utf8"),
} as const;
