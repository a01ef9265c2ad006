package kernel

import (
	"database/sql/driver"

	"github.com/jackc/pgx/v5/pgtype"
)

// Codes is a PostgreSQL text[] of taxonomy codes, scanned with pgx's own array codec.
type Codes []string

// Scan implements sql.Scanner.
func (c *Codes) Scan(src any) error { return ScanArray(src, (*[]string)(c)) }

// SetDimensions, ScanIndex and ScanIndexType make Codes a pgtype.ArraySetter, so pgx
// itself (kernel.QueryPgx) decodes a text[] into it from the binary format; database/sql
// goes through Scan.
func (c *Codes) SetDimensions(d []pgtype.ArrayDimension) error {
	return (*pgtype.FlatArray[string])(c).SetDimensions(d)
}

// ScanIndex returns the scan target of element i.
func (c Codes) ScanIndex(i int) any { return &c[i] }

// ScanIndexType returns a scan target of an element's type.
func (c Codes) ScanIndexType() any { return new(string) }

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
