// Package pgembed runs a private PostgreSQL cluster from the system's server binaries
// (initdb and pg_ctl), for `hearth serve` without DATABASE_URL and for tests.
//
// The cluster lives in a data folder, listens only on loopback on a free port and is
// reused on the next start, so data survives a restart. When the process runs as root
// the server runs as the unprivileged "postgres" user, because initdb refuses root.
package pgembed

import (
	"github.com/jackc/pgx/v5"

	"github.com/hearth-placements/hearth/migrations"

	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options configure a cluster.
type Options struct {
	// Dir holds the cluster ("data/"), its log and its socket.
	Dir string
	// Ephemeral turns off durability (fsync and friends): for tests only.
	Ephemeral bool
}

// Cluster is a running PostgreSQL server owned by this process.
type Cluster struct {
	dir    string
	port   int
	cred   *syscall.Credential
	bin    string
	shared bool // started by another process: leave it running
}

// ErrNoBinaries is returned when no PostgreSQL server binaries are installed.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (install Debian's postgresql package)")

// ErrUnreachable is returned, when running as root, for a data folder the unprivileged
// postgres user cannot reach because a parent folder is closed to other users.
var ErrUnreachable = errors.New("the postgres user cannot reach the data folder")

func untraversableParent(dir string) string {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o001 == 0 {
			return p
		}
		if p == "/" || p == "." {
			return ""
		}
	}
}

// FindBinaries returns the newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl,
// or the folder of initdb on PATH.
func FindBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

// Start initialises the cluster in opts.Dir when it does not exist yet and starts it.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: data folder: %w", err)
	}
	// Parents must stay traversable by the postgres user when we run as root.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("pgembed: create %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("pgembed: create %s: %w", dir, err)
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
		if p := untraversableParent(dir); p != "" {
			return nil, fmt.Errorf("%w: %s is closed to other users", ErrUnreachable, p)
		}
		if err := chownTree(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgembed: chown %s: %w", dir, err)
		}
	}
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		args := []string{"-D", data, "-U", "hearth", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"}
		if opts.Ephemeral {
			args = append(args, "--no-sync")
		}
		if out, err := c.run(ctx, "initdb", args...); err != nil {
			return nil, fmt.Errorf("pgembed: initdb: %w: %s", err, out)
		}
	}
	// A server already running on this folder (another Hearth command, say `hearth serve`
	// while an administrator runs `hearth user create`) is shared, not stopped: we use it
	// and leave it running. A stale pid file from a killed run is handled by pg_ctl.
	if _, err := c.run(ctx, "pg_ctl", "-D", data, "status"); err == nil {
		if port, err := runningPort(data); err == nil {
			c.port, c.shared = port, true
			return c, nil
		}
	}

	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	o := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c max_connections=200", c.port, dir)
	if opts.Ephemeral {
		o += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if out, err := c.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", o, "start"); err != nil {
		return nil, fmt.Errorf("pgembed: start: %w: %s (see %s)", err, out, filepath.Join(dir, "server.log"))
	}
	return c, nil
}

// URL is the connection string for database name db on this cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://hearth@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Stop shuts the server down cleanly (fast mode: open sessions are ended), unless
// another process started it.
func (c *Cluster) Stop() error {
	if c.shared {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pgembed: stop: %w: %s", err, out)
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// runningPort reads the port of a running server from its postmaster.pid (line 4).
func runningPort(data string) (int, error) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, fmt.Errorf("pgembed: short postmaster.pid")
	}
	return strconv.Atoi(strings.TrimSpace(lines[3]))
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgembed: running as root needs the unprivileged 'postgres' user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgembed: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// EnsureDatabase creates database name on the cluster unless it exists, owned by
// migrations.OwnerRole, creates the application's role migrations.AppRole, and returns
// the URL of the database's owner, for migrations. The application connects as
// migrations.AppRole (see migrations.WithUser), which owns nothing.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	defer conn.Close(ctx)
	for _, role := range []string{migrations.OwnerRole, migrations.AppRole} {
		if err := migrations.EnsureRole(ctx, conn, role); err != nil {
			return "", fmt.Errorf("pgembed: %w", err)
		}
	}
	// A database made before the roles existed keeps its owner, who migrates it.
	var owner string
	err = conn.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		owner = migrations.OwnerRole
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+pgx.Identifier{owner}.Sanitize())
	}
	if err != nil {
		return "", fmt.Errorf("pgembed: database %s: %w", name, err)
	}
	db, err := pgx.Connect(ctx, c.URL(name))
	if err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	defer db.Close(ctx)
	if err := migrations.CreateExtensions(ctx, db); err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	return migrations.WithUser(c.URL(name), owner), nil
}
