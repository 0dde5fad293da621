import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, test } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { createPostgresDatabase, POSTGRES, type TestDatabase } from "../../support/databases.js";
import { outgoing, status } from "../../support/grpc.js";
import { HeraldNode } from "../../support/herald-node.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { waitFor } from "../../support/wait.js";

/**
 * Point 2 of issue 8: unauthenticated gRPC traffic must not make a node hold memory.
 * The attack is a raw HTTP/2 client (what grpc-js would never send): streams whose
 * gRPC frame announces a 4 MiB - 1 byte message and then sends all of it but the last
 * byte, never finishing, with no API key.
 */

const SEND_PATH = "/herald.v1.NotificationService/SendNotifications";
const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";
const MESSAGE_BYTES = 4 * 1024 * 1024 - 1;

/** Resident set size of a process, in bytes (Linux). */
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(m, `no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const MiB = 1024 * 1024;

interface HealthClient extends grpc.Client {
  check(req: { service: string }, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
}

function healthCheck(client: HealthClient): Promise<string> {
  return new Promise((resolve, reject) => client.check({ service: "" }, (err, res) => (err ? reject(err) : resolve(res.status))));
}

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Milliseconds until the server closes `socket`; Infinity if it is still open after 5 s. */
function msUntilClosed(socket: net.Socket): Promise<number> {
  return new Promise<number>((resolve) => {
    const t0 = Date.now();
    const timer = setTimeout(() => resolve(Infinity), 5000);
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

/** An HTTP/2 session, once the server's SETTINGS have arrived. */
function connect(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    // The attacker queues megabytes per stream: its own session must not refuse the answers for memory.
    const s = http2.connect(`http://127.0.0.1:${port}`, { maxSessionMemory: 8192 });
    s.once("remoteSettings", () => resolve(s));
    s.once("error", reject);
  });
}

interface HeldStream {
  stream: http2.ClientHttp2Stream;
  /** The call's grpc-status once the server ends it; null if the stream closes without one. */
  status: Promise<number | null>;
  /** True once the server has taken the whole body (read or discarded it); false if the stream closed first. */
  pushed: Promise<boolean>;
  /** Whichever comes first: the server's answer, or the server having taken the whole body. */
  settled: Promise<{ grpcStatus: number | null; bodyTaken: boolean }>;
}

/**
 * Opens a gRPC stream on `path` whose one message announces `body.length + 1` bytes,
 * sends `body` (all of it but the last byte) and never ends.
 */
function holdStream(session: http2.ClientHttp2Session, path: string, body: Buffer): HeldStream {
  const stream = session.request(
    { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" },
    { endStream: false },
  );
  stream.on("error", () => {});
  const statusOf = (h: http2.IncomingHttpHeaders) => (h["grpc-status"] === undefined ? null : Number(h["grpc-status"]));
  const grpcStatus = new Promise<number | null>((resolve) => {
    stream.on("response", (h) => {
      const s = statusOf(h);
      if (s !== null) resolve(s); // trailers-only answer
    });
    stream.on("trailers", (h) => resolve(statusOf(h)));
    stream.on("close", () => resolve(null));
  });
  const pushed = new Promise<boolean>((resolve) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(body.length + 1, 1);
    stream.write(prefix);
    stream.write(body, (err) => resolve(!err));
    stream.on("close", () => resolve(false));
  });
  const settled = Promise.race([
    grpcStatus.then((s) => ({ grpcStatus: s, bodyTaken: false })),
    pushed.then((taken) => ({ grpcStatus: null, bodyTaken: taken })),
  ]);
  return { stream, status: grpcStatus, settled, pushed };
}

describe("unauthenticated gRPC memory (a node in its own process, on postgres)", () => {
  const CONNECTIONS = 5;
  const STREAMS_PER_CONNECTION = 100;
  const STREAMS = CONNECTIONS * STREAMS_PER_CONNECTION;
  const MAX_GROWTH = 256 * MiB;
  let db: TestDatabase;
  let node: HeraldNode;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    node = await HeraldNode.start({ nodeId: "grpc-mem", databaseUrl: db.url!, natsUrl: "" });
  });

  afterAll(async () => {
    await node?.cleanup();
    await db?.drop();
  });

  test(`${STREAMS} streams without an API key each pushing ${MESSAGE_BYTES - 1} of a ${MESSAGE_BYTES}-byte message, never finishing: each is UNAUTHENTICATED at once, RSS grows < ${MAX_GROWTH / MiB} MiB, backends are still served`, async () => {
    const pid = node.pid!;
    await node.rpc.getUnreadCount({ userId: "warm-up" });
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 50);
    const body = Buffer.alloc(MESSAGE_BYTES - 1, 0x61);
    const sessions = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(node.grpcPort)));
    try {
      const held = sessions.flatMap((s) => Array.from({ length: STREAMS_PER_CONNECTION }, () => holdStream(s, SEND_PATH, body)));
      // What the server does first with each stream: answer it, or take its body.
      const outcomes = await Promise.all(held.map((h) => h.settled));
      const answeredFirst = outcomes.filter((o) => o.grpcStatus === status.UNAUTHENTICATED).length;
      // Then the attacker pushes everything the server lets it (the refused streams' data is discarded).
      const pushed = (await Promise.all(held.map((h) => h.pushed))).filter(Boolean).length;
      peak = Math.max(peak, rssBytes(pid));
      const growth = peak - baseline;
      process.stdout.write(
        `# RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB; ${pushed} of ${STREAMS} bodies pushed\n`,
      );
      assert.ok(
        growth < MAX_GROWTH,
        `RSS grew by ${(growth / MiB).toFixed(0)} MiB (baseline ${(baseline / MiB).toFixed(0)} MiB) with ${STREAMS} unauthenticated streams`,
      );
      assert.equal(answeredFirst, STREAMS, "every stream is answered UNAUTHENTICATED at its headers, before its body is read");

      // With those connections still open, a backend with the key is served.
      const sent = await node.rpc.sendNotifications({
        notifications: [outgoing({ userIds: ["after-attack"], idempotencyKey: "after-attack-1" })],
      });
      assert.equal(sent.results.length, 1);
      assert.equal((await node.rpc.getUnreadCount({ userId: "after-attack" })).unreadCount, 1);
    } finally {
      clearInterval(sampler);
      for (const s of sessions) s.destroy();
    }
  });
});

