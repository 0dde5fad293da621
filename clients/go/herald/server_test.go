package herald_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A real Herald node for the tests: `node dist/src/cli.js serve` on free
// ports, with PGlite in a temporary folder.

const (
	testAPIKey    = "go-client-tests-api-key-0123456789"
	testJWTSecret = "go-client-tests-jwt-secret-0123456789abcdef"
)

type heraldNode struct {
	cmd        *exec.Cmd
	dir        string
	grpcTarget string
	wsURL      string
	log        *os.File
	exited     chan struct{} // closed once the process has exited
}

var node *heraldNode

func TestMain(m *testing.M) {
	n, err := startHerald()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	node = n
	code := m.Run()
	n.stop()
	os.Exit(code)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startHerald() (*heraldNode, error) {
	cli := os.Getenv("HERALD_CLI")
	if cli == "" {
		cli = filepath.Join("..", "..", "..", "dist", "src", "cli.js")
	}
	cli, _ = filepath.Abs(cli)
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("%s is missing: build Herald first (npm ci): %w", cli, err)
	}
	grpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "herald-go-")
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "herald.log"))
	if err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERALD_") && !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "NATS_URL=") && !strings.HasPrefix(kv, "NODE_OPTIONS=") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HERALD_HOST=127.0.0.1",
		fmt.Sprintf("HERALD_GRPC_PORT=%d", grpcPort),
		fmt.Sprintf("HERALD_HTTP_PORT=%d", httpPort),
		"HERALD_DATA_DIR="+filepath.Join(dir, "db"),
		"HERALD_API_KEYS="+testAPIKey,
		"HERALD_JWT_SECRET="+testJWTSecret,
	)
	cmd := exec.Command("node", cli, "serve")
	cmd.Dir = filepath.Dir(filepath.Dir(filepath.Dir(cli)))
	cmd.Env, cmd.Stdout, cmd.Stderr = env, log, log
	dieWithTests(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &heraldNode{
		cmd: cmd, dir: dir, log: log, exited: make(chan struct{}),
		grpcTarget: fmt.Sprintf("127.0.0.1:%d", grpcPort), wsURL: fmt.Sprintf("ws://127.0.0.1:%d/ws", httpPort),
	}
	go func() {
		_ = cmd.Wait()
		close(n.exited)
	}()
	if err := waitReady(fmt.Sprintf("http://127.0.0.1:%d/readyz", httpPort), n.exited, 60*time.Second); err != nil {
		out, _ := os.ReadFile(log.Name())
		n.stop()
		return nil, fmt.Errorf("herald did not start: %w\n%s", err, out)
	}
	return n, nil
}

// waitReady polls GET /readyz until it answers 200, the process exits or the deadline passes.
func waitReady(url string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("exited before it was ready")
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready within %s", timeout)
}

func (n *heraldNode) stop() {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(15 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
	n.log.Close()
	os.RemoveAll(n.dir)
}

// mintToken signs an HS256 JWT for userID, as an application's auth service would.
func mintToken(userID string, secret string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]interface{}{"sub": userID, "exp": time.Now().Add(10 * time.Minute).Unix()})
	payload := header + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return payload + "." + enc.EncodeToString(mac.Sum(nil))
}
