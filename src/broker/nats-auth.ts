import { readFileSync } from "node:fs";
import { type ConnectionOptions, credsAuthenticator, nkeyAuthenticator, nkeys } from "nats";
import { ConfigError, type NatsAuthConfig } from "../config.js";

/** The part of nats.js's connect options that authenticates this node and secures the link. */
export type NatsAuthOptions = Pick<ConnectionOptions, "user" | "pass" | "token" | "authenticator" | "tls">;

function read(variable: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Turns the configured credentials into connect options. Files (NKey seed,
 * `.creds`, TLS) are read and checked once, here, at start: a missing or
 * malformed file stops the start with a ConfigError naming its variable, not
 * a failed handshake later. Rotating them needs a restart.
 */
export function natsAuthOptions(auth: NatsAuthConfig): NatsAuthOptions {
  const out: NatsAuthOptions = {};
  if (auth.user !== "") {
    out.user = auth.user;
    out.pass = auth.password;
  }
  if (auth.token !== "") out.token = auth.token;
  if (auth.nkeySeedFile !== "") {
    const seed = new TextEncoder().encode(read("HERALD_NATS_NKEY_SEED_FILE", auth.nkeySeedFile).trim());
    try {
      if (nkeys.fromSeed(seed).getPublicKey()[0] !== "U") throw new Error("not a user seed");
    } catch {
      throw new ConfigError("HERALD_NATS_NKEY_SEED_FILE", `${auth.nkeySeedFile} does not hold an NKey user seed (SU...)`);
    }
    out.authenticator = nkeyAuthenticator(seed);
  }
  if (auth.credsFile !== "") {
    const creds = new TextEncoder().encode(read("HERALD_NATS_CREDS_FILE", auth.credsFile));
    const authenticator = credsAuthenticator(creds);
    try {
      authenticator("probe"); // parses the JWT and the seed, signs a nonce
    } catch {
      throw new ConfigError("HERALD_NATS_CREDS_FILE", `${auth.credsFile} is not a NATS .creds file (a user JWT and its NKey seed)`);
    }
    out.authenticator = authenticator;
  }
  if (auth.tls) {
    const tls: NonNullable<ConnectionOptions["tls"]> = {};
    if (auth.tls.caFile !== "") tls.ca = read("HERALD_NATS_TLS_CA_FILE", auth.tls.caFile);
    if (auth.tls.certFile !== "") {
      tls.cert = read("HERALD_NATS_TLS_CERT_FILE", auth.tls.certFile);
      tls.key = read("HERALD_NATS_TLS_KEY_FILE", auth.tls.keyFile);
    }
    out.tls = tls;
  }
  return out;
}

/** True when the options authenticate this node (TLS alone does not; a client certificate does). */
export function hasCredentials(options: NatsAuthOptions): boolean {
  return (
    options.user !== undefined || options.token !== undefined || options.authenticator !== undefined || options.tls?.cert !== undefined
  );
}
