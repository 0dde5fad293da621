import type { RefreshResponse } from "../../../gen/herald/gateway/v1/envelope.js";
import { asHeraldError, HeraldError } from "./errors.js";

/** setTimeout's largest delay; longer waits are done in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** A failed refresh is tried again after this long (if the token has not expired by then). */
const RETRY_MS = 5_000;

export interface TokenKeeperOptions {
  token?: string;
  getToken?: () => Promise<string>;
  refreshAheadMs: number;
  /** Sends `refresh` on the open connection. */
  refresh(token: string): Promise<RefreshResponse>;
  onError(err: HeraldError): void;
}

/**
 * The connection's token: fetched for each connect, and refreshed in band
 * (the `refresh` operation: same session, new expiry) ahead of expiry, never
 * earlier than half-way through the token's life. Without `getToken` there is
 * nothing to refresh with: the server closes the session at expiry (3004).
 */
export class TokenKeeper {
  readonly #o: TokenKeeperOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #epoch = 0;
  #expiresAt: number | undefined;

  constructor(options: TokenKeeperOptions) {
    if (options.token === undefined && options.getToken === undefined) throw new TypeError("Herald needs a token or getToken");
    this.#o = options;
  }

  /** A token to connect with: a fresh one from `getToken`, or the fixed `token`. */
  async get(): Promise<string> {
    if (this.#o.getToken) {
      const t = await this.#o.getToken();
      if (typeof t !== "string" || t === "") throw new HeraldError("unauthenticated", "getToken gave no token");
      return t;
    }
    return this.#o.token!;
  }

  /** The current session's expiry (ms since the epoch), if known. */
  get expiresAt(): number | undefined {
    return this.#expiresAt;
  }

  /** The session is authenticated (or refreshed) until `expireTime`: plans the next refresh. */
  schedule(expireTime: string | undefined): void {
    this.stop();
    const expiresAt = expireTime ? Date.parse(expireTime) : Number.NaN;
    if (!Number.isFinite(expiresAt)) return;
    this.#expiresAt = expiresAt;
    if (!this.#o.getToken) return;
    const lifetime = expiresAt - Date.now();
    const ahead = Math.min(this.#o.refreshAheadMs, lifetime / 2);
    this.#at(expiresAt - ahead, () => void this.refreshNow());
  }

  /** Gets a new token and sends it in band; on failure tries again later while the token lasts. */
  async refreshNow(): Promise<boolean> {
    if (!this.#o.getToken) return false;
    const epoch = this.#epoch;
    try {
      const token = await this.#o.getToken();
      if (epoch !== this.#epoch) return false;
      const reply = await this.#o.refresh(token);
      if (epoch !== this.#epoch) return false;
      this.schedule(reply.expireTime);
      return true;
    } catch (err) {
      if (epoch !== this.#epoch) return false;
      const e = asHeraldError(err, "unauthenticated");
      this.#o.onError(new HeraldError(e.code, `token refresh failed: ${e.message}`, { field: e.field }));
      const left = (this.#expiresAt ?? 0) - Date.now();
      if (left > RETRY_MS) this.#at(Date.now() + Math.min(RETRY_MS, left / 2), () => void this.refreshNow());
      return false;
    }
  }

  /** Forgets the plan (the connection is gone): in-flight refreshes are ignored. */
  stop(): void {
    this.#epoch++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #at(when: number, fn: () => void): void {
    clearTimeout(this.#timer);
    const delay = Math.max(0, when - Date.now());
    this.#timer = setTimeout(delay > MAX_TIMER_MS ? () => this.#at(when, fn) : fn, Math.min(delay, MAX_TIMER_MS));
  }
}

/** The `sub` claim of a JWT (read, not verified: only to pick the storage keys before the server answers). */
export function subjectOf(token: string): string | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const b64 = payload
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
    return typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null;
  } catch {
    return null;
  }
}
