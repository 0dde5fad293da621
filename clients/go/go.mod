module herald/clients/go

go 1.19

require (
	github.com/gorilla/websocket v1.5.0
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
