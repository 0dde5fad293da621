/** Credentials written in a NATS server URL, as the NATS clients read them. */
export type UrlCredentials = { kind: "user"; user: string; password: string } | { kind: "token"; token: string };

export interface ParsedNatsUrl {
  /** The URL without its credentials: safe to log and to hand to the client. */
  server: string;
  credentials: UrlCredentials | null;
}

const WITH_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@(.*)$/i;

/**
 * Splits the credentials off a NATS server URL, as the Go client and the NATS
 * docs read them: `nats://user:password@host:4222` is a user and a password,
 * `nats://token@host:4222` a token; both percent-decoded. The nats.js client
 * ignores credentials in URLs, so they must travel as connect options.
 * Throws an Error (never quoting the secret) when they cannot be decoded.
 */
export function parseNatsUrl(url: string): ParsedNatsUrl {
  const m = WITH_USERINFO.exec(url);
  if (!m) return { server: url, credentials: null };
  const [, scheme, userinfo, rest] = m as unknown as [string, string, string, string];
  const server = `${scheme}${rest}`;
  const colon = userinfo.indexOf(":");
  const decode = (s: string, what: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new Error(`the ${what} in the URL of ${server} is not valid percent-encoding`);
    }
  };
  if (colon < 0) {
    const token = decode(userinfo, "token");
    if (token === "") throw new Error(`empty credentials in the URL of ${server}`);
    return { server, credentials: { kind: "token", token } };
  }
  const user = decode(userinfo.slice(0, colon), "user");
  if (user === "") throw new Error(`a password without a user in the URL of ${server}`);
  return { server, credentials: { kind: "user", user, password: decode(userinfo.slice(colon + 1), "password") } };
}

/** True when two URLs carry the same credentials (the client has one set for every server). */
export function sameCredentials(a: UrlCredentials | null, b: UrlCredentials | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
