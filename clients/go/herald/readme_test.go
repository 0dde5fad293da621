package herald_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README shows examples/firstminute/main.go as it is; this runs it against the node.
func TestReadmeFirstMinuteExample(t *testing.T) {
	source, err := os.ReadFile(filepath.Join("..", "examples", "firstminute", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(source)+"```\n") {
		t.Fatal("README.md does not show examples/firstminute/main.go as it is")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	user := newUser(t)
	cmd := exec.CommandContext(ctx, "go", "run", "./examples/firstminute")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(),
		"HERALD_GRPC_TARGET="+node.grpcTarget,
		"HERALD_WS_URL="+node.wsURL,
		"HERALD_API_KEY="+testAPIKey,
		"HERALD_TOKEN="+mintToken(user, testJWTSecret),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if want := user + " got #1: Welcome! map[url:/start]\n"; string(out) != want {
		t.Fatalf("printed %q, want %q", out, want)
	}
}
