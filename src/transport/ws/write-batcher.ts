import type { Duplex } from "node:stream";

/**
 * Frames written at once within one loop turn before the rest of the turn's
 * frames are held too: a turn that writes more is a fan-out (a broadcast, a
 * batch to many users), where one write per socket per turn is what counts;
 * below it a frame is on the wire without waiting for the turn to end.
 */
export const BUSY_TURN_FRAMES = 256;

/**
 * Coalesces the frames a node writes to one socket within one turn of the
 * event loop into one write: the first held frame of a turn corks the socket,
 * and every corked socket is uncorked once, in a `setImmediate` after the I/O
 * that produced the frames. A room event fanned out to 1,000 sockets still
 * costs one write per socket; several events (a committed batch, publishes
 * that arrived together, a broadcast's notifications of several calls) to the
 * same socket cost one write instead of one each, which is where a loaded node
 * spends most of its time (the write system call, which on loopback also runs
 * the receiver's TCP stack).
 *
 * What is held: room pushes (shared buffers, a fan-out by nature) always, and
 * any other frame once the turn has written `BUSY_TURN_FRAMES` frames at once
 * (`mayWriteNow`). A targeted push on a quiet node is written at once: holding
 * every inbox push until the turn's other callbacks had run cost about 1 ms of
 * median latency at 10,000 notifications/s (bench:latency).
 *
 * Frames are never reordered (a cork only holds them; a frame written to a
 * held socket joins its held frames) and never held past the turn: a frame is
 * on the wire by the end of the loop iteration it was sent in.
 */
export class WriteBatcher {
  #held = new Set<Duplex>();
  #scheduled = false;
  #writtenThisTurn = 0;
  readonly #flush = () => this.flush();

  /** Corks `socket` until the end of this turn (once per turn, however many frames). */
  hold(socket: Duplex): void {
    if (this.#held.has(socket)) return;
    socket.cork();
    this.#held.add(socket);
    this.#schedule();
  }

  /**
   * For a frame that need not be held: true (and counted) while this turn
   * has written fewer than `BUSY_TURN_FRAMES` frames at once; false once it
   * is busy, when the caller holds the socket instead.
   */
  mayWriteNow(): boolean {
    if (this.#writtenThisTurn >= BUSY_TURN_FRAMES) return false;
    if (this.#writtenThisTurn++ === 0) this.#schedule();
    return true;
  }

  /** Uncorks every socket held this turn; the next turn starts counting afresh. */
  flush(): void {
    const held = this.#held;
    this.#held = new Set();
    this.#scheduled = false;
    this.#writtenThisTurn = 0;
    for (const socket of held) socket.uncork();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }
}
