package intelligence_test

import (
	"testing"

	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestMain gives each test its own database (dbtest): one TestMain for the package's
// internal and external tests alike.
func TestMain(m *testing.M) { dbtest.Main(m) }
