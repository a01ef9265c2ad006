package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/pgembed"
)

// Replicas is how many Hearth processes the rig runs behind HAProxy.
const Replicas = 3

// totpKey is the rig's fixed TOTP sealing key (32 zero bytes): loopback testing only.
const totpKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// Rig is a PostgreSQL primary with a synchronous standby, Hearth replicas and HAProxy,
// all on 127.0.0.1, all kept under Dir. Ports are Base (HAProxy), Base+1 (primary),
// Base+2 (standby), Base+9 (HAProxy's stats) and Base+11… (the replicas).
type Rig struct {
	Dir    string // absolute
	Base   int
	Hearth string // the hearth binary
	pgBin  string
	cred   *syscall.Credential // the postgres user, when running as root
}

// NewRig finds the PostgreSQL binaries and prepares dir.
func NewRig(dir string, base int, hearth string) (*Rig, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	bin, err := pgembed.FindBinaries()
	if err != nil {
		return nil, err
	}
	r := &Rig{Dir: abs, Base: base, Hearth: hearth, pgBin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("rig: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		r.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return r, nil
}

// Port numbers.
func (r *Rig) ProxyPort() int          { return r.Base }
func (r *Rig) PrimaryPort() int        { return r.Base + 1 }
func (r *Rig) StandbyPort() int        { return r.Base + 2 }
func (r *Rig) StatsPort() int          { return r.Base + 9 }
func (r *Rig) ReplicaPort(i int) int   { return r.Base + 11 + i }
func (r *Rig) ReplicaURL(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", r.ReplicaPort(i)) }
func (r *Rig) ProxyURL() string        { return fmt.Sprintf("http://127.0.0.1:%d", r.ProxyPort()) }

// pgDir is the data folder of node n (1 primary, 2 standby).
func (r *Rig) pgDir(n int) string { return filepath.Join(r.Dir, fmt.Sprintf("pg%d", n)) }

// DSN is a multi-host URL over both PostgreSQL nodes for user: pgx tries them in order
// and keeps the one that accepts writes, so Hearth follows a failover.
func (r *Rig) DSN(user string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d,127.0.0.1:%d/hearth?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		user, r.PrimaryPort(), r.StandbyPort())
}

// ReadDSN is the URL of the read-only copy the intelligence views read from
// (HEARTH_READ_DATABASE_URL): the standby while there is one, else whichever node is up.
func (r *Rig) ReadDSN(user string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d,127.0.0.1:%d/hearth?sslmode=disable&target_session_attrs=prefer-standby&connect_timeout=2",
		user, r.StandbyPort(), r.PrimaryPort())
}

// NodeURL connects as the superuser to database db on one node.
func (r *Rig) NodeURL(port int, db string) string {
	return fmt.Sprintf("postgres://hearth@127.0.0.1:%d/%s?sslmode=disable", port, db)
}

func (r *Rig) pg(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(r.pgBin, name), args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if r.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (r *Rig) chown(p string) error {
	if r.cred == nil {
		return nil
	}
	return filepath.Walk(p, func(q string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(q, int(r.cred.Uid), int(r.cred.Gid))
	})
}

// StartDatabase makes the primary (initdb), its database and roles, then the standby
// (pg_basebackup -R), and makes the standby synchronous.
func (r *Rig) StartDatabase(ctx context.Context) error {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(r.Dir, 0o755); err != nil {
		return err
	}
	// The postgres user writes its logs and sockets here.
	if r.cred != nil {
		if err := os.Chown(r.Dir, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
			return err
		}
	}
	p1 := r.pgDir(1)
	if err := os.Mkdir(p1, 0o700); err != nil {
		return fmt.Errorf("rig: %w (run make cluster-stop first)", err)
	}
	if err := r.chown(p1); err != nil {
		return err
	}
	if err := r.pg(ctx, "initdb", "-D", p1, "-U", "hearth", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return err
	}
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nmax_connections = 200\nwal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '256MB'\nhot_standby = on\nfsync = off\n", r.Dir)
	if err := appendFile(filepath.Join(p1, "postgresql.conf"), conf); err != nil {
		return err
	}
	if err := r.StartNode(ctx, 1); err != nil {
		return err
	}
	if err := r.createDatabase(ctx); err != nil {
		return err
	}
	p2 := r.pgDir(2)
	if err := os.Mkdir(p2, 0o700); err != nil {
		return err
	}
	if err := r.chown(p2); err != nil {
		return err
	}
	if err := r.pg(ctx, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(r.PrimaryPort()), "-U", "hearth", "-D", p2, "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		return err
	}
	// application_name names the standby in synchronous_standby_names.
	if err := appendFile(filepath.Join(p2, "postgresql.auto.conf"), fmt.Sprintf("primary_conninfo = 'host=127.0.0.1 port=%d user=hearth application_name=standby'\n", r.PrimaryPort())); err != nil {
		return err
	}
	if err := r.StartNode(ctx, 2); err != nil {
		return err
	}
	return r.exec(ctx, r.PrimaryPort(), "postgres", "ALTER SYSTEM SET synchronous_standby_names = 'standby'", "SELECT pg_reload_conf()")
}

// StartNode starts PostgreSQL node n on its port.
func (r *Rig) StartNode(ctx context.Context, n int) error {
	port := r.PrimaryPort()
	if n == 2 {
		port = r.StandbyPort()
	}
	return r.pg(ctx, "pg_ctl", "-D", r.pgDir(n), "-l", filepath.Join(r.Dir, fmt.Sprintf("pg%d.log", n)), "-w", "-t", "60", "-o", fmt.Sprintf("-p %d", port), "start")
}

// StopNode stops node n (mode fast or immediate).
func (r *Rig) StopNode(ctx context.Context, n int, mode string) error {
	return r.pg(ctx, "pg_ctl", "-D", r.pgDir(n), "-m", mode, "-w", "stop")
}

// Promote makes the standby the primary.
func (r *Rig) Promote(ctx context.Context) error {
	return r.pg(ctx, "pg_ctl", "-D", r.pgDir(2), "-w", "promote")
}

func (r *Rig) createDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, r.NodeURL(r.PrimaryPort(), "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, role := range []string{migrations.OwnerRole, migrations.AppRole} {
		if err := migrations.EnsureRole(ctx, conn, role); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE hearth OWNER "+migrations.OwnerRole); err != nil {
		return err
	}
	db, err := pgx.Connect(ctx, r.NodeURL(r.PrimaryPort(), "hearth"))
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	return migrations.CreateExtensions(ctx, db)
}

func (r *Rig) exec(ctx context.Context, port int, db string, stmts ...string) error {
	conn, err := pgx.Connect(ctx, r.NodeURL(port, db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// StartReplica starts Hearth replica i in its own session (so it outlives the rig
// command), logging to hearthI.log, and records its pid.
func (r *Rig) StartReplica(i int) error {
	logf, err := os.OpenFile(filepath.Join(r.Dir, fmt.Sprintf("hearth%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(r.Hearth, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", r.ReplicaPort(i)))
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+r.DSN(migrations.AppRole),
		"MIGRATE_DATABASE_URL="+r.DSN(migrations.OwnerRole),
		"HEARTH_READ_DATABASE_URL="+r.ReadDSN(migrations.AppRole),
		"HEARTH_TOTP_KEY="+totpKey,
		"HEARTH_METRICS_ADDR=",
		"HEARTH_DEMO=false",
		"HEARTH_BASE_URL="+r.ProxyURL(),
		"HEARTH_TRUSTED_PROXIES=127.0.0.1/32",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // reaped when the rig command itself waits on it
	return r.writePid(fmt.Sprintf("hearth%d", i), cmd.Process.Pid)
}

// KillReplica sends signal sig to replica i.
func (r *Rig) KillReplica(i int, sig syscall.Signal) error {
	pid, err := r.readPid(fmt.Sprintf("hearth%d", i))
	if err != nil {
		return err
	}
	return syscall.Kill(pid, sig)
}

// HAProxyConfig is HAProxy's configuration: round robin over the replicas, each
// checked on /readyz every 500 ms, failed requests redispatched to another. Room for
// the fan-out's 1,000 live-update streams (each a client and a server connection); a
// stream is idle at most 15 s between keep-alives, inside the 60 s timeouts, and
// `timeout tunnel` covers a connection that HAProxy hands over to tunnel mode.
func (r *Rig) HAProxyConfig() string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
  maxconn 8192
defaults
  mode http
  maxconn 4096
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  retries 3
  option redispatch
  retry-on conn-failure empty-response
frontend hearth
  bind 127.0.0.1:%d
  default_backend replicas
frontend stats
  bind 127.0.0.1:%d
  stats enable
  stats uri /
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
`, r.ProxyPort(), r.StatsPort())
	for i := range Replicas {
		fmt.Fprintf(&b, "  server hearth%d 127.0.0.1:%d check\n", i, r.ReplicaPort(i))
	}
	return b.String()
}

// StartHAProxy writes the configuration and starts HAProxy in the background.
func (r *Rig) StartHAProxy(ctx context.Context) error {
	cfg := filepath.Join(r.Dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(r.HAProxyConfig()), 0o644); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "haproxy", "-D", "-f", cfg, "-p", filepath.Join(r.Dir, "haproxy.pid")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("haproxy: %w: %s", err, out)
	}
	return nil
}

// WaitReady waits until url/readyz answers 200, up to d; it returns how long it took.
func WaitReady(ctx context.Context, url string, d time.Duration) (time.Duration, error) {
	start := time.Now()
	c := &http.Client{Timeout: time.Second}
	for time.Since(start) < d {
		if res, err := c.Get(url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("%s not ready within %s", url, d)
}

// Up starts everything and waits until HAProxy serves a ready replica. The waits are
// generous, for a loaded two-core CI machine: the first replica applies every migration.
func (r *Rig) Up(ctx context.Context) error {
	if err := r.StartDatabase(ctx); err != nil {
		return err
	}
	for i := range Replicas {
		if err := r.StartReplica(i); err != nil {
			return err
		}
	}
	for i := range Replicas {
		if _, err := WaitReady(ctx, r.ReplicaURL(i), 120*time.Second); err != nil {
			return err
		}
	}
	if err := r.StartHAProxy(ctx); err != nil {
		return err
	}
	_, err := WaitReady(ctx, r.ProxyURL(), 30*time.Second)
	return err
}

// Down stops the replicas, HAProxy and both PostgreSQL nodes, and removes Dir.
func (r *Rig) Down(ctx context.Context) error {
	var errs []error
	for i := range Replicas {
		name := fmt.Sprintf("hearth%d", i)
		if pid, err := r.readPid(name); err == nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
			if !waitGone(pid, 15*time.Second) {
				r.showLogTail(name)
			}
		}
	}
	if pid, err := r.readPid("haproxy"); err == nil {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		waitGone(pid, 5*time.Second)
	}
	for n := 2; n >= 1; n-- {
		if _, err := os.Stat(filepath.Join(r.pgDir(n), "postmaster.pid")); err == nil {
			if err := r.StopNode(ctx, n, "fast"); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := os.RemoveAll(r.Dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// waitGone waits up to d for pid to end, then kills it; it says whether pid ended by itself.
func waitGone(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
	}
	slog.Warn("still running after SIGTERM; killing", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return false
}

// showLogTail prints the last lines of name's log to stderr, before Down removes it.
func (r *Rig) showLogTail(name string) {
	b, _ := os.ReadFile(filepath.Join(r.Dir, name+".log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	fmt.Fprintf(os.Stderr, "  last lines of %s.log:\n    %s\n", name, strings.Join(lines[max(0, len(lines)-15):], "\n    "))
}

func (r *Rig) writePid(name string, pid int) error {
	return os.WriteFile(filepath.Join(r.Dir, name+".pid"), []byte(strconv.Itoa(pid)), 0o644)
}

func (r *Rig) readPid(name string) (int, error) {
	b, err := os.ReadFile(filepath.Join(r.Dir, name+".pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func appendFile(p, s string) error {
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReplicaRSS is each replica's resident memory in kB (VmRSS in /proc).
func (r *Rig) ReplicaRSS() ([]int, error) {
	out := make([]int, Replicas)
	for i := range Replicas {
		pid, err := r.readPid(fmt.Sprintf("hearth%d", i))
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				out[i], _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			}
		}
	}
	return out, nil
}
