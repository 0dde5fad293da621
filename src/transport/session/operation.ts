import type { InboxService } from "../../domain/inbox-service.js";
import type { RoomService } from "../../domain/room-service.js";
import type { ClientFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import type { ReadBudget } from "./read-budget.js";
import type { RoomSubscriptions } from "./room-subscriptions.js";

/** One operation of the generated `ClientFrame` oneof, e.g. `{ $case: "markRead", value: MarkReadRequest }`. */
export type ClientOp = NonNullable<ClientFrame["op"]>;
/** The operations' names as ts-proto spells them (`markRead`); the proto field is their snake_case. */
export type OpCase = ClientOp["$case"];
export type OpValue<K extends OpCase> = Extract<ClientOp, { $case: K }>["value"];

/**
 * The JSON kind of a request field, checked before ts-proto's `fromJSON`
 * (which does not validate): `struct` is a `google.protobuf.Struct` (any JSON
 * object; its content is the domain's to check), `string_map` a
 * `map<string, string>`, `{ message }` a nested message with its own fields.
 */
export type FieldKind =
  | "string"
  | "bool"
  | "uint32"
  | "int64"
  | "string[]"
  | "struct"
  | "string_map"
  | { enum: readonly string[] }
  | { message: Readonly<Record<string, FieldKind>> };

/** The field kinds of a generated message type `T`: every field, no other. */
export type FieldKinds<T> = { [F in keyof T]-?: FieldKind };

/** What a request handler sees of its session. */
export interface RequestScope {
  /** The token's user ("" before authentication). */
  readonly userId: string;
  readonly sessionId: string;
  readonly inbox: InboxService;
  readonly rooms: RoomService;
  /** The session's room subscriptions. */
  readonly roomSubs: RoomSubscriptions;
  /** The per-user budget of bytes read from the store (`list` is charged its reply's size). */
  readonly reads: ReadBudget;
  /** Sends a frame (an operation that replies before it is done, e.g. join, which then streams). */
  send(frame: string | Buffer): void;
  /** The authenticate operation: the session's auth state machine (see `Session`). */
  authenticate(id: number, value: OpValue<"authenticate">): Promise<void>;
  /** Verifies a new token of the session's user and moves the expiry to its `exp` (see `Session.refresh`). */
  refresh(token: string): Promise<{ userId: string; expireTime: string }>;
}

/**
 * One client operation: its body's fields (every field of the generated
 * request type, no other: the compiler holds the two together) and its
 * handler, which returns the reply frame's text (null: replied already).
 */
export interface Operation<K extends OpCase> {
  fields: FieldKinds<OpValue<K>>;
  /** Runs before authentication; every other operation waits for it and is refused without it. */
  beforeAuth?: boolean;
  handle(scope: RequestScope, id: number, value: OpValue<K>): Promise<string | null>;
}

export type OperationTable = { [K in OpCase]: Operation<K> };

/** The names of the proto enum `e`'s values, in number order (ts-proto's `UNRECOGNIZED` left out). */
export function enumNames(e: Record<string, string | number>): string[] {
  return Object.entries(e)
    .filter((kv): kv is [string, number] => typeof kv[1] === "number" && kv[1] >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}
