import type { ApiKeyVerifier } from "../../auth/api-keys.js";
import type { RoomService } from "../../domain/room-service.js";
import type { RoomServiceServer } from "../../../gen/herald/v1/room_service.js";
import {
  outgoingRoomMessageFromProto,
  roomOptionsFromProto,
  roomPageToProto,
  roomPresenceToProto,
  roomQueryFromProto,
  roomToProto,
} from "../../codec/room-convert.js";
import type { Metrics } from "../../metrics.js";
import { unary } from "./unary.js";

/**
 * herald.v1.RoomService over the domain's RoomService, as a backend (trusted:
 * never held to a room's member options). Every call needs the API key; bad
 * input is INVALID_ARGUMENT naming the field, a missing room NOT_FOUND, a
 * taken id ALREADY_EXISTS (see `unary` for the mapping).
 */
export function roomServiceHandlers(options: {
  rooms: RoomService;
  apiKeys: ApiKeyVerifier;
  logError: (err: unknown, method: string) => void;
  metrics?: Metrics;
}): RoomServiceServer {
  const { rooms } = options;
  const ctx = { apiKeys: options.apiKeys, logError: options.logError, metrics: options.metrics };
  return {
    createRoom: unary(ctx, "CreateRoom", async (req) => ({
      room: roomToProto(await rooms.create(req.roomId, roomOptionsFromProto(req.options, "options"))),
    })),
    updateRoom: unary(ctx, "UpdateRoom", async (req) => ({
      room: roomToProto(await rooms.update(req.roomId, roomOptionsFromProto(req.options, "options"))),
    })),
    deleteRoom: unary(ctx, "DeleteRoom", async (req) => {
      await rooms.delete(req.roomId);
      return {};
    }),
    getRoom: unary(ctx, "GetRoom", async (req) => ({ room: roomToProto(await rooms.get(req.roomId)) })),
    addRoomMembers: unary(ctx, "AddRoomMembers", async (req) => ({ addedCount: await rooms.addMembers(req.roomId, req.userIds) })),
    removeRoomMembers: unary(ctx, "RemoveRoomMembers", async (req) => ({
      removedCount: await rooms.removeMembers(req.roomId, req.userIds),
    })),
    listRoomMembers: unary(ctx, "ListRoomMembers", (req) => rooms.listMembers(req.roomId, req.limit, req.cursor)),
    publishRoomMessages: unary(ctx, "PublishRoomMessages", async (req) => {
      const results = await rooms.publish(req.messages.map(outgoingRoomMessageFromProto));
      return {
        results: results.map((r) => ({ index: r.index, messageId: r.messageId, seq: String(r.seq), duplicate: r.duplicate })),
      };
    }),
    updateRoomMessage: unary(ctx, "UpdateRoomMessage", async (req) => {
      const content = (req.content ?? {}) as Record<string, unknown>;
      return { seq: String(await rooms.updateMessage(req.roomId, req.messageId, content, req.tags)) };
    }),
    deleteRoomMessage: unary(ctx, "DeleteRoomMessage", async (req) => ({
      seq: String(await rooms.deleteMessage(req.roomId, req.messageId)),
    })),
    listRoomMessages: unary(ctx, "ListRoomMessages", async (req) => ({
      page: roomPageToProto(await rooms.listMessages(req.roomId, roomQueryFromProto(req.query, "query"), "query")),
    })),
    getRoomPresence: unary(ctx, "GetRoomPresence", async (req) => ({ presence: roomPresenceToProto(await rooms.presence(req.roomId)) })),
    unsubscribeUser: unary(ctx, "UnsubscribeUser", async (req) => {
      await rooms.unsubscribeUser(req.roomId, req.userId);
      return {};
    }),
  };
}
