import { createHmac, timingSafeEqual } from "node:crypto";
import { HeraldError } from "./errors.js";
import type { ListDirection } from "./notification.js";

/**
 * Opaque, tamper-proof listing cursors. A cursor names its user and direction
 * and a seq position, signed with HMAC-SHA256 under the server's cursor secret,
 * so a forged, edited or another user's cursor is refused (`invalid_argument`).
 * Cursors stay valid across restarts and nodes that share the secret, so
 * clients may cache them (Nakama's cacheable cursor).
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(options: { secret: string }) {
    this.#key = Buffer.from(options.secret, "utf8");
  }

  encode(userId: string, direction: ListDirection, position: number): string {
    const body = `1.${direction === "forward" ? "f" : "b"}.${position}`;
    return `${Buffer.from(body).toString("base64url")}.${this.#mac(userId, body).toString("base64url")}`;
  }

  /** Returns the position; throws `invalid_argument` naming `field` on any mismatch. */
  decode(field: string, cursor: string, userId: string, direction: ListDirection): number {
    const bad = (why: string) => HeraldError.invalid(field, `invalid cursor (${why})`);
    if (cursor.length > 200) throw bad("too long");
    const [b64, mac64, extra] = cursor.split(".");
    if (b64 === undefined || mac64 === undefined || extra !== undefined) throw bad("malformed");
    const body = Buffer.from(b64, "base64url").toString("utf8");
    const given = Buffer.from(mac64, "base64url");
    const want = this.#mac(userId, body);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw bad("not issued for this user");
    const m = /^1\.([fb])\.(\d{1,16})$/.exec(body);
    if (!m) throw bad("malformed");
    if ((m[1] === "f" ? "forward" : "backward") !== direction) throw bad("issued for the other direction");
    return Number(m[2]);
  }

  #mac(userId: string, body: string): Buffer {
    return createHmac("sha256", this.#key).update(userId).update("\u0000").update(body).digest().subarray(0, 18);
  }
}
