package herald

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	heraldv1 "herald/clients/go/gen/herald/v1"
)

// Sender sends notifications and manages inboxes, connections and rooms as a
// trusted backend. Every call carries the API key and a deadline: the
// context's, or the Sender's default timeout when the context has none.
// It is safe for concurrent use.
type Sender struct {
	conn          *grpc.ClientConn
	notifications heraldv1.NotificationServiceClient
	rooms         heraldv1.RoomServiceClient
	timeout       time.Duration
	retries       int
}

type senderConfig struct {
	timeout     time.Duration
	retries     int
	creds       credentials.TransportCredentials
	dialOptions []grpc.DialOption
}

// Option configures a Sender.
type Option func(*senderConfig)

// WithTimeout sets the deadline of a call whose context has none, and of each
// attempt of a retried send (default 10 s).
func WithTimeout(d time.Duration) Option { return func(c *senderConfig) { c.timeout = d } }

// WithRetries sets how many times Send retries after Unavailable or
// DeadlineExceeded, always with the same idempotency keys (default 2).
func WithRetries(n int) Option { return func(c *senderConfig) { c.retries = n } }

// WithTransportCredentials uses TLS (default: plaintext, for a local node or a sidecar).
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(c *senderConfig) { c.creds = creds }
}

// WithDialOptions passes extra options to grpc.DialContext.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *senderConfig) { c.dialOptions = append(c.dialOptions, opts...) }
}

// apiKey sends `authorization: Bearer <key>` with every call.
type apiKey struct {
	key    string
	secure bool
}

func (k apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + k.key}, nil
}

func (k apiKey) RequireTransportSecurity() bool { return k.secure }

// defaultDeadline gives a call without a deadline the Sender's timeout.
func defaultDeadline(timeout time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok && timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// NewSender connects to Herald's gRPC address (host:port) with an API key.
// The connection is made lazily: a server that is down shows as Unavailable
// on the first call, not here.
func NewSender(target, key string, opts ...Option) (*Sender, error) {
	cfg := senderConfig{timeout: 10 * time.Second, retries: 2}
	for _, o := range opts {
		o(&cfg)
	}
	dial := []grpc.DialOption{
		grpc.WithPerRPCCredentials(apiKey{key: key, secure: cfg.creds != nil}),
		grpc.WithUnaryInterceptor(defaultDeadline(cfg.timeout)),
	}
	if cfg.creds != nil {
		dial = append(dial, grpc.WithTransportCredentials(cfg.creds))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	conn, err := grpc.Dial(target, append(dial, cfg.dialOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("herald: dial %s: %w", target, err)
	}
	return &Sender{
		conn:          conn,
		notifications: heraldv1.NewNotificationServiceClient(conn),
		rooms:         heraldv1.NewRoomServiceClient(conn),
		timeout:       cfg.timeout,
		retries:       cfg.retries,
	}, nil
}

// Close closes the connection; calls in flight fail with Canceled.
func (s *Sender) Close() error { return s.conn.Close() }

// Notifications is the generated NotificationService client on the Sender's
// connection (API key and default deadline included), for calls Sender does not wrap.
func (s *Sender) Notifications() heraldv1.NotificationServiceClient { return s.notifications }

// Rooms is the generated RoomService client on the Sender's connection: create
// rooms, manage members, publish (API key and default deadline included).
func (s *Sender) Rooms() heraldv1.RoomServiceClient { return s.rooms }

// NewKey returns a random idempotency key (a UUIDv4).
func NewKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Send sends up to 1,000 notifications in one call and returns one result per
// notification and recipient, in request order.
//
// Persistent notifications without an idempotency key get a random one (the
// given messages are not modified), so that a retry never stores one twice:
// after Unavailable or DeadlineExceeded, Send retries with the same keys, each
// attempt with the Sender's timeout, as long as ctx allows. A notification
// whose result says Duplicate had been stored by an earlier call with its key.
func (s *Sender) Send(ctx context.Context, notifications ...*heraldv1.OutgoingNotification) ([]*heraldv1.SendResult, error) {
	req := &heraldv1.SendNotificationsRequest{}
	for _, n := range notifications {
		c := proto.Clone(n).(*heraldv1.OutgoingNotification)
		if c.GetPersistent() && c.GetIdempotencyKey() == "" {
			c.IdempotencyKey = NewKey()
		}
		req.Notifications = append(req.Notifications, c)
	}
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.timeout)
		resp, err := s.notifications.SendNotifications(actx, req)
		cancel()
		if err == nil {
			return resp.GetResults(), nil
		}
		code := status.Code(err)
		if (code != codes.Unavailable && code != codes.DeadlineExceeded) || attempt >= s.retries || ctx.Err() != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
		}
	}
}
