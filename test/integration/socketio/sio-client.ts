import type { Socket } from "socket.io-client";
import { waitFor } from "../../support/wait.js";

/** One event a Socket.IO client received: its name and arguments (an acknowledgement callback left out). */
export interface Received {
  name: string;
  args: any[];
}

/**
 * Records every event a real socket.io-client socket receives (and its
 * disconnects), for assertions and waits on events, never on time.
 */
export class Recorder {
  readonly socket: Socket;
  readonly events: Received[] = [];
  readonly disconnects: string[] = [];
  readonly connectErrors: Error[] = [];
  connects = 0;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.onAny((name: string, ...args: unknown[]) => {
      this.events.push({ name, args: args.filter((a) => typeof a !== "function") });
    });
    socket.on("connect", () => this.connects++);
    socket.on("disconnect", (reason) => this.disconnects.push(reason));
    socket.on("connect_error", (err) => this.connectErrors.push(err));
  }

  /** The first arguments of every event called `name`. */
  of(name: string): any[] {
    return this.events.filter((e) => e.name === name).map((e) => e.args[0]);
  }

  /** Waits for at least `n` events called `name` and returns the first arguments of all of them. */
  async wait(name: string, n = 1, timeoutMs = 15_000): Promise<any[]> {
    return waitFor(() => this.of(name).length >= n && this.of(name), { timeoutMs, message: `${n} "${name}" event(s)` });
  }

  async connected(timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.socket.connected, { timeoutMs, message: "Socket.IO connect" });
  }

  async disconnected(timeoutMs = 15_000): Promise<string> {
    return waitFor(() => this.disconnects[0], { timeoutMs, message: "Socket.IO disconnect" });
  }

  /** Emits an event with an acknowledgement callback and resolves with the acknowledgement's argument. */
  request(name: string, data: unknown, timeoutMs = 15_000): Promise<any> {
    return this.socket.timeout(timeoutMs).emitWithAck(name, data);
  }
}
