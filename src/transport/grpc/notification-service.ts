import type { ApiKeyVerifier } from "../../auth/api-keys.js";
import { checkMarkReadTarget, checkSeq } from "../../domain/validate.js";
import type { InboxService } from "../../domain/inbox-service.js";
import type { ModerationService } from "../../domain/moderation-service.js";
import type { NotificationServiceServer } from "../../../gen/herald/v1/notification_service.js";
import { outgoingFromProto, pageToProto, queryFromProto } from "../../codec/proto-convert.js";
import { unary } from "./unary.js";
import type { Metrics } from "../../metrics.js";

/** herald.v1.NotificationService over the domain's InboxService and ModerationService. */
export function notificationServiceHandlers(options: {
  inbox: InboxService;
  moderation: ModerationService;
  apiKeys: ApiKeyVerifier;
  logError: (err: unknown, method: string) => void;
  metrics?: Metrics;
}): NotificationServiceServer {
  const { inbox, moderation } = options;
  const ctx = { apiKeys: options.apiKeys, logError: options.logError, metrics: options.metrics };
  return {
    sendNotifications: unary(ctx, "SendNotifications", async (req) => {
      const list = req.notifications.map(outgoingFromProto);
      const results = await inbox.send(list);
      return {
        results: results.map((r) => ({
          index: r.index,
          userId: r.userId,
          notificationId: r.notificationId,
          seq: String(r.seq),
          duplicate: r.duplicate,
        })),
      };
    }),
    listNotifications: unary(ctx, "ListNotifications", async (req) => {
      const page = await inbox.list(req.userId, queryFromProto(req.query, "query"), "query");
      return { page: pageToProto(page) };
    }),
    deleteNotifications: unary(ctx, "DeleteNotifications", async (req) => {
      const r = await inbox.delete(req.userId, req.ids);
      return { deletedCount: r.deletedIds.length, deletedIds: r.deletedIds, unreadCount: r.unreadCount };
    }),
    markNotificationsRead: unary(ctx, "MarkNotificationsRead", async (req) => {
      const target = checkMarkReadTarget("ids", req.ids, checkSeq("up_to_seq", req.upToSeq));
      const r = await inbox.markRead(req.userId, target);
      return { updatedCount: r.updatedCount, updatedIds: r.updatedIds, unreadCount: r.unreadCount };
    }),
    getUnreadCount: unary(ctx, "GetUnreadCount", async (req) => ({ unreadCount: await inbox.unreadCount(req.userId) })),
    disconnectUser: unary(ctx, "DisconnectUser", async (req) => ({ notificationId: await moderation.disconnect(req.userId, req.reason) })),
    banUser: unary(ctx, "BanUser", async (req) => ({ notificationId: await moderation.ban(req.userId, req.reason) })),
    unbanUser: unary(ctx, "UnbanUser", async (req) => ({ notificationId: await moderation.unban(req.userId) })),
  };
}
