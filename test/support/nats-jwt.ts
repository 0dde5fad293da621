import { createHash } from "node:crypto";
import { nkeys } from "nats";

/**
 * NATS decentralised auth (operator mode) for tests, made here instead of with
 * `nsc`: an operator, one account and one user, as JWTs signed with their
 * issuers' NKeys, the server configuration that trusts them (memory resolver)
 * and the user's `.creds` file.
 */

type KeyPair = ReturnType<typeof nkeys.createUser>;

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");

/** A NATS JWT (`alg: ed25519-nkey`) with `nats` claims of `type`, issued by `issuer` about `subject`. */
function natsJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
  const claims: Record<string, unknown> = {
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  claims.jti = base32(createHash("sha256").update(JSON.stringify(claims)).digest());
  const payload = b64url(JSON.stringify(claims));
  const sig = issuer.sign(new TextEncoder().encode(`${header}.${payload}`));
  return `${header}.${payload}.${b64url(sig)}`;
}

export interface OperatorSetup {
  /** nats-server configuration lines: the trusted operator and the account, preloaded. */
  serverConfig: string;
  /** The user's `.creds` file text (JWT and seed). */
  creds: string;
  userPublicKey: string;
  accountPublicKey: string;
}

/** An operator, an account allowed everything, and a user of that account. */
export function operatorSetup(): OperatorSetup {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const user = nkeys.createUser();
  const operatorJwt = natsJwt(operator, operator.getPublicKey(), "herald-test-operator", { type: "operator" });
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const accountJwt = natsJwt(operator, account.getPublicKey(), "herald", {
    type: "account",
    limits: unlimited,
    default_permissions: { pub: {}, sub: {} },
  });
  const userJwt = natsJwt(account, user.getPublicKey(), "herald-node", { type: "user", pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
  const seed = new TextDecoder().decode(user.getSeed());
  return {
    serverConfig: [`operator: ${operatorJwt}`, "resolver: MEMORY", `resolver_preload: { ${account.getPublicKey()}: ${accountJwt} }`].join(
      "\n",
    ),
    creds: [
      "-----BEGIN NATS USER JWT-----",
      userJwt,
      "------END NATS USER JWT------",
      "",
      "************************* IMPORTANT *************************",
      "NKEY Seed printed below can be used to sign and prove identity.",
      "",
      "-----BEGIN USER NKEY SEED-----",
      seed,
      "------END USER NKEY SEED------",
      "",
    ].join("\n"),
    userPublicKey: user.getPublicKey(),
    accountPublicKey: account.getPublicKey(),
  };
}
