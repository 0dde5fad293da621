import { createSecretKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, errors, importSPKI, jwtVerify, type JWTVerifyGetKey, type CryptoKey, type KeyObject } from "jose";
import { HeraldError } from "../domain/errors.js";
import { checkUserId } from "../domain/validate.js";

export interface VerifiedToken {
  userId: string;
  /** When the token expires (its `exp`). */
  expiresAt: Date;
}

export interface JwtVerifierOptions {
  /** Pinned: a token whose `alg` is not listed is refused (no `none`, no HS/RS confusion). */
  algorithms: string[];
  /** HMAC secret (HS*). */
  secret?: string;
  /** PEM SPKI public key file (RS*, PS*, ES*, EdDSA). */
  publicKeyFile?: string;
  /** JWKS file ({"keys": [...]}); the token's `kid` picks the key. */
  jwksFile?: string;
  issuer?: string;
  audience?: string;
  clockToleranceSec: number;
}

export const INVALID_TOKEN_MESSAGE = "Invalid authentication token";

/**
 * Verifies client JWTs with `jose`. Contract: algorithms pinned by config,
 * `exp` and `sub` required, `iss`/`aud` checked when configured, a small clock
 * tolerance. Every failure is `unauthenticated` with the seed's message
 * "Invalid authentication token" and a short reason.
 */
export class JwtVerifier {
  readonly #key: Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey | Promise<CryptoKey | KeyObject>;
  readonly #options: JwtVerifierOptions;

  constructor(options: JwtVerifierOptions) {
    this.#options = options;
    if (options.jwksFile) {
      this.#key = createLocalJWKSet(JSON.parse(readFileSync(options.jwksFile, "utf8")));
    } else if (options.publicKeyFile) {
      const pem = readFileSync(options.publicKeyFile, "utf8");
      const alg = options.algorithms[0]!;
      this.#key = importSPKI(pem, alg);
      // A key imported for one algorithm can verify the others of its family only if listed; pinning holds.
    } else if (options.secret) {
      // A KeyObject: jose imports it as a CryptoKey once per algorithm and keeps it;
      // raw bytes would be imported again on every verify.
      this.#key = createSecretKey(Buffer.from(options.secret, "utf8"));
    } else {
      throw new Error("JwtVerifier needs a secret, a public key file or a JWKS file");
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== "string" || token.length === 0 || token.length > 8192) throw invalid("malformed token");
    try {
      const key = this.#key instanceof Promise ? await this.#key : this.#key;
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1] & JWTVerifyGetKey, {
        algorithms: this.#options.algorithms,
        issuer: this.#options.issuer || undefined,
        audience: this.#options.audience || undefined,
        clockTolerance: this.#options.clockToleranceSec,
        requiredClaims: ["exp", "sub"],
      });
      const userId = checkSubject(payload.sub);
      // jose checks that exp is a number in the future; a date beyond year 9999 is not a time we can arm a timer for.
      if (!(payload.exp! <= MAX_EXP_SEC)) throw invalid("claim exp rejected");
      return { userId, expiresAt: new Date(payload.exp! * 1000) };
    } catch (err) {
      if (err instanceof HeraldError) throw err;
      throw invalid(reasonOf(err));
    }
  }
}

/** 9999-12-31T23:59:59Z: later `exp` values are refused (8.64e12 s is past what a Date can hold). */
const MAX_EXP_SEC = 253_402_300_799;

/** `sub` is the user id: the same rules as every user id (no control characters, well-formed UTF-16, <= 256 bytes). */
function checkSubject(sub: unknown): string {
  try {
    return checkUserId("sub", sub);
  } catch {
    throw invalid("sub must be a user id");
  }
}

function invalid(reason: string): HeraldError {
  return new HeraldError("unauthenticated", `${INVALID_TOKEN_MESSAGE}: ${reason}`);
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason === "missing" ? "missing" : "rejected"}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return "malformed token";
  if (err instanceof errors.JWKSNoMatchingKey) return "no matching key";
  return "rejected";
}
