// Command hearth-rig runs Hearth as it runs in production, on loopback: a PostgreSQL
// primary with a synchronous streaming standby (from the system's binaries), three
// Hearth replicas on a multi-host DSN, and HAProxy in front checking /readyz.
//
//	hearth-rig up     [-dir .rig] [-base 21000] [-hearth bin/hearth]   (make cluster)
//	hearth-rig down   [-dir .rig]                                       (make cluster-stop)
//	hearth-rig chaos  [-dir .rig-chaos] [-scenarios 4,1,2,3,5,7] [-short] (make chaos, make chaos-short)
//
// Chaos scenarios each build a fresh rig, break it while load runs, print their figures
// and fail on any loss. -short shrinks the bid storm (20 providers, a 10 s window) so
// that scenarios 4, 1 and 2 fit inside make test.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hearth-rig up|down|chaos [flags]")
		os.Exit(2)
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	dir := fs.String("dir", ".rig", "folder holding the rig's databases, logs and pids")
	base := fs.Int("base", 21000, "first of the rig's loopback ports (HAProxy; PostgreSQL at +1 and +2, replicas from +11)")
	hearth := fs.String("hearth", "bin/hearth", "the hearth binary the replicas run")
	scenarios := fs.String("scenarios", "4,1,2,3,5,7", "chaos scenarios to run, in order")
	short := fs.Bool("short", false, "a short bid storm (20 providers, 10 s), for make test")
	_ = fs.Parse(os.Args[2:])
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	r, err := NewRig(*dir, *base, *hearth)
	if err != nil {
		fatalf("%v", err)
	}
	switch cmd {
	case "up":
		if err := r.Up(ctx); err != nil {
			fatalf("cluster: %v (logs in %s; make cluster-stop removes it)", err, r.Dir)
		}
		fmt.Printf("Hearth rig is up (stop it with make cluster-stop):\n  HAProxy:     %s\n  HAProxy stats: http://127.0.0.1:%d/\n", r.ProxyURL(), r.StatsPort())
		for i := range Replicas {
			fmt.Printf("  replica %d:   %s  (log %s/hearth%d.log)\n", i, r.ReplicaURL(i), r.Dir, i)
		}
		fmt.Printf("  primary:     %s\n  standby:     %s (synchronous)\n  app DSN:     %s\n",
			r.NodeURL(r.PrimaryPort(), "hearth"), r.NodeURL(r.StandbyPort(), "hearth"), r.DSN("hearth_app"))
	case "down":
		if err := r.Down(ctx); err != nil {
			fatalf("cluster-stop: %v", err)
		}
		fmt.Println("Hearth rig stopped and removed.")
	case "chaos":
		if err := runChaos(ctx, newChaos(r, *short), strings.Split(*scenarios, ",")); err != nil {
			fatalf("chaos: %v", err)
		}
	default:
		fatalf("unknown command %q: want up, down or chaos", cmd)
	}
}

// fatalf prints to stderr and exits 1 (the log package goes through slog, which
// shows warnings only).
func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hearth-rig: "+format+"\n", args...)
	os.Exit(1)
}
