import { SignJWT } from "jose";

/** Mints an HMAC-signed token for development and tests (`herald token --user U`). */
export async function mintToken(options: {
  /** HS256 (default), HS384 or HS512. */
  alg?: string;
  secret: string;
  userId: string;
  ttlSec: number;
  issuer?: string;
  audience?: string;
}): Promise<string> {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .setSubject(options.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSec);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
