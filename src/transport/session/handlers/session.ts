import type { OperationTable } from "../operation.js";
import { encodeFrame } from "../server-frames.js";

/**
 * The operations of the session itself: `authenticate` (the session's state
 * machine, which sends its own reply) and `ping` (a round-trip check), both
 * allowed before authentication, and `refresh` (a new token for the open
 * session).
 */
export const SESSION_OPERATIONS = {
  authenticate: {
    fields: { token: "string", lastSeq: "int64", resume: "bool", inboxFilter: "struct" },
    beforeAuth: true,
    async handle(s, id, value) {
      await s.authenticate(id, value);
      return null;
    },
  },
  ping: {
    fields: {},
    beforeAuth: true,
    async handle(_s, id) {
      return encodeFrame(id, { $case: "ping", value: { serverTime: new Date().toISOString() } });
    },
  },
  refresh: {
    fields: { token: "string" },
    async handle(s, id, value) {
      return encodeFrame(id, { $case: "refresh", value: await s.refresh(value.token) });
    },
  },
} satisfies Pick<OperationTable, "authenticate" | "ping" | "refresh">;
