package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/store"
)

// Redis returns a client for this test and a key prefix no other test uses, so runs
// never collide. It prefers REDIS_URL (a Redis Cluster's redis+cluster:// too),
// then a redis-server on PATH started on a free port, then the embedded server.
// Keys under the prefix are removed at the end.
func Redis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	if rdb, ok := Cluster(t); ok {
		prefix := "test:" + randomHex() + ":"
		t.Cleanup(func() {
			DeletePrefix(rdb, prefix)
			rdb.Close()
		})
		return rdb, prefix
	}
	var rdb *redis.Client
	switch url := os.Getenv("REDIS_URL"); {
	case url != "":
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		opt.DisableIdentity = true // as store.Connect
		rdb = redis.NewClient(opt)
	default:
		rdb = redis.NewClient(&redis.Options{Addr: startServer(t), DisableIdentity: true})
	}
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	prefix := "test:" + randomHex() + ":"
	t.Cleanup(func() {
		DeletePrefix(rdb, prefix)
		rdb.Close()
	})
	return rdb, prefix
}

// Cluster returns a client of the Redis Cluster REDIS_URL names, if it names one.
func Cluster(t testing.TB) (*redis.ClusterClient, bool) {
	t.Helper()
	url, ok := store.ClusterURL(os.Getenv("REDIS_URL"))
	if !ok {
		return nil, false
	}
	opt, err := redis.ParseClusterURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	opt.DisableIdentity = true // as store.Connect
	rdb := redis.NewClusterClient(opt)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis cluster: %v", err)
	}
	return rdb, true
}

// Keys lists every key under prefix, sorted, from every master of a cluster.
func Keys(t testing.TB, rdb redis.UniversalClient, prefix string) []string {
	t.Helper()
	keys, err := scan(rdb, prefix)
	if err != nil {
		t.Fatalf("redis keys: %v", err)
	}
	slices.Sort(keys)
	return keys
}

// DeletePrefix removes every key under prefix, on every master of a cluster.
func DeletePrefix(rdb redis.UniversalClient, prefix string) {
	keys, _ := scan(rdb, prefix)
	for _, k := range keys {
		rdb.Del(context.Background(), k)
	}
}

func scan(rdb redis.UniversalClient, prefix string) ([]string, error) {
	ctx := context.Background()
	var mu sync.Mutex
	var keys []string
	node := func(ctx context.Context, node redis.UniversalClient) error {
		iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	if c, ok := rdb.(*redis.ClusterClient); ok {
		err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return node(ctx, n) })
		return keys, err
	}
	return keys, node(ctx, rdb)
}

// Addr returns the address of a Redis server for this test (for a child process).
func Addr(t testing.TB) string {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		return opt.Addr
	}
	return startServer(t)
}

// Private returns a client of a redis-server started for this test alone, for tests
// that disturb the server (pause it, fill it) and must not disturb others; without a
// redis-server on PATH the test is skipped.
func Private(t testing.TB) redis.UniversalClient {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server on PATH for a private server")
	}
	addr, ok := runServer(t, path)
	if !ok {
		t.Skip("the private redis-server did not start")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func startServer(t testing.TB) string {
	if path, err := exec.LookPath("redis-server"); err == nil {
		if addr, ok := runServer(t, path); ok {
			return addr
		}
	}
	srv := miniredis.RunT(t)
	return srv.Addr()
}

// runServer starts the redis-server at path on a free port, stopped when the test ends.
func runServer(t testing.TB, path string) (string, bool) {
	port := freePort(t)
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", false
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, true
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("redis-server on %s did not start", addr)
	return "", false
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
