import { SignJWT } from "jose";
import WebSocket from "ws";
import { DEV_JWT_SECRET } from "../../src/config.js";
import { waitFor } from "./wait.js";

/** A parsed server frame (proto3 JSON). */
export type Frame = Record<string, any> & { id?: number };

export async function devToken(userId: string, ttlSec = 3600, secret = DEV_JWT_SECRET): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
    .sign(new TextEncoder().encode(secret));
}

/**
 * A real `ws` client that records every frame it receives, answers requests by
 * id (replies may come out of order) and exposes the close code.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  closeReason = "";
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  #nextId = 1;
  readonly #waiters = new Map<number, (f: Frame) => void>();

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) =>
      this.ws.once("close", (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve(code);
      }),
    );
    this.ws.on("error", () => {});
    this.ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      this.frames.push(f);
      if (f.id) this.#waiters.get(f.id)?.(f);
    });
  }

  static async connect(base: string, userId: string, opts: { lastSeq?: number; token?: string } = {}): Promise<TestClient> {
    const token = opts.token ?? (await devToken(userId));
    const q = opts.lastSeq === undefined ? "" : `&last_seq=${opts.lastSeq}`;
    const c = new TestClient(`${base}?token=${encodeURIComponent(token)}${q}`);
    await c.opened;
    await c.waitFrame((f) => f.authenticate !== undefined || f.error !== undefined, "authenticate push");
    return c;
  }

  /** Sends an operation and resolves with the reply frame (result or error). */
  request(op: Record<string, unknown>, id = this.#nextId++): Promise<Frame> {
    const p = new Promise<Frame>((resolve) => this.#waiters.set(id, resolve));
    this.ws.send(JSON.stringify({ id, ...op }));
    return p;
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  notifications(): Array<Record<string, any>> {
    return this.frames.filter((f) => f.notification).map((f) => f.notification);
  }

  systemEvents(): Array<Record<string, any>> {
    return this.frames.filter((f) => f.systemEvent).map((f) => f.systemEvent);
  }

  /** The bodies of every push of one kind (`roomEvent`, `typingEvent`, ...), oldest first. */
  pushes(kind: string): Array<Record<string, any>> {
    return this.frames.filter((f) => f[kind] !== undefined && f.id === undefined).map((f) => f[kind]);
  }

  /** The room events pushed on one subscription, oldest first. */
  roomEvents(subscriptionId: string): Array<Record<string, any>> {
    return this.pushes("roomEvent")
      .filter((p) => p.subscriptionId === subscriptionId)
      .map((p) => p.event);
  }

  /** Waits until one subscription has had at least `n` room events; returns them all. */
  async waitRoomEvents(subscriptionId: string, n: number, timeoutMs = 15_000): Promise<Array<Record<string, any>>> {
    await waitFor(() => this.roomEvents(subscriptionId).length >= n, {
      timeoutMs,
      message: `${n} room events on ${subscriptionId} (have ${this.roomEvents(subscriptionId).length})`,
    });
    return this.roomEvents(subscriptionId);
  }

  /** Waits for a push of `kind` whose body matches `pred`; returns the body. */
  async waitPush(
    kind: string,
    pred: (body: Record<string, any>) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<Record<string, any>> {
    return waitFor(() => this.pushes(kind).find(pred), { timeoutMs, message: `${kind} push: ${what}` });
  }

  async waitFrame(pred: (f: Frame) => boolean, what: string, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(() => this.frames.find(pred), { timeoutMs, message: `frame: ${what}` });
  }

  async waitNotifications(n: number, timeoutMs = 15_000): Promise<Array<Record<string, any>>> {
    await waitFor(() => this.notifications().length >= n, {
      timeoutMs,
      message: `${n} notifications (have ${this.notifications().length})`,
    });
    return this.notifications();
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    this.ws.terminate();
  }
}
