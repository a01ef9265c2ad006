package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestExpiredSessionsAreDeletedByTheJobSystem (alexedwards/scs#231): the session
// store's own cleanup goroutine is off, and serve's job queue deletes expired sessions
// instead, as a task the leader enqueues; a live session stays.
func TestExpiredSessionsAreDeletedByTheJobSystem(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.New(t)
	enc, err := auth.NewSeedKey()
	must(t, err)
	key, err := auth.ParseSeedKey(enc)
	must(t, err)
	cfg := Config{DatabaseURL: dsn, MigrateURL: dbtest.OwnerURL(dsn), TOTPKey: key, BaseURL: "http://hearth.test"}
	err = withApp(ctx, cfg, func(a *app) error {
		db := a.db.Gorm
		must(t, db.Exec(`INSERT INTO sessions (token, data, expiry) VALUES ('expired', '\x00', now() - interval '1 hour'),
		        ('live', '\x00', now() + interval '1 hour')`).Error)
		stopJobs, err := a.startJobs(ctx)
		if err != nil {
			return err
		}
		stop := sync.OnceFunc(stopJobs)
		defer stop()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var tokens []string
			must(t, db.Raw("SELECT token FROM sessions ORDER BY token").Scan(&tokens).Error)
			if len(tokens) == 1 && tokens[0] == "live" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("sessions left: %v, want only the live one", tokens)
			}
			time.Sleep(100 * time.Millisecond)
		}
		stop() // River records a job's completion after it returns; stopping waits for that
		var ran int64
		must(t, db.Raw(`SELECT count(*) FROM river_job WHERE kind = 'hearth_task' AND args->>'task' = 'delete_expired_sessions'
		        AND state = 'completed'`).Scan(&ran).Error)
		if ran != 1 {
			t.Errorf("%d completed session-cleanup jobs, want 1", ran)
		}
		return nil
	})
	must(t, err)
}
