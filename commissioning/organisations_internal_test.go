package commissioning

import "testing"

// TestOrgCacheNeverKeepsAReadOlderThanAClearing: a read that began before the cache
// was cleared (a council joining a consortium) is not stored; and what the cache hands
// out shares no pointer with what it keeps.
func TestOrgCacheNeverKeepsAReadOlderThanAClearing(t *testing.T) {
	c := &orgCache{}
	gen := c.generation()
	c.forget() // the change commits while the read was in flight
	c.put(Organisation{ID: 1, Name: "Wigan"}, gen)
	if _, ok := c.get(1); ok {
		t.Fatal("a read from before the clearing was cached")
	}
	cons := int64(7)
	c.put(Organisation{ID: 1, Name: "Wigan", ConsortiumID: &cons}, c.generation())
	a, ok := c.get(1)
	if !ok {
		t.Fatal("a fresh read was not cached")
	}
	*a.ConsortiumID = 8
	if b, _ := c.get(1); *b.ConsortiumID != 7 || cons != 7 {
		t.Fatalf("a caller changed the cached organisation's consortium: %d", *b.ConsortiumID)
	}
}
