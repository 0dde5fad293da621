import { checkMarkReadTarget, checkSeq } from "../../../domain/validate.js";
import { ListDirection, SystemFilter } from "../../../../gen/herald/v1/notification.js";
import { pageToProto, queryFromProto } from "../../../codec/proto-convert.js";
import { enumNames, type OperationTable } from "../operation.js";
import { encodeFrame } from "../server-frames.js";

type InboxCase = "list" | "markRead" | "delete" | "ack" | "unreadCount";

/**
 * The inbox operations of an authenticated session: the same use cases as
 * gRPC, for the token's user only. Fields in errors are named by their frame
 * path (`list.limit`, `mark_read.ids`). Each returns its reply frame's text.
 * A `list` is charged to the user's read budget (the reply's size) and
 * refused with `resource_exhausted` while that budget is spent.
 */
export const INBOX_OPERATIONS = {
  list: {
    fields: {
      limit: "uint32",
      cursor: "string",
      direction: { enum: enumNames(ListDirection) },
      unreadOnly: "bool",
      systemFilter: { enum: enumNames(SystemFilter) },
    },
    async handle(s, id, value) {
      const query = queryFromProto(value, "list");
      const read = async () => encodeFrame(id, { $case: "list", value: pageToProto(await s.inbox.list(s.userId, query, "list")) });
      return s.reads.request(s.userId, read, (reply) => reply.length);
    },
  },
  markRead: {
    fields: { ids: "string[]", upToSeq: "int64" },
    async handle(s, id, value) {
      const target = checkMarkReadTarget("mark_read.ids", value.ids, checkSeq("mark_read.up_to_seq", value.upToSeq));
      const r = await s.inbox.markRead(s.userId, target, { sessionId: s.sessionId }, "mark_read.ids");
      return encodeFrame(id, {
        $case: "markRead",
        value: { updatedCount: r.updatedCount, updatedIds: r.updatedIds, unreadCount: r.unreadCount },
      });
    },
  },
  delete: {
    fields: { ids: "string[]" },
    async handle(s, id, value) {
      const r = await s.inbox.delete(s.userId, value.ids, { sessionId: s.sessionId }, "delete.ids");
      return encodeFrame(id, {
        $case: "delete",
        value: { deletedCount: r.deletedIds.length, deletedIds: r.deletedIds, unreadCount: r.unreadCount },
      });
    },
  },
  ack: {
    fields: { notificationIds: "string[]" },
    async handle(s, id, value) {
      const n = await s.inbox.ack(s.userId, value.notificationIds, "ack.notification_ids");
      return encodeFrame(id, { $case: "ack", value: { acknowledgedCount: n } });
    },
  },
  unreadCount: {
    fields: {},
    async handle(s, id) {
      return encodeFrame(id, { $case: "unreadCount", value: { unreadCount: await s.inbox.unreadCount(s.userId) } });
    },
  },
} satisfies Pick<OperationTable, InboxCase>;
