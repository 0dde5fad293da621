/**
 * Herald's RoomService for the room benchmark: the backend side of a run.
 * Same connection settings as NotificationService in ./herald.ts: the node's
 * gRPC port on 127.0.0.1, metadata `authorization: Bearer <api key>`, a
 * deadline per call.
 */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { JoinPolicy } from "../../gen/herald/v1/room.js";
import { type OutgoingRoomMessage, type PublishRoomMessagesResponse, RoomServiceClient } from "../../gen/herald/v1/room_service.js";
import { nowMs, sleep } from "./clock.js";
import { type HeraldNode, oneLine, startHeraldNode, WS_GATEWAY_MISSING } from "./herald.js";
import { paced } from "./pace.js";
import type { SystemResult } from "./results.js";
import { measureChurn, measureDelivery } from "./room-run.js";

/** The room every run uses. */
export const ROOM = "bench:room";

/** One delivery run: --clients subscribers, --messages published, `rate` messages/s (0 = as fast as possible). */
export interface RoomRunOptions {
  clients: number;
  messages: number;
  /** Messages per PublishRoomMessages call. */
  batch: number;
  /** Calls outstanding when as fast as possible. */
  inFlight: number;
  warmup: number;
  clientProcs: number;
  sourceAddresses: number;
  rate: number;
  persistent: boolean;
  /** Subscribers filter on `g` = user number mod this; messages carry `g` = i mod this (0: no filter). */
  filterGroups: number;
  /** Subscribers on the native endpoint (default) or on the Socket.IO endpoint (MinChat's `room.join`). */
  over?: "ws" | "socketio";
}

/** The churn run: --clients subscribers, churnWatchers of them asking for presence events. */
export interface ChurnRunOptions {
  clients: number;
  churnWatchers: number;
  churnConnections: number;
  churnSeconds: number;
  sourceAddresses: number;
}

export interface RoomApi {
  /** CreateRoom with `join_policy: JOIN_POLICY_OPEN` (any authenticated user may join) and presence on or off. */
  createOpenRoom(roomId: string, presence: boolean): Promise<void>;
  /** PublishRoomMessages; resolves once Herald acknowledges (persistent ones are committed then). */
  publish(messages: OutgoingRoomMessage[], deadlineMs?: number): Promise<PublishRoomMessagesResponse>;
  close(): void;
}

