import type { InboxService } from "../../domain/inbox-service.js";
import { checkMarkReadTarget } from "../../domain/validate.js";
import type { ClientFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import { pageToProto, queryFromProto, seqFromProto } from "../../codec/proto-convert.js";
import { encodeFrame } from "./server-frames.js";

type InboxOp = Extract<NonNullable<ClientFrame["op"]>, { $case: "list" | "markRead" | "delete" | "ack" | "unreadCount" }>;

/**
 * The inbox operations of an authenticated connection: the same use cases as
 * gRPC, for the token's user only. Fields in errors are named by their frame
 * path (`list.limit`, `mark_read.ids`). Returns the reply frame's text.
 */
export async function handleInboxRequest(
  inbox: InboxService,
  session: { userId: string; sessionId: string },
  id: number,
  op: InboxOp,
): Promise<string> {
  const { userId } = session;
  const origin = { sessionId: session.sessionId };
  switch (op.$case) {
    case "list": {
      const page = await inbox.list(userId, queryFromProto(op.value, "list"), "list");
      return encodeFrame(id, { $case: "list", value: pageToProto(page) });
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
