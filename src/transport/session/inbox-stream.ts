import type { Notification } from "../../domain/notification.js";
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
 * resume. A push is one cached encoding and one write.
 */
export function inboxStream(options: { session: Session; ctx: SessionContext; transport: FrameTransport }): OrderedStream {
  const { session, ctx, transport } = options;
  const cancelled = () => session.isClosed();
  return new OrderedStream({
    read: (after, limit) =>
      ctx.reads.paced(session.userId, () => ctx.inbox.readAfter(session.userId, after, limit), encodedBytes, cancelled),
    push: (n) => {
      ctx.metrics?.pushed.inc();
      session.send(notificationPush(n));
    },
    isClosed: cancelled,
    congested: () => transport.bufferedAmount > ctx.maxBufferedBytes / 2,
    // Backpressure for catch-up: a large backlog is read page by page, each page
    // once the client has taken most of the previous one (and the user's read
    // budget allows it), so a resume never trips the slow-consumer bound that
    // protects live delivery.
    drained: async () => {
      const low = ctx.maxBufferedBytes / 4;
      while (!session.isClosed() && transport.bufferedAmount > low) await new Promise((r) => setTimeout(r, 5));
    },
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
