import { HeraldError } from "../../../domain/errors.js";
import { Limits } from "../../../domain/limits.js";
import { checkRoomId, checkTags } from "../../../domain/room-validate.js";
import { checkBoundedText, checkJsonObject } from "../../../domain/validate.js";
import { Scope, UsersScope } from "../../../../gen/herald/gateway/v1/envelope.js";
import type { RoomMessageQuery } from "../../../../gen/herald/v1/room.js";
import { ListDirection } from "../../../../gen/herald/v1/notification.js";
import { roomPageToProto, roomPresenceToProto, roomQueryFromProto } from "../../../codec/room-convert.js";
import { enumNames, type FieldKinds, type OperationTable } from "../operation.js";
import { encodeFrame } from "../server-frames.js";

type RoomCase = "join" | "leave" | "publish" | "updateMessage" | "deleteMessage" | "typing" | "history" | "presence";

const QUERY_FIELDS = {
  limit: "uint32",
  cursor: "string",
  direction: { enum: enumNames(ListDirection) },
  afterSeq: "int64",
} as const satisfies FieldKinds<RoomMessageQuery>;

/**
 * Names a domain error's field by its frame path: the domain names fields as
 * gRPC does (`room_id`, `messages[0].content`), a frame as `publish.room_id`.
 */
async function framed<T>(op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof HeraldError) || err.field === undefined || err.field.startsWith(`${op}.`)) throw err;
    const field = `${op}.${err.field.replace(/^messages\[0\]\./, "")}`;
    const message = err.message.startsWith(`${err.field}:`) ? `${field}${err.message.slice(err.field.length)}` : err.message;
    throw new HeraldError(err.code, message, { field, cause: err });
  }
}

/**
 * The room operations of an authenticated session, as the token's user: the
 * room's options and membership decide (`RoomService`), as for any user.
 * `join` replies itself, then streams; `history` is charged to the user's
 * read budget like the inbox's `list`; `typing` needs a subscription to the
 * room on this connection and is forwarded at most once a second per room
 * (see `TypingGate`).
 */
export const ROOM_OPERATIONS = {
  join: {
    fields: {
      roomId: "string",
      sinceSeq: "int64",
      resume: "bool",
      presence: "bool",
      volatile: "struct",
      filter: "struct",
      scope: { enum: enumNames(Scope) },
      users: { enum: enumNames(UsersScope) },
    },
    async handle(s, id, value) {
      await s.roomSubs.join(value, (r) => s.send(encodeFrame(id, { $case: "join", value: r })));
      return null;
    },
  },
  leave: {
    fields: { subscriptionId: "string" },
    async handle(s, id, value) {
      s.roomSubs.leave(value.subscriptionId);
      return encodeFrame(id, { $case: "leave", value: {} });
    },
  },
  publish: {
    fields: { roomId: "string", content: "struct", tags: "string_map", idempotencyKey: "string" },
    async handle(s, id, value) {
      const roomId = checkRoomId("publish.room_id", value.roomId);
      const content = checkJsonObject("publish.content", value.content ?? {}, Limits.maxContentBytes);
      const tags = checkTags("publish.tags", value.tags);
      const idempotencyKey = checkBoundedText("publish.idempotency_key", value.idempotencyKey, Limits.maxIdempotencyKeyBytes);
      const message = { roomId, content, tags, idempotencyKey, senderId: s.userId, persistent: true };
      const [r] = await framed("publish", () => s.rooms.publish([message], { kind: "user", userId: s.userId }));
      return encodeFrame(id, { $case: "publish", value: { messageId: r!.messageId, seq: String(r!.seq), duplicate: r!.duplicate } });
    },
  },
  updateMessage: {
    fields: { roomId: "string", messageId: "string", content: "struct", tags: "string_map" },
    async handle(s, id, value) {
      const roomId = checkRoomId("update_message.room_id", value.roomId);
      const fields = { content: "update_message.content", tags: "update_message.tags", messageId: "update_message.message_id" };
      const actor = { kind: "user", userId: s.userId } as const;
      const seq = await framed("update_message", () =>
        s.rooms.updateMessage(roomId, value.messageId, value.content ?? {}, value.tags, actor, fields),
      );
      return encodeFrame(id, { $case: "updateMessage", value: { seq: String(seq) } });
    },
  },
  deleteMessage: {
    fields: { roomId: "string", messageId: "string" },
    async handle(s, id, value) {
      const roomId = checkRoomId("delete_message.room_id", value.roomId);
      const actor = { kind: "user", userId: s.userId } as const;
      const seq = await framed("delete_message", () => s.rooms.deleteMessage(roomId, value.messageId, actor, "delete_message.message_id"));
      return encodeFrame(id, { $case: "deleteMessage", value: { seq: String(seq) } });
    },
  },
  typing: {
    fields: { roomId: "string", typing: "bool" },
    async handle(s, id, value) {
      await s.roomSubs.typing(checkRoomId("typing.room_id", value.roomId), value.typing);
      return encodeFrame(id, { $case: "typing", value: {} });
    },
  },
  history: {
    fields: { roomId: "string", query: { message: QUERY_FIELDS } },
    async handle(s, id, value) {
      const query = roomQueryFromProto(value.query, "history.query");
      await s.rooms.joinable(value.roomId, s.userId, "history.room_id");
      const read = async () =>
        encodeFrame(id, { $case: "history", value: roomPageToProto(await s.rooms.listMessages(value.roomId, query, "history.query")) });
      return s.reads.request(s.userId, read, (reply) => reply.length);
    },
  },
  presence: {
    fields: { roomId: "string" },
    async handle(s, id, value) {
      const room = await s.rooms.joinable(value.roomId, s.userId, "presence.room_id");
      if (!room.options.presence)
        throw new HeraldError("failed_precondition", "presence is off in this room", { field: "presence.room_id" });
      return encodeFrame(id, { $case: "presence", value: roomPresenceToProto(await s.rooms.presence(value.roomId)) });
    },
  },
} satisfies Pick<OperationTable, RoomCase>;
