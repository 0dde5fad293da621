import type { JwtVerifier, VerifiedToken } from "../../auth/jwt-verifier.js";
import type { InboxService } from "../../domain/inbox-service.js";
import type { ModerationService } from "../../domain/moderation-service.js";
import type { RoomService } from "../../domain/room-service.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import type { ReadBudget } from "./read-budget.js";
import type { RoomHub } from "./room-hub.js";
import type { Session } from "./session.js";

/** What a session needs from its node. */
export interface SessionContext {
  inbox: InboxService;
  rooms: RoomService;
  /** This node's room subscriptions, shared by its sessions. */
  roomHub: RoomHub;
  /** This node's id (room presence is counted per node). */
  nodeId: string;
  /** Refuses the session of a banned user. */
  moderation: Pick<ModerationService, "isBanned">;
  verifier: JwtVerifier;
  log: Logger;
  authTimeoutMs: number;
  maxBufferedBytes: number;
  rateLimitPerSec: number;
  rateBurst: number;
  metrics?: Metrics;
  /** The per-user budget of bytes read from the store, shared by `list` and catch-up. */
  reads: ReadBudget;
  /** Counts a new session of `userId`; false when the user opens connections faster than allowed. */
  admitUser(userId: string): boolean;
  /** Registers an authenticated session; throws `resource_exhausted` over the user's cap. */
  attach(session: Session): Promise<void>;
  detach(session: Session): void;
}

/** A verified token that came with the connection (the upgrade request), and the resume point asked for. */
export interface PreAuthenticated {
  token: VerifiedToken;
  resumeFrom: number | null;
}

/**
 * Largest frame accepted before a token is verified (a token is at most 8,192
 * characters); a larger one closes with 1009 without being parsed.
 */
export const PRE_AUTH_MAX_FRAME_BYTES = 10 * 1024;
