package frontend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

// queueItem is one line of a home page's work queue: how many things wait, and the list
// that shows them.
type queueItem struct {
	Text  string // what waits, e.g. "Requests closing today"
	Count int64
	Href  string
	Hint  string // more about the first of them, when there is any
	// Next is a link straight to the first of them (NextHref), when there is one.
	Next, NextHref string
}

// queued is a helper for building items from count functions, stopping at the first error.
type queued struct {
	items []queueItem
	err   error
}

func (q *queued) add(text, href string, count func() (int64, error)) *queueItem {
	if q.err != nil {
		return &queueItem{}
	}
	n, err := count()
	if err != nil {
		q.err = err
		return &queueItem{}
	}
	q.items = append(q.items, queueItem{Text: text, Count: n, Href: href})
	return &q.items[len(q.items)-1]
}

// workQueue gathers the signed-in user's work queue from the domain packages. Every
// count is scoped to the user's organisation exactly as the list it links to.
func (s *Server) workQueue(c echo.Context) ([]queueItem, error) {
	ctx := c.Request().Context()
	u, _ := currentUser(c)
	org := currentOrg(c)
	m, sec := s.deps.Market, s.deps.Secure
	q := &queued{}
	switch u.Role {
	case kernel.RoleCommissioner:
		q.add("Requests closing today", "/requests?status=open", func() (int64, error) { return m.RequestsClosingToday(ctx, org.ID) })
		q.add("Requests with bids ready to compare", "/requests?status=closed", func() (int64, error) { return m.RequestsReadyToCompare(ctx, org.ID) })
		q.add("Placements starting this week", "/placements?status=awarded", func() (int64, error) { return m.PlacementsStarting(ctx, org.ID, false) })
		q.add("Notices unread", "/notices", func() (int64, error) { return s.inboxOf(c).Unread(ctx, org.ID) })
		q.add("Secure referral updates due", "/secure/referrals", func() (int64, error) { return sec.UpdatesDue(ctx, org.ID) })
	case kernel.RoleApprover:
		var w marketplace.Waiting
		it := q.add("Decisions waiting", "/approvals", func() (n int64, err error) {
			w, err = m.ApprovalsWaiting(ctx, org.ID)
			return w.N, err
		})
		if w.Oldest != nil {
			it.Hint = "The oldest has waited since " + formatTime(*w.Oldest, "2 January 2006 15:04") + "."
			it.Next, it.NextHref = "Decide the oldest", fmt.Sprintf("/approvals/%d", w.OldestID)
		}
	case kernel.RoleProviderAdmin, kernel.RoleProviderUser:
		var first *time.Time
		it := q.add("Requests awaiting your response", "/invitations", func() (n int64, err error) {
			n, first, err = m.InvitationsAwaitingResponse(ctx, org.ID)
			return n, err
		})
		if first != nil {
			it.Hint = "The first closes in " + timeLeft(first.Sub(m.Now())) + "."
		}
		q.add("Vacancies going out of date", "/homes", func() (int64, error) { return m.VacanciesGoingStale(ctx, org.ID) })
		q.add("Placements starting this week", "/placements?status=awarded", func() (int64, error) { return m.PlacementsStarting(ctx, org.ID, true) })
	case kernel.RoleSWCUCoordinator:
		var by map[string]int64
		it := q.add("Children waiting", "/secure/waiting", func() (int64, error) {
			var err error
			by, err = sec.WaitingByUrgency(ctx)
			var n int64
			for _, v := range by {
				n += v
			}
			return n, err
		})
		if len(by) > 0 {
			var parts []string
			for _, o := range secure.Urgencies {
				if by[o.Code] > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", by[o.Code], strings.ToLower(strings.SplitN(o.Label, " (", 2)[0])))
				}
			}
			it.Hint = strings.Join(parts, ", ") + "."
		}
		q.add("Referrals with offers to act on", "/secure/suggestions", func() (int64, error) { return sec.ReferralsWithOffers(ctx) })
		q.add("Beds freeing this week", "/secure/board", func() (int64, error) { return sec.BedsFreeingWithin(ctx, marketplace.StartWindow) })
	case kernel.RoleSecureHomeUser:
		q.add("Referrals to answer", "/secure/home", func() (int64, error) { return sec.ReferralsToAnswer(ctx, org.ID) })
		q.add("Admissions expected", "/secure/home", func() (int64, error) { return sec.AdmissionsExpected(ctx, org.ID) })
	case kernel.RoleConsortiumAdmin:
		q.add("Applications to decide", "/admin/frameworks", func() (int64, error) { return m.ApplicationsToDecide(ctx, org.ID) })
		q.add("Emails that failed", "/admin/outbox", func() (int64, error) { return s.deps.Outbox.Failed(ctx, notify.ConsortiumMail(org.ID)) })
		q.add("Stripe calls that failed", "/admin/billing", func() (int64, error) { return s.deps.Billing.FailedStripeCalls(ctx, org.ID) })
		q.add("Councils with no billing contact", "/admin/billing", func() (int64, error) { return s.deps.Billing.CouncilsWithoutBillingContact(ctx, org.ID) })
		q.add("Councils with no host notice mailbox", "/admin/mailboxes", func() (int64, error) { return s.deps.Orgs.CouncilsWithoutMailbox(ctx, org.ID) })
	case kernel.RoleHostCouncilUser:
		q.add("Notices unread", "/notices", func() (int64, error) { return s.inboxOf(c).Unread(ctx, org.ID) })
	case kernel.RolePoliceLiaison:
		q.add("Children missing or absent now", "/police/missing", func() (int64, error) { return s.deps.Police.StillMissing(ctx, org) })
	}
	return q.items, q.err
}

// unreadNotices is the header's notices count, for roles that have notices (0 otherwise).
func (s *Server) unreadNotices(c echo.Context, ctx context.Context) int64 {
	u, ok := currentUser(c)
	if !ok || !s.CanFollow(u.Role, "/notices") {
		return 0
	}
	n, err := s.inboxOf(c).Unread(ctx, currentOrg(c).ID)
	if err != nil {
		return 0 // the header is no reason to fail a page
	}
	return n
}

// timeLeft says how long remains, in days or hours.
func timeLeft(d time.Duration) string {
	switch h := int(d.Hours()); {
	case h >= 48:
		return fmt.Sprintf("%d days", h/24)
	case h >= 1:
		return fmt.Sprintf("%d hours", h)
	}
	return "less than an hour"
}
