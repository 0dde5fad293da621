import net from "node:net";
import http from "node:http";

function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server to listen on (bound then released).
 * Picked below Linux's default ephemeral range (32768+), where the load
 * generators' thousands of client sockets (and other work on the box) would
 * otherwise grab it between the check and the server's own bind.
 */
export async function freePort(): Promise<number> {
  for (let k = 0; k < 50; k++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await tryBind(port)) !== undefined) return port;
  }
  const any = await tryBind(0);
  if (any === undefined) throw new Error("no free port on 127.0.0.1");
  return any;
}

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

/** True if something accepts TCP connections at host:port within timeoutMs. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}
