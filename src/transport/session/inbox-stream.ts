import { notificationDocument } from "../../domain/filter-documents.js";
import type { Notification } from "../../domain/notification.js";
import { backpressure } from "./backpressure.js";
import { CloseCode } from "./close-codes.js";
import type { FrameTransport } from "./frame-transport.js";
import { OrderedStream } from "./ordered-stream.js";
import { notificationPush } from "./server-frames.js";
import type { Session } from "./session.js";
import type { SessionContext } from "./session-context.js";

/**
 * A session's inbox as an ordered stream: catch-up reads go through the
 * domain (`InboxService.readAfter`), paced by the user's read budget and by
 * the transport's drain; a failed catch-up closes with 3005 for the client to
 * resume. A push is one cached encoding and one write. With the session's
 * inbox filter, notifications that do not match are passed over (the
 * client sees seq gaps); system events are not filtered.
 */
export function inboxStream(options: { session: Session; ctx: SessionContext; transport: FrameTransport }): OrderedStream<Notification> {
  const { session, ctx, transport } = options;
  const cancelled = () => session.isClosed();
  return new OrderedStream({
    read: (after, limit) =>
      ctx.reads.paced(session.userId, () => ctx.inbox.readAfter(session.userId, after, limit), encodedBytes, cancelled),
    push: (n) => {
      if (session.inboxFilter !== null && !session.inboxFilter.test(notificationDocument(n))) return;
      ctx.metrics?.pushed.inc();
      session.pushNotification(n);
    },
    isClosed: cancelled,
    // Catch-up is paced by the user's read budget and by the client's drain.
    ...backpressure(transport, ctx.maxBufferedBytes, cancelled),
    failed: (err) => {
      ctx.log.warn({ err, session: session.sessionId }, "catch-up from the store failed; closing for the client to resume");
      session.close(CloseCode.resyncFailed, "could not read missed notifications; reconnect and resume");
    },
  });
}

/** What a catch-up read costs: the bytes of its rows as pushed (the encodings are cached for the pushes). */
function encodedBytes(rows: Notification[]): number {
  let n = 0;
  for (const r of rows) n += notificationPush(r).length;
  return n;
}
