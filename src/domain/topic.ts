/**
 * A stream that events are published to and subscribed on: one user's inbox
 * (`user:<user id>`) or a room (`room:<room id>`). A plain string, so that it keys maps
 * and travels as is; build one with `userTopic`, read one with `parseTopic`.
 */
export type TopicKind = "user" | "room";
export type Topic = `${TopicKind}:${string}`;

const KINDS: ReadonlySet<string> = new Set<TopicKind>(["user", "room"]);

/** The topic of one user's inbox: notifications, state sync, close commands, connection announcements. */
export function userTopic(userId: string): Topic {
  return `user:${userId}`;
}

/** The topic of one room: its events, typing, presence, and the end of subscriptions. */
export function roomTopic(roomId: string): Topic {
  return `room:${roomId}`;
}

/** Splits a topic into its kind and id; null for a string that is not a topic of a known kind. */
export function parseTopic(topic: string): { kind: TopicKind; id: string } | null {
  const colon = topic.indexOf(":");
  const kind = topic.slice(0, colon);
  if (colon < 0 || !KINDS.has(kind)) return null;
  return { kind: kind as TopicKind, id: topic.slice(colon + 1) };
}
