/**
 * @herald/client: Herald's TypeScript client for browsers and Node.
 * See clients/typescript/README.md.
 */
export { Herald } from "./herald.js";
export type { ConnectionState, HeraldEvents, HeraldOptions } from "./types.js";
export { HeraldError } from "./errors.js";
export { type HeraldStorage, MemoryStorage } from "./storage.js";
export type { WebSocketConstructor, WebSocketLike } from "./connection.js";
export type { JoinOptions, RoomSubscription, RoomSubscriptionEvents } from "./room-subscription.js";
export { CloseCode, closeOutcome, LocalClose } from "./close-codes.js";
export { backoffDelay } from "./backoff.js";

// The protocol's types and enums, as generated from proto/ (field names as on the wire, int64 as strings).
export {
  type InboxPage,
  type InboxQuery,
  ListDirection,
  type Notification,
  SystemCode,
  type SystemEvent,
  SystemFilter,
} from "../../../gen/herald/v1/notification.js";
export {
  type RoomEvent,
  RoomEventKind,
  type RoomMessage,
  type RoomMessagePage,
  type RoomMessageQuery,
  UnsubscribeReason,
} from "../../../gen/herald/v1/room.js";
export { PresenceAction, type RoomActivityPush, Scope } from "../../../gen/herald/gateway/v1/envelope.js";
