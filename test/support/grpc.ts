import assert from "node:assert/strict";
import { type CallOptions, type ClientUnaryCall, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { DEV_API_KEY } from "../../src/config.js";
import { ListDirection, type InboxPage, type InboxQuery, SystemFilter } from "../../gen/herald/v1/notification.js";
import { NotificationServiceClient, type OutgoingNotification } from "../../gen/herald/v1/notification_service.js";

/** Per-call options: `apiKey: null` sends no authorization metadata at all. */
export interface CallOpts {
  apiKey?: string | null;
  /** Raw authorization header value (overrides apiKey). */
  authorization?: string;
  deadlineMs?: number;
}

type UnaryFn<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Promisified NotificationService calls through the generated client. */
export type Rpc = ReturnType<typeof promisifyClient>;

export function promisifyClient(client: NotificationServiceClient, defaultKey: string) {
  const wrap =
    <Req, Res>(fn: UnaryFn<Req, Res>) =>
    (request: Req, opts: CallOpts = {}): Promise<Res> => {
      const md = new Metadata();
      const key = opts.apiKey === undefined ? defaultKey : opts.apiKey;
      if (opts.authorization !== undefined) md.set("authorization", opts.authorization);
      else if (key !== null) md.set("authorization", `Bearer ${key}`);
      const deadline = new Date(Date.now() + (opts.deadlineMs ?? 30_000));
      return new Promise<Res>((resolve, reject) => {
        fn.call(client, request, md, { deadline }, (err, res) => (err ? reject(err) : resolve(res)));
      });
    };
  return {
    sendNotifications: wrap(client.sendNotifications),
    listNotifications: wrap(client.listNotifications),
    deleteNotifications: wrap(client.deleteNotifications),
    markNotificationsRead: wrap(client.markNotificationsRead),
    getUnreadCount: wrap(client.getUnreadCount),
    disconnectUser: wrap(client.disconnectUser),
    banUser: wrap(client.banUser),
    unbanUser: wrap(client.unbanUser),
  };
}

/** A generated client connected to `127.0.0.1:port`, plus its promisified calls. */
export function connectClient(port: number, apiKey = DEV_API_KEY, options: Record<string, unknown> = {}) {
  const client = new NotificationServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), options);
  return { client, rpc: promisifyClient(client, apiKey) };
}

/** An OutgoingNotification with every field given a default (persistent, code 1). */
export function outgoing(o: Partial<OutgoingNotification> & { userIds: string[] }): OutgoingNotification {
  return {
    code: 1,
    subject: "",
    content: {},
    senderId: "",
    persistent: true,
    idempotencyKey: "",
    ...o,
  };
}

/** An InboxQuery with every field given a default (forward, default limit, all). */
export function query(q: Partial<InboxQuery> = {}): InboxQuery {
  return {
    limit: 0,
    cursor: "",
    direction: ListDirection.LIST_DIRECTION_FORWARD,
    unreadOnly: false,
    systemFilter: SystemFilter.SYSTEM_FILTER_INCLUDE,
    ...q,
  };
}

/** Lists one page and returns it (the response's page is always set). */
export async function listPage(rpc: Rpc, userId: string, q: Partial<InboxQuery> = {}, opts?: CallOpts): Promise<InboxPage> {
  const res = await rpc.listNotifications({ userId, query: query(q) }, opts);
  assert.ok(res.page, "ListNotifications answered without a page");
  return res.page;
}

/** Every stored notification of a user, oldest first, by forward paging. */
export async function listAll(rpc: Rpc, userId: string, q: Partial<InboxQuery> = {}) {
  const all: InboxPage["notifications"] = [];
  let cursor = "";
  for (let i = 0; i < 10_000; i++) {
    const page = await listPage(rpc, userId, { ...q, limit: 100, cursor, direction: ListDirection.LIST_DIRECTION_FORWARD });
    all.push(...page.notifications);
    cursor = page.nextCursor;
    if (!page.hasMore) return all;
  }
  throw new Error("listAll did not end");
}

/** Asserts that `promise` fails with gRPC status `code` and, if given, a message matching `message`. */
export async function assertGrpcError(promise: Promise<unknown>, code: status, message?: RegExp): Promise<ServiceError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected gRPC status ${status[code]}, but the call succeeded`);
  const e = caught as ServiceError;
  assert.equal(e.code, code, `expected gRPC status ${status[code]}, got ${status[e.code] ?? e.code}: ${e.details ?? e.message}`);
  if (message) assert.match(e.details, message);
  return e;
}

export { status };
