// Package herald is Herald's Go client: a Sender for backends over gRPC
// (herald.v1.NotificationService and RoomService) and a Client for a user's
// WebSocket connection, both on the code generated from proto/ in
// herald/clients/go/gen/herald/v1 (heraldv1) and gen/herald/gateway/v1 (gatewayv1).
//
// Errors from the Sender are gRPC status errors: switch on status.Code(err)
// (codes.Unauthenticated for a bad API key, codes.DeadlineExceeded, ...).
// Errors from the Client are *Error (a reply's error, Code in snake_case) or
// *ClosedError (the connection closed).
package herald
