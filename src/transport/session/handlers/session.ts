import type { OperationTable } from "../operation.js";
import { encodeFrame } from "../server-frames.js";

/**
 * The operations of the session itself, allowed before authentication:
 * `authenticate` (the session's state machine, which sends its own reply)
 * and `ping` (a round-trip check).
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
} satisfies Pick<OperationTable, "authenticate" | "ping">;
