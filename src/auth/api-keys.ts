import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks backend API keys in constant time: the presented key and every
 * configured key are hashed to equal-length digests and all of them are
 * compared, so neither a key's length nor which key matched leaks in timing.
 */
export class ApiKeyVerifier {
  readonly #digests: Buffer[];

  constructor(options: { keys: string[] }) {
    if (options.keys.length === 0) throw new Error("at least one API key is required");
    this.#digests = options.keys.map((k) => createHash("sha256").update(k).digest());
  }

  verify(presented: string): boolean {
    const d = createHash("sha256").update(presented).digest();
    let ok = false;
    for (const want of this.#digests) ok = timingSafeEqual(d, want) || ok;
    return ok;
  }

  /** True when `value` (an `authorization` metadata value, any type) is `Bearer <a configured key>`. */
  verifyAuthorization(value: unknown): boolean {
    return this.verify(ApiKeyVerifier.fromAuthorization(typeof value === "string" ? value : undefined));
  }

  /** Extracts the key from an `authorization: Bearer <key>` value; "" when absent or malformed. */
  static fromAuthorization(value: string | undefined): string {
    if (!value) return "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
    return m ? m[1]! : "";
  }
}
