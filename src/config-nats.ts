import { parseNatsUrl, sameCredentials, type UrlCredentials } from "./broker/nats-url.js";
import type { NatsAuthConfig } from "./config.js";
import { bool, ConfigError, type Env, list, str } from "./config-values.js";

const NATS_AUTH_VARS = ["HERALD_NATS_USER", "HERALD_NATS_TOKEN", "HERALD_NATS_NKEY_SEED_FILE", "HERALD_NATS_CREDS_FILE"];

/**
 * NATS servers (credentials taken out of the URLs) and how to authenticate:
 * one method, from NATS_URL or from the variables, never both. Anyone who can
 * publish on Herald's subjects can forge notifications, so production refuses
 * a NATS without credentials unless HERALD_NATS_INSECURE=true.
 */
export function natsConfig(env: Env, prod: boolean): { servers: string[]; auth: NatsAuthConfig } {
  const servers: string[] = [];
  let fromUrl: UrlCredentials | null = null;
  for (const raw of list(env, "NATS_URL")) {
    let parsed: ReturnType<typeof parseNatsUrl>;
    try {
      parsed = parseNatsUrl(raw);
    } catch (err) {
      throw new ConfigError("NATS_URL", (err as Error).message);
    }
    if (!/^(nats|tls|wss?):\/\/[^\s]+$|^[\w.-]+:\d+$/.test(parsed.server))
      throw new ConfigError("NATS_URL", `not a NATS server address: ${parsed.server}`);
    if (fromUrl && parsed.credentials && !sameCredentials(fromUrl, parsed.credentials))
      throw new ConfigError("NATS_URL", "every server URL with credentials must carry the same ones");
    fromUrl ??= parsed.credentials;
    servers.push(parsed.server);
  }
  const methods = NATS_AUTH_VARS.filter((v) => str(env, v, "") !== "");
  const password = str(env, "HERALD_NATS_PASSWORD", "");
  if ((password !== "") !== methods.includes("HERALD_NATS_USER"))
    throw new ConfigError(
      password === "" ? "HERALD_NATS_PASSWORD" : "HERALD_NATS_USER",
      "HERALD_NATS_USER and HERALD_NATS_PASSWORD go together",
    );
  if (methods.length > 1) throw new ConfigError(methods[1]!, `one NATS authentication method at a time (${methods.join(" and ")} are set)`);
  if (fromUrl && methods.length > 0) throw new ConfigError(methods[0]!, "NATS_URL carries credentials already: give them in one place");
  const [caFile, certFile, keyFile] = ["CA", "CERT", "KEY"].map((f) => str(env, `HERALD_NATS_TLS_${f}_FILE`, "")) as [
    string,
    string,
    string,
  ];
  if ((certFile === "") !== (keyFile === ""))
    throw new ConfigError(
      certFile === "" ? "HERALD_NATS_TLS_CERT_FILE" : "HERALD_NATS_TLS_KEY_FILE",
      "the client certificate and its key go together",
    );
  const insecure = bool(env, "HERALD_NATS_INSECURE", false);
  if (servers.length === 0) {
    const stray = [...methods, ...["CA", "CERT"].map((f) => `HERALD_NATS_TLS_${f}_FILE`).filter((v) => str(env, v, "") !== "")];
    if (stray.length > 0) throw new ConfigError(stray[0]!, "set, but NATS_URL is not");
  } else if (prod && !insecure && fromUrl === null && methods.length === 0 && certFile === "")
    throw new ConfigError(
      "NATS_URL",
      "production needs NATS credentials (in NATS_URL, HERALD_NATS_USER/PASSWORD, HERALD_NATS_TOKEN, HERALD_NATS_NKEY_SEED_FILE, HERALD_NATS_CREDS_FILE or a TLS client certificate); " +
        "whoever can publish on Herald's subjects can forge notifications. HERALD_NATS_INSECURE=true accepts an unauthenticated NATS",
    );
  const tls = caFile !== "" || certFile !== "" || servers.some((s) => s.startsWith("tls://")) ? { caFile, certFile, keyFile } : null;
  return {
    servers,
    auth: {
      user: fromUrl?.kind === "user" ? fromUrl.user : str(env, "HERALD_NATS_USER", ""),
      password: fromUrl?.kind === "user" ? fromUrl.password : password,
      token: fromUrl?.kind === "token" ? fromUrl.token : str(env, "HERALD_NATS_TOKEN", ""),
      nkeySeedFile: str(env, "HERALD_NATS_NKEY_SEED_FILE", ""),
      credsFile: str(env, "HERALD_NATS_CREDS_FILE", ""),
      tls,
    },
  };
}
