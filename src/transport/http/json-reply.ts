import type { ServerResponse } from "node:http";

/** Answers with a JSON body (and any extra headers). */
export function replyJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** 405 with the methods the route takes (`{"error":"method_not_allowed"}`). */
export function methodNotAllowed(res: ServerResponse, allow: string): void {
  replyJson(res, 405, { error: "method_not_allowed" }, { allow });
}
