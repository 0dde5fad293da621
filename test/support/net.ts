import { readFileSync } from "node:fs";
import net from "node:net";

/**
 * Local TCP helpers shared by the tests and the benchmarks (bench/ imports
 * this file; nothing here may import a test runner).
 */

const handedOut = new Set<number>();

/** The kernel's range for automatically bound (ephemeral) local ports. */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * One free TCP port on 127.0.0.1 for a server to listen on (bound, then
 * released), never one this process handed out before. Taken below the
 * kernel's ephemeral range when there is room (10000 up to it): a server
 * (re)started on its port must not find it taken meanwhile by the
 * automatically bound local port of some client socket (the load generators
 * open thousands).
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  if (ephemeralLow - low >= 2000) {
    for (let attempt = 0; attempt < 500; attempt++) {
      const port = low + Math.floor(Math.random() * (ephemeralLow - low));
      if (handedOut.has(port)) continue;
      if (await canBind(port)) {
        handedOut.add(port);
        return port;
      }
    }
  }
  // Fallback: whatever the kernel offers (held open while looking, as it may offer the same port again).
  const held: net.Server[] = [];
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => resolve());
      });
      held.push(srv);
      const port = (srv.address() as net.AddressInfo).port;
      if (!handedOut.has(port)) {
        handedOut.add(port);
        return port;
      }
    }
    throw new Error("no free port found");
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

/** `n` distinct free ports (see `freePort`). */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
}

/** Resolves true if something accepts TCP connections at host:port within `timeoutMs`, else false. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
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
