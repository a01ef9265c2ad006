package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" && !ready.Load() {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, &out); err != nil || out.String() != "ready\n" {
		t.Fatalf("ready server: %q, %v", out.String(), err)
	}
	ready.Store(false)
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, &out); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unready server: want an error naming 503, got %v", err)
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr, "--path", "/healthz"}, &out); err != nil {
		t.Fatalf("liveness of an unready server: %v", err)
	}
	srv.Close()
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, &out); err == nil {
		t.Fatal("no server: want an error")
	}
}

func TestHealthcheckURL(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://127.0.0.1:8080/readyz",
		"10.1.2.3:9000":  "http://10.1.2.3:9000/readyz",
		"localhost:8080": "http://localhost:8080/readyz",
	} {
		if got, err := healthURL(addr, "/readyz"); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := healthURL("8080", "/readyz"); err == nil {
		t.Error("an address without a port: want an error")
	}
}
