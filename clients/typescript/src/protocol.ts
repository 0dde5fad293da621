import { ClientFrame, ServerFrame } from "../../../gen/herald/gateway/v1/envelope.js";

/**
 * The wire codec: frames are the generated `ClientFrame` / `ServerFrame`,
 * written and read as their proto3 JSON mapping with the generated
 * `toJSON` / `fromJSON` (no hand-copied frame types).
 */

/** One client operation: `{ $case: "list", value: InboxQuery }`, ... */
export type ClientOp = NonNullable<ClientFrame["op"]>;
/** The name of a client operation (`"authenticate"`, `"list"`, `"join"`, ...). */
export type OpCase = ClientOp["$case"];
/** The request body of operation `C`. */
export type OpValue<C extends OpCase> = Extract<ClientOp, { $case: C }>["value"];

/** A server frame's body: a reply (named as its operation), an error or a push. */
export type ServerBody = NonNullable<ServerFrame["body"]>;
/** A push's name (`"notification"`, `"roomEvent"`, ...) or a reply's. */
export type BodyCase = ServerBody["$case"];
/** The body of a frame named `C`. */
export type BodyValue<C extends BodyCase> = Extract<ServerBody, { $case: C }>["value"];
/** The reply body of operation `C` (replies carry their operation's name). */
export type ReplyValue<C extends OpCase> = C extends BodyCase ? BodyValue<C> : never;

/** Builds an operation from its name and (complete) value. */
export function op<C extends OpCase>(name: C, value: OpValue<C>): ClientOp {
  return { $case: name, value } as ClientOp;
}

/** A request frame as JSON text. */
export function encodeRequest(id: number, operation: ClientOp): string {
  return JSON.stringify(ClientFrame.toJSON({ id, op: operation }));
}

/** Parses a server frame (JSON text); throws on text that is not one. */
export function decodeFrame(text: string): ServerFrame {
  const json: unknown = JSON.parse(text);
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new TypeError("a server frame is not a JSON object");
  return ServerFrame.fromJSON(json);
}

/** An int64 from the wire (a decimal string) as a number; seqs stay below 2^53. */
export function seqNumber(seq: string | undefined): number {
  const n = Number(seq ?? "0");
  return Number.isFinite(n) && n > 0 ? n : 0;
}
