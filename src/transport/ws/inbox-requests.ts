import type { InboxService } from "../../domain/inbox-service.js";
import { checkMarkReadTarget } from "../../domain/validate.js";
import type { ClientFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import { pageToProto, queryFromProto, seqFromProto } from "../../codec/proto-convert.js";
import type { ReadBudget } from "./read-budget.js";
import { encodeFrame } from "./server-frames.js";

type InboxOp = Extract<NonNullable<ClientFrame["op"]>, { $case: "list" | "markRead" | "delete" | "ack" | "unreadCount" }>;

/**
 * The inbox operations of an authenticated connection: the same use cases as
 * gRPC, for the token's user only. Fields in errors are named by their frame
 * path (`list.limit`, `mark_read.ids`). Returns the reply frame's text.
 * A `list` is charged to the user's read budget (the reply's size) and
 * refused with `resource_exhausted` while that budget is spent.
 */
export async function handleInboxRequest(
  ctx: { inbox: InboxService; reads: ReadBudget },
  session: { userId: string; sessionId: string },
  id: number,
  op: InboxOp,
): Promise<string> {
  const { userId } = session;
  const { inbox } = ctx;
  const origin = { sessionId: session.sessionId };
  switch (op.$case) {
    case "list": {
      const query = queryFromProto(op.value, "list");
      const read = async () => encodeFrame(id, { $case: "list", value: pageToProto(await inbox.list(userId, query, "list")) });
      return ctx.reads.request(userId, read, (reply) => reply.length);
    }
    case "markRead": {
      const target = checkMarkReadTarget("mark_read.ids", op.value.ids, seqFromProto("mark_read.up_to_seq", op.value.upToSeq));
      const r = await inbox.markRead(userId, target, origin, "mark_read.ids");
      return encodeFrame(id, { $case: "markRead", value: { updatedCount: r.updatedCount, updatedIds: r.updatedIds, unreadCount: r.unreadCount } });
    }
    case "delete": {
      const r = await inbox.delete(userId, op.value.ids, origin, "delete.ids");
      return encodeFrame(id, { $case: "delete", value: { deletedCount: r.deletedIds.length, deletedIds: r.deletedIds, unreadCount: r.unreadCount } });
    }
    case "ack": {
      const n = await inbox.ack(userId, op.value.notificationIds, "ack.notification_ids");
      return encodeFrame(id, { $case: "ack", value: { acknowledgedCount: n } });
    }
    case "unreadCount":
      return encodeFrame(id, { $case: "unreadCount", value: { unreadCount: await inbox.unreadCount(userId) } });
  }
}