/** A RoomService client for a running node. */
export function roomApi(node: HeraldNode): RoomApi {
  const client = new RoomServiceClient(`127.0.0.1:${node.grpcPort}`, credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
  const md = new Metadata();
  md.set("authorization", `Bearer ${node.apiKey}`);
  return {
    createOpenRoom(roomId, presence) {
      const options = {
        joinPolicy: JoinPolicy.JOIN_POLICY_OPEN,
        membersCanPublish: false,
        membersCanEdit: false,
        presence,
        historyMaxCount: 0,
        historyMaxAgeSeconds: 0,
        notifyOffline: false,
      };
      return new Promise((resolve, reject) =>
        client.createRoom({ roomId, options }, md, { deadline: Date.now() + 30_000 }, (err: ServiceError | null) =>
          err ? reject(err) : resolve(),
        ),
      );
    },
    publish(messages, deadlineMs = 60_000) {
      return new Promise((resolve, reject) =>
        client.publishRoomMessages({ messages }, md, { deadline: Date.now() + deadlineMs }, (err: ServiceError | null, res) =>
          err ? reject(err) : resolve(res),
        ),
      );
    },
    close: () => client.close(),
  };
}

/**
 * One publish call's messages: `count` messages to `roomId`, numbered
 * `firstI`, `firstI + 1`, ... (negative for warm-up), all with content
 * `{t, i}` stamped at `t` (the bench clock just before the call).
 */
export function roomMessages(
  roomId: string,
  t: number,
  firstI: number,
  count: number,
  persistent: boolean,
  groups = 0,
): OutgoingRoomMessage[] {
  const group = (i: number) => (groups > 0 ? { g: ((i % groups) + groups) % groups } : {});
  return Array.from({ length: count }, (_, j) => ({
    roomId,
    content: { t, i: firstI + j, ...group(firstI + j) },
    tags: {},
    senderId: "",
    persistent,
    idempotencyKey: "",
  }));
}

/** A Herald node with the room created, or the reason it cannot run (status "skipped"). */
async function heraldWithRoom(presence: boolean, env?: Record<string, string>): Promise<{ node: HeraldNode; api: RoomApi } | SystemResult> {
  const skipped = (note: string): SystemResult => ({ name: "Herald", status: "skipped", note, figures: {} });
  let node: HeraldNode;
  try {
    node = await startHeraldNode({ label: "herald", nodeFlags: ["--max-old-space-size=4096"], env });
  } catch (err) {
    return skipped(`Herald did not start: ${oneLine(err)}`);
  }
  const api = roomApi(node);
  const fail = async (note: string) => {
    api.close();
    await node.stop();
    return skipped(note);
  };
  if (!node.wsListening) return fail(WS_GATEWAY_MISSING);
  try {
    await api.createOpenRoom(ROOM, presence);
  } catch (err) {
    return fail(`CreateRoom failed (RoomService not wired?): ${oneLine(err)}`);
  }
  return { node, api };
}

/**
 * ===================== HERALD HOOK (rooms) =====================
 * A fresh node per configuration; room `bench:room` created with
 * JOIN_POLICY_OPEN; every client joins it ({"id":1,"join":{"roomId":...}})
 * and counts as up on the reply. Each PublishRoomMessages call carries
 * --batch messages (content {t, i}, t stamped just before the call),
 * ephemeral or persistent; as fast as possible = --in-flight calls
 * outstanding, fixed rate = paced calls (at most 64 outstanding).
 * ================================================================
 */
export async function runHeraldRoom(p: RoomRunOptions): Promise<SystemResult> {
  const started = await heraldWithRoom(false);
  if (!("node" in started)) return started;
  const { node, api } = started;
  const persistent = p.persistent;
  const calls = Math.ceil(p.messages / p.batch);
  const call = (k: number, t: number) =>
    api.publish(roomMessages(ROOM, t, k * p.batch, Math.min(p.batch, p.messages - k * p.batch), persistent, p.filterGroups));
  try {
    const sio = p.over === "socketio";
    return await measureDelivery({
      name: "Herald",
      adapter: sio ? "room-socketio" : "room",
      url: sio ? `http://127.0.0.1:${node.httpPort}/?token={token}` : node.wsUrlTemplate,
      jwtSecret: node.jwtSecret,
      serverPid: node.pid,
      roomId: ROOM,
      clients: p.clients,
      messages: p.messages,
      filterGroups: p.filterGroups,
      clientProcs: p.clientProcs,
      sourceAddresses: p.sourceAddresses,
      async warmup() {
        if (p.warmup === 0) return;
        await paced(p.warmup, 0, (k) => api.publish(roomMessages(ROOM, nowMs(), -1 - k, 1, persistent, p.filterGroups)), p.inFlight);
        await sleep(300);
      },
      async send() {
        const r =
          p.rate > 0
            ? await paced(calls, p.rate / p.batch, (k) => call(k, nowMs()), 64)
            : await paced(calls, 0, (k) => call(k, nowMs()), p.inFlight);
        return { sendStartMs: r.startMs, sendEndMs: r.endMs };
      },
    });
  } catch (err) {
    return { name: "Herald", status: "failed", note: oneLine(err), figures: {} };
  } finally {
    api.close();
    await node.stop();
  }
}

/** Presence churn on a fresh node (see measureChurn), the room created with presence on. */
export async function runHeraldChurn(p: ChurnRunOptions): Promise<SystemResult> {
  // The per-connection request limit (50/s by default) would cap the churn clients, not the node.
  const started = await heraldWithRoom(true, { HERALD_WS_RATE_LIMIT_PER_SEC: "1000000", HERALD_WS_RATE_BURST: "1000000" });
  if (!("node" in started)) return started;
  const { node, api } = started;
  try {
    return await measureChurn({
      url: node.wsUrlTemplate,
      jwtSecret: node.jwtSecret,
      serverPid: node.pid,
      roomId: ROOM,
      quietSubscribers: p.clients - p.churnWatchers,
      watchers: p.churnWatchers,
      churnConnections: p.churnConnections,
      seconds: p.churnSeconds,
      sourceAddresses: p.sourceAddresses,
    });
  } catch (err) {
    return { name: "Herald", status: "failed", note: oneLine(err), figures: {} };
  } finally {
    api.close();
    await node.stop();
  }
}
