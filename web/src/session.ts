/**
 * Where the page's token comes from.
 *
 * - Development (`/config.json` says `"mode":"development"`): a login form
 *   takes a user id and `POST /dev/token` mints a token for it (that endpoint
 *   exists only in development). Every `getToken()` mints a fresh one.
 * - Production: the embedding app hands a token over in the URL fragment,
 *   `/#token=<jwt>` (a fragment is never sent to a server, so it stays out of
 *   access logs); the page removes it from the address bar at once. To refresh
 *   it, the page asks the app that embedded it (iframe parent or opener) with
 *   `postMessage({type: "herald:token-request"}, origin)` when the fragment
 *   also names that app's origin (`&origin=https://app.example.com`), and takes
 *   `{type: "herald:token", token}` messages from that origin only.
 * The page itself holds no secret.
 */

export type PageMode = "development" | "production";

/** What `GET /config.json` answers. */
export interface PageConfig {
  mode: PageMode;
  wsPath: string;
  /** Development only: where to POST for a token (`/dev/token`). */
  devTokenPath: string | null;
}

/** A source of tokens for the SDK's `getToken`. */
export interface TokenSource {
  getToken(): Promise<string>;
}

const DEV_USER_KEY = "herald.devUser";

/** Reads `/config.json` (next to the page). */
export async function loadPageConfig(): Promise<PageConfig> {
  const res = await fetch(new URL("config.json", location.href), { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<PageConfig>;
  const mode = body.mode === "production" ? "production" : "development";
  return { mode, wsPath: body.wsPath || "/ws", devTokenPath: mode === "development" ? body.devTokenPath || "/dev/token" : null };
}

/** The WebSocket URL on the page's own host: ws://host/ws, or wss:// under https. */
export function webSocketUrl(config: PageConfig): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${config.wsPath}`;
}

/** Development: a token for `userId` from `POST /dev/token`. */
export async function mintDevToken(userId: string, path = "/dev/token"): Promise<string> {
  let res: Response;
  try {
    res = await fetch(new URL(path, location.href), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId }),
    });
  } catch {
    throw new Error("could not reach Herald for a development token");
  }
  if (!res.ok) {
    let detail = "";
    try {
      detail = JSON.stringify(await res.json());
    } catch {
      // not JSON
    }
    throw new Error(`could not get a development token: HTTP ${res.status} ${detail}`.trim());
  }
  const body = (await res.json()) as { token?: string };
  if (!body.token) throw new Error("could not get a development token: the answer has no token");
  return body.token;
}

/** Development: a token source that mints a fresh token for `userId` on every call (`first` is used once first). */
export function devTokenSource(userId: string, path: string, first?: string): TokenSource {
  let unused = first;
  return {
    getToken(): Promise<string> {
      const token = unused;
      unused = undefined;
      return token ? Promise.resolve(token) : mintDevToken(userId, path);
    },
  };
}

/** Development: the user id this tab signed in as before a reload, if any. */
export function rememberedDevUser(): string | null {
  try {
    return sessionStorage.getItem(DEV_USER_KEY);
  } catch {
    return null;
  }
}

/** Development: remembers (or forgets, with null) the signed-in user id for this tab. */
export function rememberDevUser(userId: string | null): void {
  try {
    if (userId === null) sessionStorage.removeItem(DEV_USER_KEY);
    else sessionStorage.setItem(DEV_USER_KEY, userId);
  } catch {
    // storage disabled: the user signs in again after a reload
  }
}

/**
 * Production: the token handed over in the fragment (`#token=...&origin=...`),
 * removed from the address bar; null when there is none.
 */
export function handedOverTokenSource(): TokenSource | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const first = params.get("token");
  if (!first) return null;
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  const origin = params.get("origin");
  let current = first;
  let waiting: Array<(token: string) => void> = [];
  const embedder: Window | null = window.parent !== window ? window.parent : window.opener;
  if (origin) {
    window.addEventListener("message", (event: MessageEvent) => {
      const data = event.data as { type?: unknown; token?: unknown } | null;
      if (event.origin !== origin || data?.type !== "herald:token" || typeof data.token !== "string") return;
      current = data.token;
      for (const resolve of waiting) resolve(current);
      waiting = [];
    });
  }
  let used = false;
  return {
    getToken(): Promise<string> {
      if (!used || !origin || !embedder) {
        used = true;
        return Promise.resolve(current);
      }
      // Ask the embedding app for a new one; fall back to the current token after 10 s.
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(current), 10_000);
        waiting.push((token) => {
          clearTimeout(timer);
          resolve(token);
        });
        embedder.postMessage({ type: "herald:token-request" }, origin);
      });
    },
  };
}
