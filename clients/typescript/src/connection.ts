import type { AuthenticateRequest, AuthenticateResponse } from "../../../gen/herald/gateway/v1/envelope.js";
import { LocalClose } from "./close-codes.js";
import { HeraldError } from "./errors.js";
import { PendingRequests } from "./pending-requests.js";
import { decodeFrame, encodeRequest, type OpCase, type OpValue, op, type ReplyValue, type ServerBody } from "./protocol.js";

/** The part of the WebSocket API the SDK uses (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `ws`'s `WebSocket`). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;

/** How a connection ended: its close code, reason, and the server's error before it, if any. */
export interface CloseInfo {
  code: number;
  reason: string;
  error?: HeraldError;
}

export interface ConnectionOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  /** Pushes (frames without id), in order. */
  onPush(body: ServerBody): void;
  /** Once, when the socket is gone (closed by either side, or dropped by the SDK). */
  onClose(info: CloseInfo): void;
  /** A frame that could not be read. */
  onBadFrame(err: HeraldError): void;
}

/**
 * One WebSocket to Herald, from open to close: first-frame authentication
 * (the token stays out of the URL), requests matched to their replies by id
 * with a deadline, pushes handed on in order, and an optional liveness ping.
 */
export class Connection {
  readonly #o: ConnectionOptions;
  readonly #ws: WebSocketLike;
  readonly #pending = new PendingRequests();
  #done = false;
  #lastError: HeraldError | undefined;
  #lastFrameAt = Date.now();
  #liveness: ReturnType<typeof setInterval> | undefined;
  #closedHook: ((info: CloseInfo) => void) | undefined;

  constructor(options: ConnectionOptions) {
    this.#o = options;
    this.#ws = new options.WebSocket(options.url);
    const ws = this.#ws as unknown as {
      onmessage: (ev: { data: unknown }) => void;
      onclose: (ev: { code: number; reason: string }) => void;
      onerror: () => void;
    };
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) => this.#finish({ code: ev.code, reason: ev.reason });
    ws.onerror = () => {}; // a close event follows
  }

  /**
   * Opens the socket and authenticates. `onAuthenticated` runs synchronously
   * with the reply, before the resumed notifications that follow it. Rejects
   * when the token is refused or nothing answers within `timeoutMs` (the
   * socket is then closed and `onClose` reports why).
   */
  authenticate(
    request: AuthenticateRequest,
    timeoutMs: number,
    onAuthenticated: (r: AuthenticateResponse) => void,
  ): Promise<AuthenticateResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new HeraldError("deadline_exceeded", `not authenticated within ${timeoutMs} ms`));
        this.drop(LocalClose.connectTimeout, "connect timeout");
      }, timeoutMs);
      (this.#ws as unknown as { onopen: () => void }).onopen = () => {
        this.request("authenticate", request, timeoutMs, onAuthenticated).then(
          (r) => {
            clearTimeout(timer);
            resolve(r);
          },
          (err: HeraldError) => {
            // Refused: the server closes next (the timer drops the socket if it does not).
            this.#lastError ??= err;
            reject(err);
          },
        );
      };
      this.#closedHook = (info) => {
        clearTimeout(timer);
        reject(info.error ?? new HeraldError("unavailable", `connection closed (${info.code}) before authentication`));
      };
    });
  }

  /**
   * Sends request `name` (a complete value: build it with the generated
   * `fromPartial`) and resolves with its reply; rejects with the server's
   * error, on timeout, or when the connection closes first.
   */
  request<C extends OpCase>(name: C, value: OpValue<C>, timeoutMs: number, onReply?: (r: ReplyValue<C>) => void): Promise<ReplyValue<C>> {
    if (this.#done || this.#ws.readyState !== OPEN) return Promise.reject(new HeraldError("unavailable", "not connected"));
    const id = this.#pending.nextId();
    const reply = this.#pending.add<ReplyValue<C>>(id, name, timeoutMs, onReply);
    try {
      this.#ws.send(encodeRequest(id, op(name, value)));
    } catch (err) {
      this.#pending.settle(id, { $case: "error", value: { code: "unavailable", message: String(err), field: "" } });
    }
    return reply;
  }

  /** Pings when nothing arrived for `intervalMs`; no reply within `timeoutMs` drops the socket. */
  startLiveness(intervalMs: number, timeoutMs: number): void {
    if (intervalMs <= 0 || this.#liveness) return;
    this.#liveness = setInterval(() => {
      if (Date.now() - this.#lastFrameAt < intervalMs) return;
      this.request("ping", {}, timeoutMs).catch((err: HeraldError) => {
        if (err.code === "deadline_exceeded") this.drop(LocalClose.pingTimeout, "no reply to ping");
      });
    }, intervalMs);
  }

  /** Closes the socket and reports the close at once (without waiting for the closing handshake). */
  drop(code: number, reason: string): void {
    if (this.#done) return;
    try {
      this.#ws.close(code >= 3000 && code < 5000 ? code : 1000, reason);
    } catch {
      // already closing
    }
    this.#finish({ code, reason });
  }

  get closed(): boolean {
    return this.#done;
  }

  #onMessage(data: unknown): void {
    this.#lastFrameAt = Date.now();
    if (typeof data !== "string") return; // Herald sends text frames only
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      this.#o.onBadFrame(new HeraldError("internal", `unreadable frame from the server: ${(err as Error).message}`));
      return;
    }
    if (frame.id) {
      this.#pending.settle(frame.id, frame.body);
      return;
    }
    if (!frame.body) return;
    if (frame.body.$case === "error") this.#lastError = HeraldError.fromWire(frame.body.value);
    this.#o.onPush(frame.body);
  }

  #finish(info: CloseInfo): void {
    if (this.#done) return;
    this.#done = true;
    clearInterval(this.#liveness);
    const ws = this.#ws as unknown as Record<string, unknown>;
    for (const h of ["onopen", "onmessage", "onclose"]) ws[h] = null;
    const full: CloseInfo = { ...info, ...(this.#lastError ? { error: this.#lastError } : {}) };
    this.#pending.rejectAll(new HeraldError("unavailable", `connection closed (${info.code})`));
    this.#closedHook?.(full);
    this.#o.onClose(full);
  }
}
