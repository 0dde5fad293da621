import type { FrameTransport } from "./frame-transport.js";

/**
 * The backpressure of an ordered stream's catch-up on a session's transport:
 * congested past half of `maxBufferedBytes` unsent, drained once below a
 * quarter (or once the session is gone). A large backlog is thus read page by
 * page, each page once the client has taken most of the previous one, so a
 * resume never trips the slow-consumer bound that protects live delivery.
 */
export function backpressure(transport: FrameTransport, maxBufferedBytes: number, isClosed: () => boolean) {
  return {
    congested: () => transport.bufferedAmount > maxBufferedBytes / 2,
    drained: async () => {
      const low = maxBufferedBytes / 4;
      while (!isClosed() && transport.bufferedAmount > low) await new Promise((r) => setTimeout(r, 5));
    },
  };
}
