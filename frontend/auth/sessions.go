package auth

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
)

// SessionKey is how a session token is stored: the hex SHA-256 of it. The token has
// 256 bits of entropy, so a fast hash suffices, and a copy of the database holds no
// token that signs anyone in (ASVS V3.2).
func SessionKey(token string) string {
	return hex.EncodeToString(seal.HashToken(token))
}

// HashedStore is a session store that keeps sessions under SessionKey(token) in the
// store it wraps: the cookie's value never reaches the database.
type HashedStore struct {
	Store scs.Store
}

// Find returns the data of the session whose token is token.
func (h HashedStore) Find(token string) ([]byte, bool, error) { return h.Store.Find(SessionKey(token)) }

// Commit saves the data of the session whose token is token.
func (h HashedStore) Commit(token string, b []byte, expiry time.Time) error {
	return h.Store.Commit(SessionKey(token), b, expiry)
}

// Delete removes the session whose token is token.
func (h HashedStore) Delete(token string) error { return h.Store.Delete(SessionKey(token)) }

// Session is one of a user's signed-in sessions, as the user sees it.
type Session struct {
	ID         int64
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         *string `gorm:"column:ip"`
	UserAgent  string
}

// TableName is the user_sessions table.
func (Session) TableName() string { return "user_sessions" }

// ErrSessionEnded is returned for a session that has been signed out or ended from
// another session.
var ErrSessionEnded = errors.New("this session has ended: sign in again")

// SessionSeenEvery is how often a session's last-seen time is written.
var SessionSeenEvery = time.Minute

// RecordSession registers a new signed-in session of u under the session token's key,
// with the client's address and user agent, and forgets u's sessions that have expired.
func (s *Service) RecordSession(ctx context.Context, u User, key, ip, userAgent string) error {
	if len(userAgent) > 500 {
		userAgent = strings.ToValidUTF8(userAgent[:500], "")
	}
	now := s.Now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A minute's grace spares a session signed in a moment ago whose data the
		// session store has not committed yet.
		if err := tx.Exec("DELETE FROM user_sessions WHERE user_id = ? AND last_seen_at < ? AND token_hash NOT IN (SELECT token FROM sessions WHERE expiry > ?)",
			u.ID, now.Add(-time.Minute), now).Error; err != nil {
			return err
		}
		return tx.Exec("INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING",
			key, u.ID, now, now, ipOrNull(ip), userAgent).Error
	})
}

// TouchSession checks that the session under key is still one of u's and notes that
// it was seen (at most once every SessionSeenEvery). Returns ErrSessionEnded when the
// session was ended.
func (s *Service) TouchSession(ctx context.Context, u User, key string) error {
	var seen time.Time
	err := s.db.WithContext(ctx).Raw("SELECT last_seen_at FROM user_sessions WHERE token_hash = ? AND user_id = ?", key, u.ID).Row().Scan(&seen)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrSessionEnded
	}
	if err != nil {
		return fmt.Errorf("session of user %d: %w", u.ID, err)
	}
	if now := s.Now(); now.Sub(seen) >= SessionSeenEvery {
		if err := s.db.WithContext(ctx).Exec("UPDATE user_sessions SET last_seen_at = ? WHERE token_hash = ?", now, key).Error; err != nil {
			return fmt.Errorf("session of user %d: %w", u.ID, err)
		}
	}
	return nil
}

// Sessions lists u's live sessions, most recently seen first.
func (s *Service) Sessions(ctx context.Context, u User) ([]Session, error) {
	var out []Session
	err := s.db.WithContext(ctx).Raw(`SELECT us.id, us.token_hash, us.user_id, us.created_at, us.last_seen_at, host(us.ip) AS ip, us.user_agent
		FROM user_sessions us JOIN sessions ss ON ss.token = us.token_hash
		WHERE us.user_id = ? AND ss.expiry > ? ORDER BY us.last_seen_at DESC, us.id DESC`, u.ID, s.Now()).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("sessions of user %d: %w", u.ID, err)
	}
	return out, nil
}

// EndSession signs out one of u's sessions by its id. Returns kernel.ErrNotFound
// for a session that is not u's.
func (s *Service) EndSession(ctx context.Context, u User, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var key string
		if err := tx.Raw("SELECT token_hash FROM user_sessions WHERE id = ? AND user_id = ?", id, u.ID).Row().Scan(&key); err != nil {
			return fmt.Errorf("session %d: %w", id, kernel.ErrNotFound)
		}
		if err := deleteSessions(tx, "token_hash = ?", key); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "user.session_end", "user", fmt.Sprint(u.ID), map[string]any{"session_id": id})
	})
}

// EndOtherSessions signs out every session of u but the one under keep (which may be
// empty: then all of them) and returns how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, u User, keep string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if n, err = endOtherSessions(tx, u.ID, keep); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "user.sessions_end", "user", fmt.Sprint(u.ID), map[string]any{"ended": n})
	})
	return n, err
}

// ForgetSession removes the session under key from the register (at sign-out).
func (s *Service) ForgetSession(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Exec("DELETE FROM user_sessions WHERE token_hash = ?", key).Error
}

func endOtherSessions(tx *gorm.DB, userID int64, keep string) (int64, error) {
	var n int64
	if err := tx.Raw("SELECT count(*) FROM user_sessions WHERE user_id = ? AND token_hash <> ?", userID, keep).Row().Scan(&n); err != nil {
		return 0, err
	}
	return n, deleteSessions(tx, "user_id = ? AND token_hash <> ?", userID, keep)
}

// deleteSessions ends the registered sessions matching where: their data goes from
// the session store and their rows from the register.
func deleteSessions(tx *gorm.DB, where string, args ...any) error {
	if err := tx.Exec("DELETE FROM sessions WHERE token IN (SELECT token_hash FROM user_sessions WHERE "+where+")", args...).Error; err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if err := tx.Exec("DELETE FROM user_sessions WHERE "+where, args...).Error; err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

func ipOrNull(ip string) any {
	if net.ParseIP(ip) == nil {
		return nil
	}
	return ip
}

// DeleteExpiredSessions deletes the sessions that have expired and the user_sessions
// rows whose session is gone, sparing for a minute rows whose session data may not be
// saved yet. Hearth's own periodic worker calls it: the session store's cleanup
// goroutine raced with its StopCleanup (alexedwards/scs#231), so that one is off.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := s.Now()
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("DELETE FROM sessions WHERE expiry < ?", now)
		if res.Error != nil {
			return fmt.Errorf("delete expired sessions: %w", res.Error)
		}
		n = res.RowsAffected
		if err := tx.Exec("DELETE FROM user_sessions WHERE last_seen_at < ? AND token_hash NOT IN (SELECT token FROM sessions)",
			now.Add(-time.Minute)).Error; err != nil {
			return fmt.Errorf("delete ended user sessions: %w", err)
		}
		return nil
	})
	return n, err
}
