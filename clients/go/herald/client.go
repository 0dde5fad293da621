package herald

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protojson"

	gatewayv1 "herald/clients/go/gen/herald/gateway/v1"
)

// Error is an error reply from Herald over the WebSocket: Code is the
// canonical gRPC code in snake_case ("unauthenticated", "invalid_argument",
// ...), Field the offending field when there is one.
type Error struct {
	Code, Message, Field string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("herald: %s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("herald: %s: %s", e.Code, e.Message)
}

// ClosedError says the connection closed, with Herald's close code
// (docs/protocol.md, "Close codes"); 0 when the socket broke without one.
type ClosedError struct {
	Code   int
	Reason string
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("herald: connection closed (%d) %s", e.Code, e.Reason)
}

// ShouldReconnect is Herald's rule: 3500-3999, 4500-4999 and 1009 are
// terminal; every other code means reconnect with backoff and resume.
func (e *ClosedError) ShouldReconnect() bool {
	c := e.Code
	return !(c >= 3500 && c <= 3999 || c >= 4500 && c <= 4999 || c == 1009)
}

var (
	marshal   = protojson.MarshalOptions{}
	unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// ConnectOptions are the resume point and filter of a connection.
type ConnectOptions struct {
	// LastSeq, when not nil, resumes: every stored notification after it
	// comes first (oldest first), then live ones. Nil: live ones only.
	LastSeq *int64
}

// Client is one authenticated WebSocket connection of one user. Requests are
// matched to their replies by id and may run concurrently; pushes
// (notifications, system events, room events) arrive on Pushes.
type Client struct {
	ws      *websocket.Conn
	session *gatewayv1.AuthenticateResponse
	pushes  chan *gatewayv1.ServerFrame
	done    chan struct{}

	writeMu sync.Mutex
	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]chan *gatewayv1.ServerFrame
	closed  *ClosedError
	lastSeq int64
}

// Connect opens url (ws://host:port/ws) and authenticates with token (a JWT
// whose sub is the user id) in an authenticate frame. A refused token is an
// *Error with Code "unauthenticated"; a banned user's, "permission_denied".
func Connect(ctx context.Context, url, token string, opts ConnectOptions) (*Client, error) {
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("herald: dial %s: %w", url, err)
	}
	c := &Client{
		ws:      ws,
		pushes:  make(chan *gatewayv1.ServerFrame, 1024),
		done:    make(chan struct{}),
		pending: map[uint32]chan *gatewayv1.ServerFrame{},
	}
	auth := &gatewayv1.AuthenticateRequest{Token: token}
	if opts.LastSeq != nil {
		auth.LastSeq, auth.Resume = *opts.LastSeq, true
		c.lastSeq = *opts.LastSeq
	}
	go c.read()
	reply, err := c.Request(ctx, &gatewayv1.ClientFrame{Op: &gatewayv1.ClientFrame_Authenticate{Authenticate: auth}})
	if err != nil {
		c.Close()
		return nil, err
	}
	c.session = reply.GetAuthenticate()
	if opts.LastSeq == nil {
		// Live only: the stream starts at the newest stored seq (resumed pushes may already be counted).
		c.mu.Lock()
		if s := c.session.GetLastSeq(); s > c.lastSeq {
			c.lastSeq = s
		}
		c.mu.Unlock()
	}
	return c, nil
}

// Session is the authenticate result: user id, session id, expiry, unread count, newest seq.
func (c *Client) Session() *gatewayv1.AuthenticateResponse { return c.session }

// LastSeq is the highest seq of the notifications this connection received
// (and queued on Pushes): once they are handled, resume from it after a disconnect.
func (c *Client) LastSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSeq
}

// Pushes delivers every push in order; it is closed when the connection ends
// (then Err says why). A consumer that stops reading stalls the connection.
func (c *Client) Pushes() <-chan *gatewayv1.ServerFrame { return c.pushes }

// Err is the *ClosedError once the connection has ended, nil before.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed == nil {
		return nil
	}
	return c.closed
}

// Close closes the connection and waits until it has ended.
func (c *Client) Close() error {
	c.writeMu.Lock()
	_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.writeMu.Unlock()
	err := c.ws.Close()
	<-c.done
	return err
}

func (c *Client) read() {
	defer close(c.done)
	defer close(c.pushes)
	var readErr error
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			readErr = err
			break
		}
		frame := &gatewayv1.ServerFrame{}
		if err := unmarshal.Unmarshal(data, frame); err != nil {
			continue // not a frame of this protocol version: skip it
		}
		c.mu.Lock()
		reply, ok := c.pending[frame.GetId()]
		delete(c.pending, frame.GetId())
		if n := frame.GetNotification(); !ok && n.GetSeq() > c.lastSeq {
			c.lastSeq = n.GetSeq()
		}
		c.mu.Unlock()
		if ok && frame.GetId() != 0 {
			reply <- frame
		} else {
			c.pushes <- frame
		}
	}
	closed := &ClosedError{}
	var ce *websocket.CloseError
	if errors.As(readErr, &ce) {
		closed.Code, closed.Reason = ce.Code, ce.Text
	}
	c.mu.Lock()
	c.closed = closed
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
}
