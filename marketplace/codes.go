package marketplace

import (
	"database/sql/driver"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
)

// Codes is a PostgreSQL text[] of taxonomy codes, scanned with pgx's own array codec.
type Codes []string

var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// Scan implements sql.Scanner.
func (c *Codes) Scan(src any) error {
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	var out []string
	if err := m.SQLScanner(&out).Scan(src); err != nil {
		return err
	}
	*c = out
	return nil
}

// Value implements driver.Valuer; pgx encodes the []string as text[].
func (c Codes) Value() (driver.Value, error) {
	if c == nil {
		return []string{}, nil
	}
	return []string(c), nil
}

// Has reports whether c holds code.
func (c Codes) Has(code string) bool {
	for _, x := range c {
		if x == code {
			return true
		}
	}
	return false
}
