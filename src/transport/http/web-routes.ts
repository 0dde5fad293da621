import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { extname, join } from "node:path";
import { HeraldError } from "../../domain/errors.js";
import { checkUserId } from "../../domain/validate.js";
import type { HttpRoute } from "./http-server.js";
import { methodNotAllowed, replyJson } from "./json-reply.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

/** The page may talk to this origin only (its WebSocket included) and runs no inline script. */
const CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'self'";

/** A dev token lives one hour unless the request asks for less (or more, up to a day). */
const DEV_TOKEN_TTL_SEC = 3600;
const DEV_TOKEN_MAX_TTL_SEC = 86_400;
const DEV_TOKEN_MAX_BODY = 1024;

/** Answers that no cache may keep (a token, the page's settings). */
const NO_STORE = { "cache-control": "no-store" };

/**
 * The web app's files: every regular file directly in `dir` (read once, at
 * start; nothing on disk is looked up per request, so no request path can
 * reach outside it), `index.html` also at `/`. GET and HEAD only. A missing
 * directory serves nothing (the routes fall through to 404).
 */
export function staticRoutes(dir: string): Record<string, HttpRoute> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile() && CONTENT_TYPES[extname(n)] !== undefined);
  } catch {
    return {};
  }
  const routes: Record<string, HttpRoute> = {};
  for (const name of names) {
    const body = readFileSync(join(dir, name));
    const type = CONTENT_TYPES[extname(name)]!;
    const route: HttpRoute = (req, res) => {
      if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed(res, "GET, HEAD");
      res.writeHead(200, {
        "content-type": type,
        "content-length": body.length,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        ...(type.startsWith("text/html") ? { "content-security-policy": CSP } : {}),
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    routes[`/${name}`] = route;
    if (name === "index.html") routes["/"] = route;
  }
  return routes;
}

/**
 * `GET /config.json`: what the page needs to connect (`mode` says whether the
 * development login exists). Nothing secret.
 */
export function pageConfigRoute(options: { mode: "development" | "production"; wsPath: string }): Record<string, HttpRoute> {
  const body = { mode: options.mode, wsPath: options.wsPath, devTokenPath: options.mode === "development" ? "/dev/token" : null };
  return { "/config.json": (_req, res) => replyJson(res, 200, body, NO_STORE) };
}

/**
 * `POST /dev/token` `{"userId": "...", "ttlSeconds"?: n}` -> `{"token", "expireTime"}`:
 * a token for any user, for the development login. Wired only in development
 * mode with an HMAC secret (main.ts); in production the path does not exist.
 * Errors: 400 `{"error":"invalid_argument","field","message"}`, 405, 413.
 */
export function devTokenRoute(options: {
  mint: (userId: string, ttlSec: number) => Promise<{ token: string; expiresAt: Date }>;
}): Record<string, HttpRoute> {
  return {
    "/dev/token": async (req, res) => {
      if (req.method !== "POST") return methodNotAllowed(res, "POST");
      const raw = await readBody(req, DEV_TOKEN_MAX_BODY);
      if (raw === null)
        return replyJson(res, 413, { error: "resource_exhausted", message: `body over ${DEV_TOKEN_MAX_BODY} bytes` }, NO_STORE);
      try {
        const { userId, ttlSec } = parseDevTokenBody(raw);
        const { token, expiresAt } = await options.mint(userId, ttlSec);
        replyJson(res, 200, { token, userId, expireTime: expiresAt.toISOString() }, NO_STORE);
      } catch (err) {
        if (!(err instanceof HeraldError)) throw err;
        replyJson(res, 400, { error: err.code, field: err.field, message: err.message }, NO_STORE);
      }
    },
  };
}

function parseDevTokenBody(raw: string): { userId: string; ttlSec: number } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw HeraldError.invalid("body", "must be a JSON object");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw HeraldError.invalid("body", "must be a JSON object");
  const { userId, ttlSeconds } = body as { userId?: unknown; ttlSeconds?: unknown };
  const user = checkUserId("userId", userId);
  if (ttlSeconds === undefined) return { userId: user, ttlSec: DEV_TOKEN_TTL_SEC };
  if (typeof ttlSeconds !== "number" || !Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > DEV_TOKEN_MAX_TTL_SEC) {
    throw HeraldError.invalid("ttlSeconds", `must be an integer from 1 to ${DEV_TOKEN_MAX_TTL_SEC}`);
  }
  return { userId: user, ttlSec: ttlSeconds };
}

/** The body as text, or null once it passes `max` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
