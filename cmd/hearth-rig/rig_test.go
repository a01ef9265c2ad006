package main

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRigWiring checks, without starting anything, that the replicas' DSN is one pgx
// accepts with both hosts and read-write targeting, and that HAProxy checks /readyz on
// every replica. The scenarios themselves run only in `make chaos`.
func TestRigWiring(t *testing.T) {
	r := &Rig{Dir: "/tmp/rig", Base: 21000, Hearth: "bin/hearth"}
	cfg, err := pgconn.ParseConfig(r.DSN("hearth_app"))
	if err != nil {
		t.Fatalf("multi-host DSN: %v", err)
	}
	if cfg.Port != 21001 || len(cfg.Fallbacks) != 1 || cfg.Fallbacks[0].Port != 21002 || cfg.User != "hearth_app" {
		t.Errorf("hosts: %+v then %+v", cfg.Port, cfg.Fallbacks)
	}
	if cfg.ValidateConnect == nil {
		t.Error("target_session_attrs=read-write was not understood")
	}
	ro, err := pgconn.ParseConfig(r.ReadDSN("hearth_app"))
	if err != nil {
		t.Fatalf("read-only DSN: %v", err)
	}
	if ro.Port != 21002 || len(ro.Fallbacks) != 1 || ro.Fallbacks[0].Port != 21001 || ro.ValidateConnect == nil {
		t.Errorf("read-only DSN: standby first, then the primary, preferring a standby: %+v then %+v", ro.Port, ro.Fallbacks)
	}
	h := r.HAProxyConfig()
	for _, want := range []string{"bind 127.0.0.1:21000", "option httpchk GET /readyz", "server hearth0 127.0.0.1:21011 check", "server hearth2 127.0.0.1:21013 check", "option redispatch"} {
		if !strings.Contains(h, want) {
			t.Errorf("haproxy.cfg lacks %q:\n%s", want, h)
		}
	}
}
