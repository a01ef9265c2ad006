package migrations_test

import (
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/migrations"
)

// TestRedactHidesEveryPassword: a database URL in a log or an error never carries a
// secret, whether in the user information or as a libpq query parameter.
func TestRedactHidesEveryPassword(t *testing.T) {
	for _, tt := range []struct{ name, dsn, secret string }{
		{"UserInfo", "postgres://app:s3cret@db:5432/hearth?sslmode=require", "s3cret"},
		{"QueryPassword", "postgres://app@db/hearth?password=s3cret&sslmode=require", "s3cret"},
		{"SSLPassword", "postgres://app@db/hearth?sslpassword=s3cret", "s3cret"},
		{"MultiHost", "postgres://app:s3cret@db-ro:5432,db-rw:5432/hearth?target_session_attrs=prefer-standby", "s3cret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := migrations.Redact(tt.dsn)
			if strings.Contains(got, tt.secret) {
				t.Fatalf("Redact(%q) = %q: the secret is still there", tt.dsn, got)
			}
			if !strings.Contains(got, "hearth") {
				t.Fatalf("Redact(%q) = %q: the database name is gone", tt.dsn, got)
			}
		})
	}
}
