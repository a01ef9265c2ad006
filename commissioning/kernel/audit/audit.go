// Package audit records who did what to which record, when and from where, in an
// append-only table (a database trigger refuses UPDATE, DELETE and TRUNCATE).
//
// Every read or change of a child's record must be recorded: callers pass the
// request's context, which carries the Actor set by the web layer.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
)

// Actor is who is acting, and from where.
type Actor struct {
	UserID    int64
	OrgID     int64
	Label     string // e.g. "ann@manchester.example (commissioner)" or "system"
	IP        string
	RequestID string
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Label: "system"}
}

// Entry is one row of the audit log.
type Entry struct {
	ID          int64     `gorm:"primaryKey"`
	At          time.Time `gorm:"->"`
	ActorUserID *int64
	ActorOrgID  *int64
	Actor       string
	Action      string // "<entity>.<verb>", e.g. "user.sign_in", "child.read"
	EntityType  string
	EntityID    string
	Detail      json.RawMessage `gorm:"type:jsonb"`
	IP          *string         `gorm:"column:ip"`
	RequestID   string
	// ConsortiumID is the consortium whose business the entry is; the database fills
	// it from the actor's organisation or the record acted on (migration 00009).
	ConsortiumID *int64
}

// TableName is the audit_log table.
func (Entry) TableName() string { return "audit_log" }

// Log writes audit entries.
type Log struct {
	db *gorm.DB
}

// New returns a Log on db.
func New(db *gorm.DB) *Log { return &Log{db: db} }

// Record appends one entry for the actor in ctx. Use it inside the same transaction
// as the change it records (pass the transaction's *gorm.DB to New) so that a change
// and its audit row commit together.
func (l *Log) Record(ctx context.Context, action, entityType, entityID string, detail map[string]any) error {
	a := ActorFrom(ctx)
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	e := Entry{Actor: a.Label, Action: action, EntityType: entityType, EntityID: entityID, Detail: raw, RequestID: a.RequestID}
	if a.UserID != 0 {
		e.ActorUserID = &a.UserID
	}
	if a.OrgID != 0 {
		e.ActorOrgID = &a.OrgID
	}
	if a.IP != "" {
		e.IP = &a.IP
	}
	if err := l.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s %s/%s: %w", action, entityType, entityID, err)
	}
	return nil
}

// RecordList appends one "child.read" entry for a list or export that showed child
// data: list names it (the route, say "/secure/waiting") and ids are the records of
// entityType in it. An empty list shows no child and records nothing.
func (l *Log) RecordList(ctx context.Context, list, entityType string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return l.Record(ctx, "child.read", entityType, "", map[string]any{"list": list, "ids": ids, "count": len(ids)})
}

// Scope says whose entries a reader may see. The zero Scope sees nothing.
type Scope struct {
	kind         scopeKind
	consortiumID int64
}

type scopeKind int

const (
	scopeNone scopeKind = iota
	scopeConsortium
	scopeSecureWelfare
	scopeAll
)

// ConsortiumScope is a consortium admin's view: entries whose business is the
// consortium's (its own people, its member councils' people, and anyone acting on its
// frameworks, requests, placements or invoices), and older entries without that mark
// whose actor is the consortium or a member council.
func ConsortiumScope(consortiumID int64) Scope {
	return Scope{kind: scopeConsortium, consortiumID: consortiumID}
}

// SecureWelfareScope is the SWCU's view: secure welfare actions and records, and
// whatever the SWCU or a secure home did.
var SecureWelfareScope = Scope{kind: scopeSecureWelfare}

// AllEntries is every entry, for operators' tools and tests; no web page uses it.
var AllEntries = Scope{kind: scopeAll}

func (s Scope) apply(q *gorm.DB) *gorm.DB {
	switch s.kind {
	case scopeConsortium:
		return q.Where(`(consortium_id = @c OR (consortium_id IS NULL AND actor_org_id IN
            (SELECT id FROM organisations WHERE id = @c OR consortium_id = @c)))`, map[string]any{"c": s.consortiumID})
	case scopeSecureWelfare:
		return q.Where(`(action LIKE 'secure.%' OR entity_type LIKE 'secure\_%'
            OR actor_org_id IN (SELECT id FROM organisations WHERE kind = 'swcu')
            OR actor_org_id IN (SELECT provider_id FROM secure_homes))`)
	case scopeAll:
		return q
	}
	return q.Where("false")
}

// Filter narrows a listing. Zero fields do not filter.
type Filter struct {
	Action     string
	EntityType string
	EntityID   string
	ActorEmail string // substring of the actor label
	From, To   time.Time
}

func (f Filter) apply(q *gorm.DB) *gorm.DB {
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorEmail != "" {
		q = q.Where("actor ILIKE ?", "%"+f.ActorEmail+"%")
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	return q
}

// List returns one page of the entries in scope matching f, newest first, and their
// total count.
func (l *Log) List(ctx context.Context, scope Scope, f Filter, offset, limit int) ([]Entry, int64, error) {
	var total int64
	if err := f.apply(scope.apply(l.db.WithContext(ctx).Model(&Entry{}))).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	var out []Entry
	if err := f.apply(scope.apply(l.db.WithContext(ctx))).Order("at DESC, id DESC").Offset(offset).Limit(limit).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	return out, total, nil
}

// Actions lists the distinct actions recorded in scope, for the filter form.
func (l *Log) Actions(ctx context.Context, scope Scope) ([]string, error) {
	var out []string
	err := scope.apply(l.db.WithContext(ctx).Model(&Entry{})).Distinct("action").Order("action").Pluck("action", &out).Error
	return out, err
}

// WriteCSV writes every entry in scope matching f as CSV, in the order they were
// recorded, reading in batches so that a large log streams.
func (l *Log) WriteCSV(ctx context.Context, w io.Writer, scope Scope, f Filter) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write("id", "at", "actor", "actor_user_id", "action", "entity_type", "entity_id", "detail", "ip", "request_id"); err != nil {
		return err
	}
	var batch []Entry
	err := f.apply(scope.apply(l.db.WithContext(ctx))).FindInBatches(&batch, 1000, func(*gorm.DB, int) error {
		for _, e := range batch {
			uid, ip := "", ""
			if e.ActorUserID != nil {
				uid = strconv.FormatInt(*e.ActorUserID, 10)
			}
			if e.IP != nil {
				ip = *e.IP
			}
			if err := cw.Write(strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), e.Actor, uid, e.Action,
				e.EntityType, e.EntityID, string(e.Detail), ip, e.RequestID); err != nil {
				return err
			}
		}
		return nil
	}).Error
	if err != nil {
		return fmt.Errorf("audit csv: %w", err)
	}
	return cw.Flush()
}
