import type { Filter } from "./filter/filter.js";
import type { FilterDocument } from "./filter/field-path.js";
import type { Notification } from "./notification.js";
import type { RoomEvent, RoomMessage } from "./room.js";

/**
 * What filters see of Herald's items. A message's or notification's
 * `content` is the document (Kuzzle filters on document fields work
 * unchanged); the envelope holds the rest under `_` names:
 *
 * - room messages: `_id` (message id), `_room`, `_sender` (empty for a
 *   backend), `_tags` (so `_tags.lang`), `_seq`;
 * - inbox notifications: `_id`, `_code`, `_subject`, `_sender`, `_seq`,
 *   `_persistent`.
 */
export function messageDocument(m: RoomMessage, tags = m.tags, content = m.content): FilterDocument {
  return { content, envelope: { _id: m.id, _room: m.roomId, _sender: m.senderId, _tags: tags, _seq: m.seq } };
}

export function notificationDocument(n: Notification): FilterDocument {
  return {
    content: n.content,
    envelope: { _id: n.id, _code: n.code, _subject: n.subject, _sender: n.senderId, _seq: n.seq, _persistent: n.persistent },
  };
}

/** The message as it is after the event (null for a delete: a tombstone matches nothing). */
export function afterDocument(e: RoomEvent): FilterDocument | null {
  return e.kind === "message_delete" ? null : docs(e).after;
}

/** The message as it was before an update or delete (null for a creation, or when the previous content is unknown). */
export function beforeDocument(e: RoomEvent): FilterDocument | null {
  return docs(e).before;
}

/** How an event relates to a filter: `in` (matches after it), `out` (matched before, not after), or null (neither). */
export type EventScope = "in" | "out";

/**
 * The scope of `e` for a subscription with `filter` (null: no filter, every
 * event: a delete is `out`, anything else `in`). A creation is in when it
 * matches; an update is in when it matches after it, out when it matched only
 * before; a delete is out when the message matched before it.
 */
export function eventScope(filter: Filter | null, e: RoomEvent): EventScope | null {
  if (filter === null) return e.kind === "message_delete" ? "out" : "in";
  const after = afterDocument(e);
  if (after !== null && filter.test(after)) return "in";
  const before = beforeDocument(e);
  return before !== null && filter.test(before) ? "out" : null;
}

interface Docs {
  after: FilterDocument;
  before: FilterDocument | null;
}

/** Built once per event object, whatever the number of subscriptions testing it. */
const eventDocs = new WeakMap<RoomEvent, Docs>();

function docs(e: RoomEvent): Docs {
  let d = eventDocs.get(e);
  if (d === undefined) {
    const before =
      e.kind !== "message" && e.previousContent !== null ? messageDocument(e.message, e.previousTags ?? {}, e.previousContent) : null;
    d = { after: messageDocument(e.message), before };
    eventDocs.set(e, d);
  }
  return d;
}
