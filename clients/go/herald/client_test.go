package herald_test

import (
	"context"
	"errors"
	"testing"
	"time"

	gatewayv1 "herald/clients/go/gen/herald/gateway/v1"
	heraldv1 "herald/clients/go/gen/herald/v1"
	"herald/clients/go/herald"
)

func connect(t *testing.T, ctx context.Context, user string, opts herald.ConnectOptions) *herald.Client {
	t.Helper()
	c, err := herald.Connect(ctx, node.wsURL, mintToken(user, testJWTSecret), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestReceiveOverTheWebSocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, user := newSender(t, testAPIKey), newUser(t)
	c := connect(t, ctx, user, herald.ConnectOptions{})
	if c.Session().GetUserId() != user {
		t.Fatalf("session %v", c.Session())
	}
	sent, err := s.Send(ctx, note(user, 42, "Your order shipped", map[string]interface{}{"order": 1234}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.NextNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetId() != sent[0].GetNotificationId() || got.GetSeq() != 1 || got.GetCode() != 42 || got.GetContent().AsMap()["order"] != 1234.0 {
		t.Fatalf("received %v", got)
	}
	if n, err := c.UnreadCount(ctx); err != nil || n != 1 {
		t.Fatalf("unread %d, %v", n, err)
	}
	if r, err := c.MarkRead(ctx, got.GetId()); err != nil || r.GetUnreadCount() != 0 {
		t.Fatalf("mark read %v, %v", r, err)
	}
	_, err = c.List(ctx, &heraldv1.InboxQuery{Limit: 1000})
	var herr *herald.Error
	if !errors.As(err, &herr) || herr.Code != "invalid_argument" || herr.Field != "list.limit" {
		t.Fatalf("got %v, want invalid_argument on list.limit", err)
	}
}

func TestResumeAfterDisconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, user := newSender(t, testAPIKey), newUser(t)
	first := connect(t, ctx, user, herald.ConnectOptions{})
	var seqs []int64
	for i := 0; i < 3; i++ {
		if _, err := s.Send(ctx, note(user, 1, "before", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Disconnect(ctx, user, "maintenance"); err != nil {
		t.Fatal(err)
	}
	for f := range first.Pushes() { // until the server closes the connection
		if n := f.GetNotification(); n != nil {
			seqs = append(seqs, n.GetSeq())
		}
	}
	var closed *herald.ClosedError
	if !errors.As(first.Err(), &closed) || closed.Code != 3003 || !closed.ShouldReconnect() {
		t.Fatalf("closed with %v, want 3003", first.Err())
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Send(ctx, note(user, 1, "while away", nil)); err != nil {
			t.Fatal(err)
		}
	}
	last := first.LastSeq()
	second := connect(t, ctx, user, herald.ConnectOptions{LastSeq: &last})
	for len(seqs) < 7 {
		n, err := second.NextNotification(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, n.GetSeq())
	}
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("seqs %v, want 1..7 once each in order", seqs)
		}
	}
}

func TestRefreshKeepsTheSessionOpen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	user := newUser(t)
	c := connect(t, ctx, user, herald.ConnectOptions{})
	r, err := c.Refresh(ctx, mintToken(user, testJWTSecret))
	if err != nil || r.GetUserId() != user || r.GetExpireTime().AsTime().Before(time.Now()) {
		t.Fatalf("refresh %v, %v", r, err)
	}
	_, err = c.Refresh(ctx, mintToken(user+"-other", testJWTSecret))
	var herr *herald.Error
	if !errors.As(err, &herr) || herr.Code != "permission_denied" {
		t.Fatalf("got %v, want permission_denied", err)
	}
	if _, err := c.UnreadCount(ctx); err != nil {
		t.Fatalf("session closed after a refused refresh: %v", err)
	}
}

func TestBadTokenIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := herald.Connect(ctx, node.wsURL, mintToken(newUser(t), "another-secret-0123456789abcdef0123"), herald.ConnectOptions{})
	var herr *herald.Error
	if !errors.As(err, &herr) || herr.Code != "unauthenticated" {
		t.Fatalf("got %v, want unauthenticated", err)
	}
}

func TestRoomJoinPublishReceive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, user := newSender(t, testAPIKey), newUser(t)
	room := "team:" + user
	alice, bob := user+"-alice", user+"-bob"
	if _, err := s.Rooms().CreateRoom(ctx, &heraldv1.CreateRoomRequest{RoomId: room, Options: &heraldv1.RoomOptions{MembersCanPublish: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rooms().AddRoomMembers(ctx, &heraldv1.AddRoomMembersRequest{RoomId: room, UserIds: []string{alice, bob}}); err != nil {
		t.Fatal(err)
	}
	a, b := connect(t, ctx, alice, herald.ConnectOptions{}), connect(t, ctx, bob, herald.ConnectOptions{})
	for _, c := range []*herald.Client{a, b} {
		if _, err := c.Join(ctx, room, nil); err != nil {
			t.Fatal(err)
		}
	}
	published, err := a.Publish(ctx, room, map[string]interface{}{"text": "hello from Go"})
	if err != nil || published.GetSeq() != 1 {
		t.Fatalf("publish %v, %v", published, err)
	}
	event := nextRoomEvent(t, ctx, b)
	if event.GetSeq() != 1 || event.GetMessage().GetSenderId() != alice || event.GetMessage().GetContent().AsMap()["text"] != "hello from Go" {
		t.Fatalf("room event %v", event)
	}
}

func nextRoomEvent(t *testing.T, ctx context.Context, c *herald.Client) *heraldv1.RoomEvent {
	t.Helper()
	for {
		select {
		case f, ok := <-c.Pushes():
			if !ok {
				t.Fatalf("connection closed: %v", c.Err())
			}
			if push, ok := f.GetBody().(*gatewayv1.ServerFrame_RoomEvent); ok {
				return push.RoomEvent.GetEvent()
			}
		case <-ctx.Done():
			t.Fatal("no room event before the deadline")
		}
	}
}
