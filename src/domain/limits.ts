/** Input size limits shared by every transport. Documented in docs/protocol.md and the proto. */
export const Limits = {
  maxNotificationsPerSend: 1000,
  maxRecipientsPerNotification: 1000,
  maxRecipientsPerSend: 10_000,
  maxUserIdBytes: 256,
  maxSubjectBytes: 1024,
  maxContentBytes: 16 * 1024,
  /** Levels of nesting in content (the object itself is level 1). */
  maxContentDepth: 32,
  maxIdempotencyKeyBytes: 256,
  maxIdsPerCall: 1000,
  maxReasonBytes: 1024,
  maxPageSize: 100,
  defaultPageSize: 50,
  maxRoomIdLength: 256,
  maxTags: 32,
  maxTagBytes: 256,
  maxRoomMetadataBytes: 4 * 1024,
  maxVolatileBytes: 2 * 1024,
  maxRoomMessagesPerPublish: 1000,
  maxMembersPage: 1000,
  defaultMembersPage: 100,
  /** Room subscriptions one connection may hold. */
  maxSubscriptionsPerSession: 1000,
} as const;
