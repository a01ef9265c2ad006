package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/frontend/auth"
)

// Expired sessions are deleted by Hearth's own worker (the session store's cleanup
// goroutine is off: alexedwards/scs#231), with the user_sessions rows that track them.
func TestDeleteExpiredSessions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u := w.user(t, "sessions@provider.test")
	live, expired, fresh := auth.SessionKey("live"), auth.SessionKey("expired"), auth.SessionKey("fresh")
	for _, s := range []struct {
		key    string
		expiry time.Time
	}{{live, w.now.Add(time.Hour)}, {expired, w.now.Add(-time.Second)}} {
		if err := w.db.Exec("INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)", s.key, []byte{}, s.expiry).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{live, expired} {
		if err := w.users.RecordSession(ctx, u, key, "192.0.2.1", "test"); err != nil {
			t.Fatal(err)
		}
	}
	w.now = w.now.Add(2 * time.Minute)
	// Another user's session signed in a moment ago whose data is not saved yet is spared.
	// (Another user's, because signing in forgets the user's own ended sessions.)
	if err := w.users.RecordSession(ctx, w.user(t, "other@provider.test"), fresh, "192.0.2.1", "test"); err != nil {
		t.Fatal(err)
	}
	n, err := w.users.DeleteExpiredSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("deleted %d sessions, want 1", n)
	}
	for _, c := range []struct {
		table, column, key string
		want               int
	}{
		{"sessions", "token", live, 1}, {"sessions", "token", expired, 0},
		{"user_sessions", "token_hash", live, 1}, {"user_sessions", "token_hash", expired, 0}, {"user_sessions", "token_hash", fresh, 1},
	} {
		var got int
		if err := w.db.Raw("SELECT count(*) FROM "+c.table+" WHERE "+c.column+" = ?", c.key).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s rows for %s = %d, want %d", c.table, c.key[:8], got, c.want)
		}
	}
}
