import { credentials, Metadata } from "@grpc/grpc-js";
import { DEV_API_KEY } from "../../src/config.js";
import { JoinPolicy, type RoomOptions } from "../../gen/herald/v1/room.js";
import type * as R from "../../gen/herald/v1/room_service.js";
import { type OutgoingRoomMessage, RoomServiceClient } from "../../gen/herald/v1/room_service.js";
import type { CallOpts } from "./grpc.js";

type Callback<Res> = (error: Error | null, response: Res) => void;
type AnyUnary = (req: never, md: Metadata, opts: { deadline: Date }, cb: Callback<never>) => unknown;
type Call<Req, Res> = (req: Req, opts?: CallOpts) => Promise<Res>;

/** Promisified RoomService calls with the API key set (or not, see CallOpts). */
export interface RoomRpc {
  createRoom: Call<R.CreateRoomRequest, R.CreateRoomResponse>;
  updateRoom: Call<R.UpdateRoomRequest, R.UpdateRoomResponse>;
  deleteRoom: Call<R.DeleteRoomRequest, R.DeleteRoomResponse>;
  getRoom: Call<R.GetRoomRequest, R.GetRoomResponse>;
  addRoomMembers: Call<R.AddRoomMembersRequest, R.AddRoomMembersResponse>;
  removeRoomMembers: Call<R.RemoveRoomMembersRequest, R.RemoveRoomMembersResponse>;
  listRoomMembers: Call<R.ListRoomMembersRequest, R.ListRoomMembersResponse>;
  publishRoomMessages: Call<R.PublishRoomMessagesRequest, R.PublishRoomMessagesResponse>;
  updateRoomMessage: Call<R.UpdateRoomMessageRequest, R.UpdateRoomMessageResponse>;
  deleteRoomMessage: Call<R.DeleteRoomMessageRequest, R.DeleteRoomMessageResponse>;
  listRoomMessages: Call<R.ListRoomMessagesRequest, R.ListRoomMessagesResponse>;
  getRoomPresence: Call<R.GetRoomPresenceRequest, R.GetRoomPresenceResponse>;
  unsubscribeUser: Call<R.UnsubscribeUserRequest, R.UnsubscribeUserResponse>;
}

const METHODS = [
  "createRoom",
  "updateRoom",
  "deleteRoom",
  "getRoom",
  "addRoomMembers",
  "removeRoomMembers",
  "listRoomMembers",
  "publishRoomMessages",
  "updateRoomMessage",
  "deleteRoomMessage",
  "listRoomMessages",
  "getRoomPresence",
  "unsubscribeUser",
] as const satisfies ReadonlyArray<keyof RoomRpc>;

/** A generated RoomService client on `127.0.0.1:port` and its promisified calls. */
export function connectRoomClient(port: number, apiKey = DEV_API_KEY): { client: RoomServiceClient; rooms: RoomRpc } {
  const client = new RoomServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const rooms = {} as Record<string, unknown>;
  for (const m of METHODS) {
    rooms[m] = (req: unknown, opts: CallOpts = {}) => {
      const md = new Metadata();
      const key = opts.apiKey === undefined ? apiKey : opts.apiKey;
      if (opts.authorization !== undefined) md.set("authorization", opts.authorization);
      else if (key !== null) md.set("authorization", `Bearer ${key}`);
      const deadline = new Date(Date.now() + (opts.deadlineMs ?? 30_000));
      return new Promise((resolve, reject) => {
        (client[m] as unknown as AnyUnary).call(client, req as never, md, { deadline }, (err, res) => (err ? reject(err) : resolve(res)));
      });
    };
  }
  return { client, rooms: rooms as unknown as RoomRpc };
}

/** Room options with every field given a default (members-only, nothing else on). */
export function roomOptions(o: Partial<RoomOptions> = {}): RoomOptions {
  return {
    joinPolicy: JoinPolicy.JOIN_POLICY_MEMBERS,
    membersCanPublish: false,
    membersCanEdit: false,
    presence: false,
    historyMaxCount: 0,
    historyMaxAgeSeconds: 0,
    notifyOffline: false,
    metadata: {},
    ...o,
  };
}

/** An OutgoingRoomMessage with defaults (persistent, from the backend). */
export function roomMessage(o: Partial<OutgoingRoomMessage> & { roomId: string }): OutgoingRoomMessage {
  return { content: {}, tags: {}, senderId: "", persistent: true, idempotencyKey: "", ...o };
}
