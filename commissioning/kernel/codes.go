package kernel

import (
	"database/sql/driver"
)

// Codes is a PostgreSQL text[] of taxonomy codes, scanned with pgx's own array codec.
type Codes []string

// Scan implements sql.Scanner.
func (c *Codes) Scan(src any) error { return ScanArray(src, (*[]string)(c)) }

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
