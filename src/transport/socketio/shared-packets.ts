import type { Server } from "socket.io";
import * as ws from "ws";

/** An event encoded once for every socket of a namespace: Socket.IO's packet and, for WebSocket clients, the frame. */
export interface SharedPacket {
  packets: string[];
  /** Engine.IO's packet options: `wsPreEncodedFrame` lets its WebSocket transport write the frame as is. */
  opts: { wsPreEncodedFrame?: Buffer[] };
}

/** What `ws` offers (untyped in @types/ws): a whole frame built once. */
type FrameBuilder = (data: Buffer, options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }) => Buffer[];

// The module's named export (the default export, the WebSocket class, has no `Sender` under ESM).
const frameOf = (ws as unknown as { Sender?: { frame?: FrameBuilder } }).Sender?.frame;

/**
 * Encodes event `name(...args)` for namespace `nsp` the way Socket.IO's own
 * broadcast does (socket-io-adapter's `_encode`): the server's encoder, then
 * the Engine.IO "message" frame once, so that each further socket costs one
 * write of shared buffers instead of an encode. Events with binary arguments
 * (never produced here) would fall back to per-socket framing.
 */
export function encodeShared(io: Server, nsp: string, name: string, args: unknown[]): SharedPacket {
  const packets = io.encoder.encode({ type: 2, nsp, data: [name, ...args] }) as unknown[];
  if (frameOf === undefined || packets.length !== 1 || typeof packets[0] !== "string") return { packets: packets as string[], opts: {} };
  const frame = frameOf(Buffer.from(`4${packets[0]}`), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
  return { packets: packets as string[], opts: { wsPreEncodedFrame: frame } };
}
