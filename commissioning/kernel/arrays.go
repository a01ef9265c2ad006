package kernel

import (
	"database/sql/driver"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
)

var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// ScanArray scans a PostgreSQL array value (as database/sql gives it) into dst, with
// pgx's own codec.
func ScanArray[T any](src any, dst *[]T) error {
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	var out []T
	if err := m.SQLScanner(&out).Scan(src); err != nil {
		return err
	}
	*dst = out
	return nil
}

// StringArray is a PostgreSQL text[], scanned with pgx's array codec.
type StringArray []string

// Scan implements sql.Scanner.
func (a *StringArray) Scan(src any) error { return ScanArray(src, (*[]string)(a)) }

// Value implements driver.Valuer.
func (a StringArray) Value() (driver.Value, error) {
	if a == nil {
		return []string{}, nil
	}
	return []string(a), nil
}

// Int64Array is a PostgreSQL bigint[].
type Int64Array []int64

// Scan implements sql.Scanner.
func (a *Int64Array) Scan(src any) error { return ScanArray(src, (*[]int64)(a)) }

// Value implements driver.Valuer.
func (a Int64Array) Value() (driver.Value, error) {
	if a == nil {
		return []int64{}, nil
	}
	return []int64(a), nil
}
