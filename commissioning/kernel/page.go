package kernel

import (
	"fmt"

	"gorm.io/gorm"
)

// Page is one page of a list: Offset rows skipped, then at most Limit rows. Lists
// shown to people or returned by the API are always read a page at a time, so no
// request can ask for a whole table (ASVS V11.1.4).
type Page struct{ Offset, Limit int }

// AllRows is every row, for exports and background jobs that need the whole list.
var AllRows = Page{}

// Scope limits a gorm query to the page; AllRows leaves it whole.
func (p Page) Scope(db *gorm.DB) *gorm.DB {
	if p.Limit <= 0 {
		return db
	}
	return db.Offset(p.Offset).Limit(p.Limit)
}

// SQL is the LIMIT/OFFSET clause for a raw query, empty for AllRows.
func (p Page) SQL() string {
	if p.Limit <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", p.Limit, max(p.Offset, 0))
}

// FindPage reads one page of q (conditions and order set, with a Model or Table)
// into a slice and counts every row q matches: the one way lists are paged in SQL.
// The scopes (preloads, say) apply to the page only, not to the count.
func FindPage[T any](q *gorm.DB, p Page, scopes ...func(*gorm.DB) *gorm.DB) ([]T, int64, error) {
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	out := []T{}
	if total == 0 {
		return out, 0, nil
	}
	if err := q.Scopes(scopes...).Scopes(p.Scope).Find(&out).Error; err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// RawPage is FindPage for a raw SQL query with its ORDER BY.
func RawPage[T any](db *gorm.DB, p Page, sql string, args ...any) ([]T, int64, error) {
	var total int64
	if err := db.Raw("SELECT count(*) FROM ("+sql+") AS rows", args...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	out := []T{}
	if total == 0 {
		return out, 0, nil
	}
	if err := db.Raw(sql+p.SQL(), args...).Scan(&out).Error; err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
