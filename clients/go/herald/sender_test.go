package herald_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	heraldv1 "herald/clients/go/gen/herald/v1"
	"herald/clients/go/herald"
)

func newUser(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("go-%x", b)
}

func newSender(t *testing.T, key string, opts ...herald.Option) *herald.Sender {
	t.Helper()
	s, err := herald.NewSender(node.grpcTarget, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func note(user string, code int32, subject string, content map[string]interface{}) *heraldv1.OutgoingNotification {
	body, err := structpb.NewStruct(content)
	if err != nil {
		panic(err)
	}
	return &heraldv1.OutgoingNotification{UserIds: []string{user}, Code: code, Subject: subject, Content: body, Persistent: true}
}

func TestSendAndList(t *testing.T) {
	ctx := context.Background()
	s, user := newSender(t, testAPIKey), newUser(t)
	results, err := s.Send(ctx, note(user, 7, "one", map[string]interface{}{"n": 1}), note(user, 7, "two", map[string]interface{}{"n": 2}))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].GetSeq() != 1 || results[1].GetSeq() != 2 || results[0].GetDuplicate() {
		t.Fatalf("results: %v", results)
	}
	page, err := s.List(ctx, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := page.GetNotifications()
	if len(got) != 2 || got[0].GetSubject() != "one" || got[1].GetContent().AsMap()["n"] != 2.0 || got[0].GetId() != results[0].GetNotificationId() {
		t.Fatalf("listed: %v", got)
	}
	back, err := s.List(ctx, user, &heraldv1.InboxQuery{Direction: heraldv1.ListDirection_LIST_DIRECTION_BACKWARD, Limit: 1})
	if err != nil || len(back.GetNotifications()) != 1 || back.GetNotifications()[0].GetSeq() != 2 || !back.GetHasMore() {
		t.Fatalf("backward page: %v, %v", back, err)
	}
}

func TestMarkReadAndUnreadCount(t *testing.T) {
	ctx := context.Background()
	s, user := newSender(t, testAPIKey), newUser(t)
	var ids []string
	for i := 0; i < 4; i++ {
		r, err := s.Send(ctx, note(user, 1, fmt.Sprintf("n%d", i), nil))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r[0].GetNotificationId())
	}
	marked, err := s.MarkRead(ctx, user, ids[0])
	if err != nil || marked.GetUpdatedCount() != 1 || marked.GetUnreadCount() != 3 {
		t.Fatalf("mark read: %v, %v", marked, err)
	}
	upTo, err := s.MarkReadUpTo(ctx, user, 3)
	if err != nil || upTo.GetUnreadCount() != 1 {
		t.Fatalf("mark read up to 3: %v, %v", upTo, err)
	}
	if n, err := s.UnreadCount(ctx, user); err != nil || n != 1 {
		t.Fatalf("unread count %d, %v", n, err)
	}
	unread, err := s.List(ctx, user, &heraldv1.InboxQuery{UnreadOnly: true})
	if err != nil || len(unread.GetNotifications()) != 1 || unread.GetNotifications()[0].GetId() != ids[3] {
		t.Fatalf("unread page: %v, %v", unread, err)
	}
	deleted, err := s.Delete(ctx, user, ids[3])
	if err != nil || deleted.GetDeletedCount() != 1 || deleted.GetUnreadCount() != 0 {
		t.Fatalf("delete: %v, %v", deleted, err)
	}
}

func TestIdempotentResend(t *testing.T) {
	ctx := context.Background()
	s, user := newSender(t, testAPIKey), newUser(t)
	n := note(user, 3, "invoice ready", nil)
	n.IdempotencyKey = "invoice-42"
	first, err := s.Send(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Send(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].GetDuplicate() || !again[0].GetDuplicate() || again[0].GetNotificationId() != first[0].GetNotificationId() || again[0].GetSeq() != first[0].GetSeq() {
		t.Fatalf("first %v, again %v", first, again)
	}
	if c, err := s.UnreadCount(ctx, user); err != nil || c != 1 {
		t.Fatalf("stored %d times (%v)", c, err)
	}
	// Without a key each Send draws its own: two calls are two notifications.
	a, errA := s.Send(ctx, note(user, 3, "same", nil))
	b, errB := s.Send(ctx, note(user, 3, "same", nil))
	if errA != nil || errB != nil || a[0].GetNotificationId() == b[0].GetNotificationId() {
		t.Fatalf("keyless sends: %v %v (%v %v)", a, b, errA, errB)
	}
}

func TestBadAPIKeyIsUnauthenticated(t *testing.T) {
	ctx := context.Background()
	user := newUser(t)
	_, err := newSender(t, "not-the-key-0123456789").Send(ctx, note(user, 1, "never stored", nil))
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("got %v, want Unauthenticated", err)
	}
	if c, err := newSender(t, testAPIKey).UnreadCount(ctx, user); err != nil || c != 0 {
		t.Fatalf("unread %d, %v", c, err)
	}
}

// blackHole accepts TCP connections and never answers: a server that hangs.
func blackHole(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestDeadlineExceededIsHandled(t *testing.T) {
	addr := blackHole(t)
	s, err := herald.NewSender(addr, testAPIKey, herald.WithTimeout(200*time.Millisecond), herald.WithRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	user := newUser(t)

	// The caller's deadline bounds the send and its retries.
	ctx, cancel := context.WithTimeout(context.Background(), 450*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Send(ctx, note(user, 1, "hangs", nil))
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("send took %s past a 450ms deadline", elapsed)
	}

	// Without a deadline in the context, the Sender's default timeout applies.
	start = time.Now()
	_, err = s.UnreadCount(context.Background(), user)
	if status.Code(err) != codes.DeadlineExceeded || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %s, want DeadlineExceeded after about 200ms", err, time.Since(start))
	}

	// Against the real node a call with a deadline that has already passed fails the same way, and
	// the same send with its key retried later is stored once.
	real := newSender(t, testAPIKey)
	n := note(user, 1, "retried", nil)
	n.IdempotencyKey = herald.NewKey()
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	if _, err := real.Send(expired, n); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	first, err := real.Send(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	again, err := real.Send(context.Background(), n)
	if err != nil || !again[0].GetDuplicate() || again[0].GetNotificationId() != first[0].GetNotificationId() {
		t.Fatalf("retry: %v, %v", again, err)
	}
}
