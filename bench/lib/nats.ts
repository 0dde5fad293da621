/**
 * A throwaway NATS server for multi-node runs: `nats-server -a 127.0.0.1 -p PORT`
 * as a child process (no JetStream, nothing on disk), stopped with the scenario.
 * The binary is BENCH_NATS_SERVER, else /usr/sbin/nats-server, else `nats-server` on PATH.
 */
import { existsSync } from "node:fs";
import { canConnect, freePort } from "../../test/support/net.js";
import { spawnExe, type Child } from "./proc.js";

export interface NatsServer {
  url: string;
  port: number;
  child: Child;
  pid: number;
  stop(): Promise<void>;
}

export function natsServerBinary(): string {
  return process.env.BENCH_NATS_SERVER ?? (existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server");
}

export async function startNatsServer(label = "nats"): Promise<NatsServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnExe(natsServerBinary(), { name: label, args: ["-a", "127.0.0.1", "-p", String(port)] });
    const until = Date.now() + 10_000;
    let up = false;
    while (!up && child.running && Date.now() < until) {
      up = await canConnect("127.0.0.1", port, 500);
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (up) return { url: `nats://127.0.0.1:${port}`, port, child, pid: child.pid, stop: () => child.stop(5_000) };
    await child.stop(1_000);
    if (attempt >= 3)
      throw new Error(
        `nats-server did not listen on 127.0.0.1:${port}${child.stderrTail.length ? `: ${child.stderrTail.slice(-3).join(" / ")}` : ""}`,
      );
  }
}
