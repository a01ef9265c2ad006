package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// demoMailbox is a council's fictional notification address in the demo, like
// notices@blackburn-with-darwen.example.
func demoMailbox(council string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(council) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return "notices@" + strings.TrimSuffix(b.String(), "-") + ".example"
}

// loadDemoMailboxes gives every English council a demo notification mailbox, so host
// notices reach councils outside the consortium too.
func loadDemoMailboxes(ctx context.Context, a *app, cons commissioning.Organisation) error {
	var entries []commissioning.MailboxEntry
	for i, c := range geo.Councils() {
		entries = append(entries, commissioning.MailboxEntry{Row: i + 2, ONSCode: c.ONSCode, Email: demoMailbox(c.Name)})
	}
	if _, err := a.orgs.SetMailboxes(ctx, cons.ID, entries, 0); err != nil {
		return fmt.Errorf("demo mailboxes: %w", err)
	}
	return nil
}
