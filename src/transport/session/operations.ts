import { INBOX_OPERATIONS } from "./handlers/inbox.js";
import { ROOM_OPERATIONS } from "./handlers/rooms.js";
import { SESSION_OPERATIONS } from "./handlers/session.js";
import type { ClientOp, OpCase, Operation, OperationTable, RequestScope } from "./operation.js";

/**
 * Every client operation, one handler file per area; in the proto's order
 * (error messages list them so). A new operation of the `ClientFrame` oneof is
 * a compile error until its area's handler file has it.
 */
export const OPERATIONS: OperationTable = {
  authenticate: SESSION_OPERATIONS.authenticate,
  ...INBOX_OPERATIONS,
  ping: SESSION_OPERATIONS.ping,
  refresh: SESSION_OPERATIONS.refresh,
  ...ROOM_OPERATIONS,
};

/** Runs `op`'s handler (the one cast: TypeScript cannot correlate a union key with its table entry). */
export function runOperation(scope: RequestScope, id: number, op: ClientOp): Promise<string | null> {
  const entry = OPERATIONS[op.$case] as Operation<OpCase>;
  return entry.handle(scope, id, op.value as never);
}
