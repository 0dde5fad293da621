/**
 * Every NATS subject Herald uses, built in one place and versioned. User ids
 * may hold characters NATS subjects cannot ('.', '*', '>', spaces), so they
 * travel base64url-encoded.
 */
const PREFIX = "herald.v1";

function token(userId: string): string {
  return Buffer.from(userId, "utf8").toString("base64url") || "_";
}

export const Subjects = {
  /** Per-user events: notifications, state sync, close commands, connection announcements. */
  user: (userId: string) => `${PREFIX}.user.${token(userId)}`,
  /** Per-user connection counting across nodes (request, every node replies). */
  presence: (userId: string) => `${PREFIX}.presence.${token(userId)}`,
  presenceWildcard: `${PREFIX}.presence.*`,
} as const;
