import type { Notification } from "../../domain/notification.js";

/**
 * What a session needs from its connection: write a text frame, close with a
 * code. The only part that knows the socket library (`ws` today; a Socket.IO
 * endpoint would be another). It hands the session what the peer sends
 * (`Session.receive`) and tells it when the connection is gone
 * (`Session.transportClosed`).
 */
export interface FrameTransport {
  /** Bytes given to `send` that the peer has not taken yet. */
  readonly bufferedAmount: number;
  /** Heartbeat: set when the peer answers a ping (the heartbeat clears it before each ping). */
  alive: boolean;
  /** A text frame: a string, or its UTF-8 bytes (the same buffer may go to many transports; not modified). */
  send(frame: string | Buffer): void;
  /**
   * A notification push, for a transport that encodes notifications its own
   * way (Socket.IO's `notification` event) rather than from the native frame;
   * without it the session sends `notificationPush(n)`.
   */
  sendNotification?(n: Notification): void;
  /** Starts a close handshake with `code`; a peer that does not complete it is cut after 5 s. */
  close(code: number, reason: string): void;
  /** Cuts the connection at once. */
  terminate(): void;
  /** Sends a heartbeat ping. */
  ping(): void;
}
