// First minute with Herald from Go: a user connects over WebSocket, a backend
// sends them a notification over gRPC, and it arrives on the socket.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	heraldv1 "herald/clients/go/gen/herald/v1"
	"herald/clients/go/herald"
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token := os.Getenv("HERALD_TOKEN") // a JWT whose sub is the user id

	app, err := herald.Connect(ctx, env("HERALD_WS_URL", "ws://127.0.0.1:8080/ws"), token, herald.ConnectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	user := app.Session().GetUserId()

	backend, err := herald.NewSender(env("HERALD_GRPC_TARGET", "127.0.0.1:50051"), env("HERALD_API_KEY", "herald-dev-key-0123456789abcdef"))
	if err != nil {
		log.Fatal(err)
	}
	defer backend.Close()
	content, _ := structpb.NewStruct(map[string]interface{}{"url": "/start"})
	welcome := &heraldv1.OutgoingNotification{UserIds: []string{user}, Code: 1, Subject: "Welcome!", Content: content, Persistent: true}
	if _, err := backend.Send(ctx, welcome); err != nil {
		log.Fatal(err)
	}

	note, err := app.NextNotification(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s got #%d: %s %v\n", user, note.GetSeq(), note.GetSubject(), note.GetContent().AsMap())
}
