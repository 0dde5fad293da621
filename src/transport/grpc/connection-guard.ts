import net from "node:net";
import type { ConnectionInjector } from "@grpc/grpc-js";

/** What every HTTP/2 client sends first (RFC 9113, section 3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * The gRPC listener's TCP side, in front of grpc-js (which has no connection cap):
 * accepts at most `maxConnections` sockets (node's `server.maxConnections` closes
 * the others on accept), and hands a socket to grpc-js only once it has sent the
 * HTTP/2 connection preface; one that sends anything else, or nothing within
 * `handshakeTimeoutMs`, is closed. Until then a socket holds at most 24 bytes.
 */
export class ConnectionGuard {
  readonly #server: net.Server;
  readonly #handshaking = new Set<net.Socket>();
  readonly #handshakeTimeoutMs: number;
  readonly #injector: ConnectionInjector;
  readonly #onRefused: (reason: "limit" | "preface" | "timeout") => void;
  readonly #onError: (err: Error) => void;

  constructor(options: {
    injector: ConnectionInjector;
    maxConnections: number;
    handshakeTimeoutMs: number;
    /** Called for each connection closed here. */
    onRefused?: (reason: "limit" | "preface" | "timeout") => void;
    /** Called for an error of the listener once it listens (e.g. EMFILE on accept); it keeps listening. */
    onError?: (err: Error) => void;
  }) {
    this.#injector = options.injector;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs;
    this.#onRefused = options.onRefused ?? (() => {});
    this.#onError = options.onError ?? (() => {});
    this.#server = net.createServer((socket) => this.#accept(socket));
    this.#server.maxConnections = options.maxConnections;
    this.#server.on("drop", () => this.#onRefused("limit"));
  }

  /** Listens; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        this.#server.on("error", (err) => this.#onError(err));
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting and closes the sockets still handshaking; grpc-js closes the rest. */
  close(): Promise<void> {
    for (const socket of this.#handshaking) socket.destroy();
    this.#handshaking.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    // Errors (ECONNRESET...) of a socket are its own affair, before and after the handoff.
    socket.on("error", () => {});
    this.#handshaking.add(socket);
    let received = Buffer.alloc(0);
    const done = (reason: "preface" | "timeout" | null) => {
      clearTimeout(timer);
      socket.off("readable", onReadable);
      socket.off("close", onClose);
      this.#handshaking.delete(socket);
      if (reason === null) return;
      this.#onRefused(reason);
      socket.destroy();
    };
    const onClose = () => done(null);
    const onReadable = () => {
      const need = HTTP2_PREFACE.length - received.length;
      const chunk = socket.read(Math.min(need, socket.readableLength)) as Buffer | null;
      if (chunk === null) return;
      received = Buffer.concat([received, chunk]);
      if (!HTTP2_PREFACE.subarray(0, received.length).equals(received)) return done("preface");
      if (received.length < HTTP2_PREFACE.length) return;
      done(null);
      socket.unshift(received);
      this.#injector.injectConnection(socket);
    };
    const timer = setTimeout(() => done("timeout"), this.#handshakeTimeoutMs);
    socket.on("readable", onReadable);
    socket.on("close", onClose);
  }
}
