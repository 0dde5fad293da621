import { timingSafeEqual } from "node:crypto";
import type { Socket } from "socket.io";
import type { JwtVerifier, VerifiedToken } from "../../auth/jwt-verifier.js";
import { HeraldError } from "../../domain/errors.js";
import { checkSeq, checkUserId } from "../../domain/validate.js";
import { INVALID_TOKEN_TEXT } from "./frame-events.js";

/** A session opened with a publishable key lasts this long (its "token" expiry), then reconnects. */
const PUBLISHABLE_SESSION_MS = 24 * 3600 * 1000;

type Handshake = Socket["handshake"];

/**
 * Where a Socket.IO client's credentials come from. Contracts:
 * - the handshake's token is `auth.token` (Matcha's `"Bearer <jwt>"`, or a
 *   bare JWT), else the `token` query parameter, else the `Authorization:
 *   Bearer` header (the seed allows "query parameters or custom headers");
 * - the resume point is `auth.lastSeq` (or `last_seq`), else the `last_seq`
 *   query parameter; absent means live only, as on the native endpoint;
 * - a publishable key is compared in constant time against each configured one.
 */

/** `Bearer <token>` or a bare token; "" when there is nothing usable. */
export function bearer(value: unknown): string {
  if (typeof value !== "string") return "";
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1]! : value.trim();
}

/** The token the handshake carries, or null when it carries none. */
export function handshakeToken(h: Pick<Handshake, "auth" | "query" | "headers">): string | null {
  const auth = (h.auth ?? {}) as Record<string, unknown>;
  if (auth.token !== undefined) return bearer(auth.token);
  const q = h.query.token;
  if (typeof q === "string") return bearer(q);
  const header = h.headers.authorization;
  if (header !== undefined) return /^Bearer\s+\S+$/i.test(header) ? bearer(header) : "";
  return null;
}

/** The resume point the handshake asks for (null: live only); `invalid_argument` for a bad one. */
export function handshakeResume(h: Pick<Handshake, "auth" | "query">): number | null {
  const auth = (h.auth ?? {}) as Record<string, unknown>;
  const fromAuth = auth.lastSeq ?? auth.last_seq;
  if (fromAuth !== undefined && fromAuth !== null) return checkSeq("auth.lastSeq", fromAuth);
  const q = h.query.last_seq;
  return typeof q === "string" ? checkSeq("last_seq", q) : null;
}

/** Whether `key` is one of the publishable keys (none configured: never). */
export function isPublishableKey(keys: readonly string[], key: unknown): boolean {
  if (typeof key !== "string" || key === "") return false;
  const given = Buffer.from(key);
  let found = false;
  for (const k of keys) {
    const want = Buffer.from(k);
    if (want.length === given.length && timingSafeEqual(want, given)) found = true;
  }
  return found;
}

/**
 * Who `room.user.join` (or a `room.join` with credentials) `d` says the user
 * is, and how that is checked: a JWT as `token` (whose `sub` must equal
 * `channelUserId` when both are given); else a publishable key as `apiKey`
 * with `channelUserId` (trusted); else refused (`unauthenticated`, the seed's
 * text). `invalid_argument` at once for a bad `channelUserId`.
 */
export function userResolver(d: Record<string, unknown>, verifier: JwtVerifier, keys: readonly string[]): () => Promise<VerifiedToken> {
  const token = bearer(d.token);
  if (token !== "")
    return async () => {
      const t = await verifier.verify(token);
      if (d.channelUserId !== undefined && d.channelUserId !== t.userId)
        throw new HeraldError("unauthenticated", `${INVALID_TOKEN_TEXT}: channelUserId is not the token's user`);
      return t;
    };
  if (isPublishableKey(keys, d.apiKey)) {
    const userId = checkUserId("room.user.join.channelUserId", d.channelUserId);
    return async () => ({ userId, expiresAt: new Date(Date.now() + PUBLISHABLE_SESSION_MS) });
  }
  const why = keys.length > 0 ? "unknown publishable key" : "send a JWT as token (API keys are not accepted from clients)";
  return async () => {
    throw new HeraldError("unauthenticated", `${INVALID_TOKEN_TEXT}: ${why}`);
  };
}
