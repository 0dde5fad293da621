package herald

import (
	"context"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/types/known/structpb"

	gatewayv1 "herald/clients/go/gen/herald/gateway/v1"
	heraldv1 "herald/clients/go/gen/herald/v1"
)

// Request sends frame (its Id is set here) and waits for the reply: the reply
// frame, an *Error for an error reply, the *ClosedError if the connection
// ends first, or ctx's error.
func (c *Client) Request(ctx context.Context, frame *gatewayv1.ClientFrame) (*gatewayv1.ServerFrame, error) {
	reply := make(chan *gatewayv1.ServerFrame, 1)
	c.mu.Lock()
	if c.closed != nil {
		c.mu.Unlock()
		return nil, c.closed
	}
	c.nextID = c.nextID%(1<<31-1) + 1
	frame.Id = c.nextID
	c.pending[frame.Id] = reply
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, frame.Id)
		c.mu.Unlock()
	}()
	data, err := marshal.Marshal(frame)
	if err != nil {
		return nil, err
	}
	c.writeMu.Lock()
	if deadline, ok := ctx.Deadline(); ok {
		_ = c.ws.SetWriteDeadline(deadline)
	} else {
		_ = c.ws.SetWriteDeadline(time.Time{})
	}
	err = c.ws.WriteMessage(websocket.TextMessage, data)
	c.writeMu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case r, ok := <-reply:
		if !ok {
			return nil, c.Err()
		}
		if e := r.GetError(); e != nil {
			return nil, &Error{Code: e.GetCode(), Message: e.GetMessage(), Field: e.GetField()}
		}
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// NextNotification waits for the next pushed notification; other pushes
// before it are skipped.
func (c *Client) NextNotification(ctx context.Context) (*heraldv1.Notification, error) {
	for {
		select {
		case f, ok := <-c.pushes:
			if !ok {
				return nil, c.Err()
			}
			if n := f.GetNotification(); n != nil {
				return n, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// List returns one page of the user's inbox (nil query: the defaults).
func (c *Client) List(ctx context.Context, query *heraldv1.InboxQuery) (*heraldv1.InboxPage, error) {
	if query == nil {
		query = &heraldv1.InboxQuery{}
	}
	r, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_List{List: query}})
	return r.GetList(), err
}

// MarkRead marks notifications read by id.
func (c *Client) MarkRead(ctx context.Context, ids ...string) (*gatewayv1.MarkReadResponse, error) {
	r, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_MarkRead{MarkRead: &gatewayv1.MarkReadRequest{Ids: ids}}})
	return r.GetMarkRead(), err
}

// UnreadCount reads the user's unread count.
func (c *Client) UnreadCount(ctx context.Context) (uint32, error) {
	r, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_UnreadCount{UnreadCount: &gatewayv1.UnreadCountRequest{}}})
	return r.GetUnreadCount().GetUnreadCount(), err
}

// Join subscribes to a room; sinceSeq, when not nil, resumes it after that seq.
func (c *Client) Join(ctx context.Context, roomID string, sinceSeq *int64) (*gatewayv1.JoinResponse, error) {
	join := &gatewayv1.JoinRequest{RoomId: roomID}
	if sinceSeq != nil {
		join.SinceSeq, join.Resume = *sinceSeq, true
	}
	r, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_Join{Join: join}})
	return r.GetJoin(), err
}

// Publish publishes a message to a room as this user, with a random
// idempotency key.
func (c *Client) Publish(ctx context.Context, roomID string, content map[string]interface{}) (*gatewayv1.PublishResponse, error) {
	body, err := structpb.NewStruct(content)
	if err != nil {
		return nil, err
	}
	publish := &gatewayv1.PublishRequest{RoomId: roomID, Content: body, IdempotencyKey: NewKey()}
	r, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_Publish{Publish: publish}})
	return r.GetPublish(), err
}

// Refresh gives the open session a new token of the same user; the session
// then expires at the new token's exp. Another user's token is an *Error
// "permission_denied", a bad one "unauthenticated"; the session stays open.
func (c *Client) Refresh(ctx context.Context, token string) (*gatewayv1.RefreshResponse, error) {
	r, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_Refresh{Refresh: &gatewayv1.RefreshRequest{Token: token}}})
	return r.GetRefresh(), err
}
