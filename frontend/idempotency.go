package frontend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// HeaderIdempotencyKey names the header that makes an API POST safe to retry.
const HeaderIdempotencyKey = "Idempotency-Key"

// IdempotencyKeyLife is how long a key and its stored response are kept.
const IdempotencyKeyLife = 24 * time.Hour

// idempotencyRecord is a row of idempotency_keys.
type idempotencyRecord struct {
	Method       string
	Path         string
	RequestHash  string
	Status       *int
	ResponseBody []byte
	Location     *string
	ContentType  *string
}

// idempotent runs a POST to /api/v1 that carries an Idempotency-Key once per user and
// key: the key is claimed in the database before the handler runs, so of two requests
// at once only one runs (the other is told 409); a retry with the same body gets the
// stored response again without the handler running; the same key with another body
// or path is refused with 422. Only a successful (2xx) response is stored: after a
// failure the key is released, so the client can correct the request and retry.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get(HeaderIdempotencyKey)
		if req.Method != http.MethodPost || key == "" || !strings.HasPrefix(req.URL.Path, "/api/v1/") {
			return next(c)
		}
		u, ok := currentUser(c)
		if !ok {
			return next(c)
		}
		if len(key) > 255 {
			return echo.NewHTTPError(http.StatusBadRequest, "The Idempotency-Key header must be at most 255 characters.")
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return fmt.Errorf("read body for idempotency key: %w", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		ctx := req.Context()
		db := s.deps.DB.Gorm.WithContext(ctx)

		claimed, err := claimIdempotencyKey(db, u.ID, key, req.Method, req.URL.Path, hash)
		if err != nil {
			return err
		}
		if !claimed {
			return replayIdempotent(c, db, u.ID, key, req.Method, req.URL.Path, hash)
		}

		rec := &teeWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		stored := false
		defer func() {
			// Release the key unless the response was stored (also if the handler
			// panicked): a failed request may be corrected and sent again.
			if !stored {
				if derr := s.deps.DB.Gorm.WithContext(context.WithoutCancel(ctx)).
					Exec("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", u.ID, key).Error; derr != nil {
					slog.ErrorContext(ctx, "release idempotency key", "err", derr)
				}
			}
		}()
		err = next(c)
		status := c.Response().Status
		if err != nil || !c.Response().Committed || status < 200 || status > 299 {
			return err
		}
		h := c.Response().Header()
		stored = true
		if err := db.Exec(`UPDATE idempotency_keys SET status = ?, response_body = ?, location = NULLIF(?, ''), content_type = NULLIF(?, '')
			WHERE user_id = ? AND key = ?`, status, rec.body.Bytes(), h.Get(echo.HeaderLocation), h.Get(echo.HeaderContentType), u.ID, key).Error; err != nil {
			stored = false
			return fmt.Errorf("store idempotent response: %w", err)
		}
		return nil
	}
}

// claimIdempotencyKey inserts the key's row, first forgetting it if it has expired;
// it reports false when the key is already held.
func claimIdempotencyKey(db *gorm.DB, userID int64, key, method, path, hash string) (bool, error) {
	var claimed bool
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND expires_at <= now()", userID, key).Error; err != nil {
			return err
		}
		res := tx.Exec(`INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, expires_at)
			VALUES (?, ?, ?, ?, ?, now() + ?::interval) ON CONFLICT (user_id, key) DO NOTHING`,
			userID, key, method, path, hash, fmt.Sprintf("%d seconds", int(IdempotencyKeyLife.Seconds())))
		claimed = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return claimed, nil
}

// replayIdempotent answers a request whose key is already held.
func replayIdempotent(c echo.Context, db *gorm.DB, userID int64, key, method, path, hash string) error {
	var r idempotencyRecord
	res := db.Raw("SELECT method, path, request_hash, status, response_body, location, content_type FROM idempotency_keys WHERE user_id = ? AND key = ?",
		userID, key).Scan(&r)
	if res.Error != nil {
		return fmt.Errorf("find idempotency key: %w", res.Error)
	}
	switch {
	case res.RowsAffected == 0:
		// Released by a failed request a moment ago: the client may send it again.
		return echo.NewHTTPError(http.StatusConflict, "A request with this Idempotency-Key has just failed: send it again.")
	case r.Method != method || r.Path != path || r.RequestHash != hash:
		return echo.NewHTTPError(http.StatusUnprocessableEntity,
			"This Idempotency-Key was used for a different request: use a new key for a new request.")
	case r.Status == nil:
		return echo.NewHTTPError(http.StatusConflict, "A request with this Idempotency-Key is in progress: retry it shortly.")
	}
	h := c.Response().Header()
	if r.Location != nil {
		h.Set(echo.HeaderLocation, *r.Location)
	}
	if r.ContentType != nil {
		h.Set(echo.HeaderContentType, *r.ContentType)
	}
	h.Set("Idempotent-Replayed", "true")
	return c.Blob(*r.Status, h.Get(echo.HeaderContentType), r.ResponseBody)
}

// DeleteExpiredIdempotencyKeys forgets idempotency keys older than IdempotencyKeyLife.
func DeleteExpiredIdempotencyKeys(ctx context.Context, db *gorm.DB) (int64, error) {
	res := db.WithContext(ctx).Exec("DELETE FROM idempotency_keys WHERE expires_at <= now()")
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// teeWriter keeps a copy of the response body it writes.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// apiPath formats the path of an API resource for a 201's Location header.
func apiPath(format string, id int64) string { return fmt.Sprintf(format, id) }
