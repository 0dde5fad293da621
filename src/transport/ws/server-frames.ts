import type { HeraldError } from "../../domain/errors.js";
import type { Notification, SystemEvent } from "../../domain/notification.js";
import { ServerFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import { notificationToProto, systemEventToProto } from "../../codec/proto-convert.js";

type Body = NonNullable<ServerFrame["body"]>;

/** Serialises a server frame as proto3 JSON text. */
export function encodeFrame(id: number, body: Body): string {
  return JSON.stringify(ServerFrame.toJSON({ id, body }));
}

export function errorFrame(id: number, err: HeraldError): string {
  return encodeFrame(id, { $case: "error", value: { code: err.code, message: err.message, field: err.field ?? "" } });
}

// One JSON encode per notification, however many connections it goes to.
const pushCache = new WeakMap<Notification, string>();

export function notificationPush(n: Notification): string {
  let text = pushCache.get(n);
  if (text === undefined) {
    text = encodeFrame(0, { $case: "notification", value: notificationToProto(n) });
    pushCache.set(n, text);
  }
  return text;
}

export function systemEventPush(e: SystemEvent): string {
  return encodeFrame(0, { $case: "systemEvent", value: systemEventToProto(e) });
}
