import { randomUUID } from "node:crypto";
import { credentials } from "@grpc/grpc-js";
import { auth, call, fail, type Invocation, jsonObjectOption } from "./cli-support.js";
import { ListDirection } from "../gen/herald/v1/notification.js";
import { JoinPolicy } from "../gen/herald/v1/room.js";
import { type PublishRoomMessagesRequest, type PublishRoomMessagesResponse, RoomServiceClient } from "../gen/herald/v1/room_service.js";

export const ROOM_USAGE = `  room create ROOM [--open] [--members-can-publish] [--members-can-edit] [--presence] [--notify-offline]
                  [--history-max-count N] [--history-max-age SECONDS] [--metadata JSON]
  room get ROOM | room delete ROOM
  room add-member ROOM --user U [--user U2]   |   room remove-member ROOM --user U
  room publish ROOM --content JSON [--sender U] [--ephemeral] [--idempotency-key K]
  room history ROOM [--limit N] [--cursor C] [--backward]
  room presence ROOM`;

/** The options `herald room` declares (any other `--name value` is a config flag). */
export const ROOM_OPTIONS = {
  open: { type: "boolean" },
  "members-can-publish": { type: "boolean" },
  "members-can-edit": { type: "boolean" },
  presence: { type: "boolean" },
  "notify-offline": { type: "boolean" },
  "history-max-count": { type: "string" },
  "history-max-age": { type: "string" },
  metadata: { type: "string" },
  sender: { type: "string" },
} as const;

type Rooms = RoomServiceClient;
type Handler = (c: Rooms, roomId: string, inv: Invocation) => Promise<unknown>;

const HANDLERS: Record<string, Handler> = {
  create: (c, roomId, { values, str, config }) =>
    call(
      c.createRoom.bind(c),
      {
        roomId,
        options: {
          joinPolicy: values.open === true ? JoinPolicy.JOIN_POLICY_OPEN : JoinPolicy.JOIN_POLICY_MEMBERS,
          membersCanPublish: values["members-can-publish"] === true,
          membersCanEdit: values["members-can-edit"] === true,
          presence: values.presence === true,
          historyMaxCount: Number(str("history-max-count") ?? "0"),
          historyMaxAgeSeconds: Number(str("history-max-age") ?? "0"),
          notifyOffline: values["notify-offline"] === true,
          metadata: jsonObjectOption("metadata", str("metadata")),
        },
      },
      auth(config, str("api-key")),
    ),
  get: (c, roomId, { str, config }) => call(c.getRoom.bind(c), { roomId }, auth(config, str("api-key"))),
  delete: (c, roomId, { str, config }) => call(c.deleteRoom.bind(c), { roomId }, auth(config, str("api-key"))),
  "add-member": (c, roomId, { users, str, config }) =>
    call(c.addRoomMembers.bind(c), { roomId, userIds: users }, auth(config, str("api-key"))),
  "remove-member": (c, roomId, { users, str, config }) =>
    call(c.removeRoomMembers.bind(c), { roomId, userIds: users }, auth(config, str("api-key"))),
  publish: (c, roomId, { values, str, config }) => {
    const persistent = values.ephemeral !== true;
    const idempotencyKey = str("idempotency-key") ?? (persistent ? randomUUID() : "");
    const message = {
      roomId,
      content: jsonObjectOption("content", str("content")),
      tags: {},
      senderId: str("sender") ?? "",
      persistent,
      idempotencyKey,
    };
    const req: PublishRoomMessagesRequest = { messages: [message] };
    return call<PublishRoomMessagesRequest, PublishRoomMessagesResponse>(
      c.publishRoomMessages.bind(c),
      req,
      auth(config, str("api-key")),
    ).then((r) => ({
      idempotencyKey,
      ...r,
    }));
  },
  history: (c, roomId, { values, str, config }) =>
    call(
      c.listRoomMessages.bind(c),
      {
        roomId,
        query: {
          limit: Number(str("limit") ?? "20"),
          cursor: str("cursor") ?? "",
          direction: values.backward === true ? ListDirection.LIST_DIRECTION_BACKWARD : ListDirection.LIST_DIRECTION_FORWARD,
          afterSeq: "0",
        },
      },
      auth(config, str("api-key")),
    ),
  presence: (c, roomId, { str, config }) => call(c.getRoomPresence.bind(c), { roomId }, auth(config, str("api-key"))),
};

/** `herald room <sub> ROOM ...`: one RoomService call, its response printed as JSON. */
export async function roomCommand(inv: Invocation): Promise<void> {
  const [sub, roomId] = inv.positionals;
  const handler = sub === undefined ? undefined : HANDLERS[sub];
  if (!handler) fail(`room needs a subcommand:\n${ROOM_USAGE}`);
  if (!roomId) fail(`room ${sub} needs a room id`);
  if ((sub === "add-member" || sub === "remove-member") && inv.users.length === 0) fail(`room ${sub} needs --user`);
  const c = new RoomServiceClient(inv.str("addr") ?? `127.0.0.1:${inv.config.grpcPort}`, credentials.createInsecure());
  try {
    process.stdout.write(`${JSON.stringify(await handler(c, roomId, inv), null, 2)}\n`);
  } finally {
    c.close();
  }
}
