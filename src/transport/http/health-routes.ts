import type { HttpRoute } from "./http-server.js";
import { replyJson } from "./json-reply.js";

/** A readiness answer is reused for this long: /readyz must not cost a query per request. */
const READY_CACHE_MS = 1000;

/**
 * `/healthz`: 200 while the process is up. `/readyz`: 200 while the node
 * accepts connections and its database answers, else 503. The database check
 * runs at most once a second (one in flight, shared by every caller); a check
 * that throws counts as not ready.
 */
export function healthRoutes(options: { accepting: () => boolean; checkReady: () => Promise<boolean> }): Record<string, HttpRoute> {
  let last: { at: number; ok: Promise<boolean> } | undefined;
  const readiness = (): Promise<boolean> => {
    const now = performance.now();
    if (last === undefined || now - last.at > READY_CACHE_MS) last = { at: now, ok: options.checkReady().catch(() => false) };
    return last.ok;
  };
  return {
    "/healthz": (_req, res) => replyJson(res, 200, { status: "ok" }),
    "/readyz": async (_req, res) => {
      const ok = options.accepting() && (await readiness());
      replyJson(res, ok ? 200 : 503, { status: ok ? "ready" : "not ready" });
    },
  };
}