describe("gRPC connection and stream limits (on postgres)", () => {
  let node: TestHeraldWithDatabase;

  beforeAll(async () => {
    node = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_GRPC_MAX_CONNECTIONS: "4",
      HERALD_GRPC_MAX_CONCURRENT_STREAMS: "7",
      HERALD_GRPC_HANDSHAKE_TIMEOUT_MS: "500",
      HERALD_GRPC_MAX_UNAUTHENTICATED_CALLS: "2",
    });
  });

  afterAll(() => node?.stop());

  test("each connection is told SETTINGS_MAX_CONCURRENT_STREAMS = HERALD_GRPC_MAX_CONCURRENT_STREAMS", async () => {
    const session = await connect(node.grpcPort);
    try {
      assert.equal(session.remoteSettings.maxConcurrentStreams, 7);
    } finally {
      session.destroy();
    }
  });

  test("a connection that never sends the HTTP/2 preface is closed after HERALD_GRPC_HANDSHAKE_TIMEOUT_MS; one that sends garbage at once", async () => {
    const silent = net.connect(node.grpcPort, "127.0.0.1");
    const garbage = net.connect(node.grpcPort, "127.0.0.1");
    const silentClosed = msUntilClosed(silent);
    const garbageClosed = msUntilClosed(garbage);
    garbage.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const [silentMs, garbageMs] = await Promise.all([silentClosed, garbageClosed]);
    silent.destroy();
    garbage.destroy();
    assert.ok(silentMs >= 400 && silentMs < 5000, `silent connection closed after ${silentMs} ms`);
    assert.ok(garbageMs < 400, `garbage connection closed after ${garbageMs} ms`);
  });

  test("beyond HERALD_GRPC_MAX_CONNECTIONS a connection is closed on accept; a freed slot serves again", async () => {
    const open = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(node.grpcPort, "127.0.0.1", () => resolve(s));
            s.on("error", () => {});
          }),
      ),
    );
    try {
      const extra = net.connect(node.grpcPort, "127.0.0.1");
      const ms = await msUntilClosed(extra);
      extra.destroy();
      assert.ok(ms < 1000, `the fifth connection is closed on accept (after ${ms} ms)`);
      assert.equal(extra.bytesRead, 0, "without an answer");
    } finally {
      for (const s of open) s.destroy();
    }
    // The four slots free up as those sockets close; a real client then gets through.
    await waitFor(
      async () =>
        await node.rpc.getUnreadCount({ userId: "slots" }, { deadlineMs: 2000 }).then(
          () => true,
          () => false,
        ),
      {
        message: "a gRPC call after the extra connections closed",
      },
    );
  });

  test("unauthenticated health calls: at most HERALD_GRPC_MAX_UNAUTHENTICATED_CALLS receiving at once, each cut off after the handshake timeout", async () => {
    const session = await connect(node.grpcPort);
    const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
    const health = new Health(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure()) as unknown as HealthClient;
    try {
      const body = Buffer.alloc(256 * 1024, 0x61);
      const slow = [holdStream(session, HEALTH_CHECK_PATH, body), holdStream(session, HEALTH_CHECK_PATH, body)];
      // Health needs no key, so the server reads these bodies: both slots are taken.
      for (const h of slow) assert.deepEqual(await within(h.settled, 5000, "a slow health call"), { grpcStatus: null, bodyTaken: true });
      const third = holdStream(session, HEALTH_CHECK_PATH, body);
      assert.equal(
        await within(third.status, 5000, "the third health call"),
        status.RESOURCE_EXHAUSTED,
        "a third unfinished health call is refused at its headers",
      );
      await assert.rejects(healthCheck(health), (e: grpc.ServiceError) => e.code === status.RESOURCE_EXHAUSTED);
      // The slow ones are cut off after the handshake timeout (500 ms), freeing their slots.
      assert.deepEqual(await within(Promise.all(slow.map((h) => h.status)), 5000, "the slow health calls' end"), [
        status.DEADLINE_EXCEEDED,
        status.DEADLINE_EXCEEDED,
      ]);
      assert.equal(await healthCheck(health), "SERVING");
    } finally {
      health.close();
      session.destroy();
    }
  });
});
