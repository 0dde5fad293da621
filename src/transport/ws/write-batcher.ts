import type { Duplex } from "node:stream";

/**
 * Coalesces the fan-out frames a node writes to one socket within one turn of
 * the event loop into one write: the first frame of a turn corks the socket, and
 * every corked socket is uncorked once, in a `setImmediate` after the I/O that
 * produced the frames. A room event fanned out to 1,000 sockets still costs one
 * write per socket; several events (a committed batch, publishes that arrived
 * together) to the same socket cost one write instead of one each, which is
 * where a loaded node spends most of its time (the write system call, which on
 * loopback also runs the receiver's TCP stack).
 *
 * Frames are never reordered (a cork only holds them) and never held past the
 * turn: a frame is on the wire by the end of the loop iteration it was sent in.
 * Only room pushes are held (`WsTransport.send`): holding a targeted inbox
 * push until the turn's other callbacks had run cost it about 1 ms of median
 * latency at 10,000 notifications/s (bench:latency) and bought nothing, as a
 * turn rarely has two for one socket.
 */
export class WriteBatcher {
  #held = new Set<Duplex>();
  #scheduled = false;
  readonly #flush = () => this.flush();

  /** Corks `socket` until the end of this turn (once per turn, however many frames). */
  hold(socket: Duplex): void {
    if (this.#held.has(socket)) return;
    socket.cork();
    this.#held.add(socket);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Uncorks every socket held this turn. */
  flush(): void {
    const held = this.#held;
    this.#held = new Set();
    this.#scheduled = false;
    for (const socket of held) socket.uncork();
  }
}
