// Package intelligence is the consortium's regional picture: what it buys, where its
// children go, what it costs, how long placing takes and where the market is thin. It
// reads the marketplace's and secure welfare's tables (by SQL, never their Go types, so
// the import rule "commissioning imports nothing of marketplace" holds) and answers in
// aggregates.
//
// Every view is asked for a Scope: the consortium as a whole, or one member council
// beside the consortium's figures. A council sees child-level rows of its own only; the
// consortium's figures are aggregates, and any count of children under MinCell is
// suppressed (Suppressed), as official statistics do.
package intelligence

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// MinCell is the smallest count of children a view shows: smaller non-zero counts are
// suppressed, so that no child can be picked out of an aggregate.
const MinCell = 5

// Scope is whose figures a view shows: the consortium's, and with Council set, that
// member council's beside them.
type Scope struct {
	Consortium int64
	Council    int64 // 0: the consortium as a whole
}

// ErrNoConsortium is asked of a view by an organisation in no consortium.
var ErrNoConsortium = kernel.NewError(kernel.ErrForbidden, "no_consortium", "Regional intelligence is for councils in a consortium and its admins")

// Count is a count of children (or of their placements) that may be suppressed.
type Count struct {
	N          int64 // the count; 0 when Suppressed
	Suppressed bool  // a non-zero count under MinCell, shown as "fewer than 5", or Secondary
	Secondary  bool  // suppressed (any size) so that a hidden count cannot be worked out from a total beside it
}

// Suppressed is n as a Count: a non-zero n under MinCell is suppressed.
func Suppressed(n int64) Count {
	if n > 0 && n < MinCell {
		return Count{Suppressed: true}
	}
	return Count{N: n}
}

// Service answers the views. Now (cmd/hearth gives it the one clock) dates each answer
// ("data as of") and places "this month" and "the last 12 months".
type Service struct {
	db *gorm.DB // the primary: the summaries are rebuilt here
	// read is where the views read: the primary, or a read-only standby (ReadFrom).
	read *gorm.DB
	Now  func() time.Time
}

// New returns the views over db.
func New(db *gorm.DB) *Service {
	return &Service{db: db, read: db, Now: time.Now}
}

// ReadFrom returns the views reading from ro, a read-only copy of the database (a hot
// standby: CloudNativePG's -ro service), while the summaries are still rebuilt on the
// primary. The views are aggregates over summaries rebuilt every few minutes, so a
// standby a moment behind changes nothing a reader could see; their heavy scans then
// leave the primary to the writes.
func (s *Service) ReadFrom(ro *gorm.DB) *Service {
	c := *s
	c.read = ro
	return &c
}

// ScopeFor is the scope of an organisation: a consortium's own (its admins), or a member
// council's beside its consortium; ErrNoConsortium for anyone else.
func (s *Service) ScopeFor(ctx context.Context, orgID int64) (Scope, error) {
	var org struct {
		ID           int64
		Kind         string
		ConsortiumID *int64
	}
	if err := s.read.WithContext(ctx).Raw(`SELECT id, kind, consortium_id FROM organisations WHERE id = ?`, orgID).Scan(&org).Error; err != nil {
		return Scope{}, err
	}
	switch {
	case org.Kind == string(kernel.KindConsortium):
		return Scope{Consortium: org.ID}, nil
	case org.Kind == string(kernel.KindCouncil) && org.ConsortiumID != nil:
		return Scope{Consortium: *org.ConsortiumID, Council: org.ID}, nil
	}
	return Scope{}, ErrNoConsortium
}

// SuppressGroup is counts that add up to a total shown beside them (the cells of one
// row, or of one column), each suppressed as Suppressed does, and then, where exactly one
// cell was suppressed, the smallest other non-zero cell too (secondary suppression):
// otherwise the hidden cell is the total less the cells shown. Every view that prints a
// row or column total beside its cells suppresses those cells through this function.
func SuppressGroup(ns ...int64) []Count {
	out := make([]Count, len(ns))
	for i, n := range ns {
		out[i] = Suppressed(n)
	}
	hideNext(ns, out)
	return out
}

// hideNext is secondary suppression over one group of cells, ns as cs shows them: where
// exactly one of cs is suppressed, it suppresses the smallest other non-zero cell too
// (Secondary), and reports whether it did.
func hideNext(ns []int64, cs []Count) bool {
	hidden, next := 0, -1
	for i, n := range ns {
		switch {
		case cs[i].Suppressed:
			hidden++
		case n > 0 && (next < 0 || n < ns[next]):
			next = i
		}
	}
	if hidden != 1 || next < 0 {
		return false
	}
	cs[next] = Count{Suppressed: true, Secondary: true}
	return true
}

// refreshedAt is a summary's row in intel_refreshes: when it was last rebuilt, and the
// start of the window it covers (zero for a summary of the whole history).
type refreshedAt struct{ RefreshedAt, WindowFrom time.Time }

// refreshed is when the summary view was last rebuilt; a database never rebuilt (a new
// demo, before the job's first run) is rebuilt now, by refresh.
func (s *Service) refreshed(ctx context.Context, view string, refresh func(context.Context) error) (refreshedAt, error) {
	for i := range 2 {
		// After a rebuild here, read it back where it was written: a standby may lag.
		db := s.read
		if i > 0 {
			db = s.db
		}
		var at []refreshedAt
		if err := db.WithContext(ctx).Raw(`SELECT refreshed_at,
			CASE WHEN isfinite(window_from) THEN window_from ELSE '0001-01-01 00:00:00+00' END AS window_from FROM intel_refreshes WHERE view = ?`, view).Scan(&at).Error; err != nil {
			return refreshedAt{}, err
		}
		if len(at) == 1 {
			return at[0], nil
		}
		if err := refresh(ctx); err != nil {
			return refreshedAt{}, err
		}
	}
	return refreshedAt{}, fmt.Errorf("intelligence: %s not refreshed", view)
}

// lockRefresh makes rebuilds of one summary at once (the job, and a first page view on a
// database never refreshed) take turns, so the second does not trip on the first's rows.
func lockRefresh(tx *gorm.DB, view string) error {
	return tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('intel_' || ?))`, view).Error
}

// recordRefresh records, inside a summary's rebuild, that view was rebuilt at now over
// the window from from (a time, or "-infinity" for the whole history).
func recordRefresh(tx *gorm.DB, view string, now time.Time, from any) error {
	return tx.Exec(`INSERT INTO intel_refreshes (view, refreshed_at, window_from) VALUES (?, ?, ?)
		ON CONFLICT (view) DO UPDATE SET refreshed_at = excluded.refreshed_at, window_from = excluded.window_from`, view, now, from).Error
}
