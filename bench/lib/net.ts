import http from "node:http";

/** The benchmarks' own network helpers; the free-port and TCP-probe helpers they share with the tests are in test/support/net.ts. */

/**
 * `count` loopback source addresses 127.0.0.1, 127.0.0.2, ... Spreading client
 * sockets over them passes the ~28k ephemeral ports that one (source address,
 * destination) pair allows. Linux routes all of 127.0.0.0/8 to lo.
 */
export function loopbackAddresses(count: number): string[] {
  if (count < 1 || count > 250) throw new Error("between 1 and 250 loopback source addresses");
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

/** Tiny JSON-over-HTTP client for the baselines' control channels (loopback only). */
export function httpJson<T = unknown>(method: "GET" | "POST", url: string, body?: unknown, timeoutMs = 600_000): Promise<T> {
  const u = new URL(url);
  if (!u.hostname.startsWith("127.")) throw new Error(`benchmarks stay on 127.0.0.0/8, not ${u.hostname}`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      u,
      { method, headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {}, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`));
          else
            try {
              resolve(JSON.parse(text) as T);
            } catch (err) {
              reject(err);
            }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
