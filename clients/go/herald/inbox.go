package herald

import (
	"context"

	heraldv1 "herald/clients/go/gen/herald/v1"
)

// List returns one page of a user's inbox; a nil query means the defaults
// (oldest first, 50 per page, system notifications included).
func (s *Sender) List(ctx context.Context, userID string, query *heraldv1.InboxQuery) (*heraldv1.InboxPage, error) {
	resp, err := s.notifications.ListNotifications(ctx, &heraldv1.ListNotificationsRequest{UserId: userID, Query: query})
	if err != nil {
		return nil, err
	}
	return resp.GetPage(), nil
}

// MarkRead marks a user's notifications read by id.
func (s *Sender) MarkRead(ctx context.Context, userID string, ids ...string) (*heraldv1.MarkNotificationsReadResponse, error) {
	return s.notifications.MarkNotificationsRead(ctx, &heraldv1.MarkNotificationsReadRequest{UserId: userID, Ids: ids})
}

// MarkReadUpTo marks every notification of the user with seq <= upToSeq read.
func (s *Sender) MarkReadUpTo(ctx context.Context, userID string, upToSeq int64) (*heraldv1.MarkNotificationsReadResponse, error) {
	return s.notifications.MarkNotificationsRead(ctx, &heraldv1.MarkNotificationsReadRequest{UserId: userID, UpToSeq: upToSeq})
}

// Delete deletes a user's notifications by id (others' and unknown ids are skipped).
func (s *Sender) Delete(ctx context.Context, userID string, ids ...string) (*heraldv1.DeleteNotificationsResponse, error) {
	return s.notifications.DeleteNotifications(ctx, &heraldv1.DeleteNotificationsRequest{UserId: userID, Ids: ids})
}

// UnreadCount counts the user's unread, unexpired notifications.
func (s *Sender) UnreadCount(ctx context.Context, userID string) (uint32, error) {
	resp, err := s.notifications.GetUnreadCount(ctx, &heraldv1.GetUnreadCountRequest{UserId: userID})
	return resp.GetUnreadCount(), err
}

// Disconnect closes every connection of the user on every node; it returns
// the id of the stored DISCONNECTED notification.
func (s *Sender) Disconnect(ctx context.Context, userID, reason string) (string, error) {
	resp, err := s.notifications.DisconnectUser(ctx, &heraldv1.DisconnectUserRequest{UserId: userID, Reason: reason})
	return resp.GetNotificationId(), err
}

// Ban closes the user's connections and refuses new ones until Unban; it
// returns the id of the stored BANNED notification.
func (s *Sender) Ban(ctx context.Context, userID, reason string) (string, error) {
	resp, err := s.notifications.BanUser(ctx, &heraldv1.BanUserRequest{UserId: userID, Reason: reason})
	return resp.GetNotificationId(), err
}

// Unban lifts a ban; it returns the id of the stored UNBANNED notification
// ("" if the user was not banned).
func (s *Sender) Unban(ctx context.Context, userID string) (string, error) {
	resp, err := s.notifications.UnbanUser(ctx, &heraldv1.UnbanUserRequest{UserId: userID})
	return resp.GetNotificationId(), err
}
