package frontend

import (
	"context"
	"fmt"

	"github.com/hearth-placements/hearth/marketplace"
)

// announceAward tells providers the outcome once an award is final (awarded outright, or
// approved): the winner that its home was chosen, every other bidder that it was not.
func (s *Server) announceAward(ctx context.Context, p marketplace.Placement) error {
	resp, err := s.deps.Market.ResponsesFor(ctx, p.RequestID, p.CouncilID)
	if err != nil {
		return err
	}
	council, err := s.deps.Orgs.Organisation(ctx, p.CouncilID)
	if err != nil {
		return err
	}
	for _, b := range resp.List {
		subject := fmt.Sprintf("Placement request %d: your bid was not chosen", p.RequestID)
		body := fmt.Sprintf("%s has awarded placement request %d to another provider. Thank you for your bid.\n\nHearth", council.Name, p.RequestID)
		if b.ID == p.BidID {
			subject = fmt.Sprintf("Placement request %d: your bid has been chosen", p.RequestID)
			body = fmt.Sprintf("%s has awarded placement request %d to your bid (%s a week), starting %s. The bed is reserved.\n\nHearth",
				council.Name, p.RequestID, p.WeeklyFeePence, p.StartDate.Format("2 January 2006"))
		}
		if err := s.emailProviderAdmins(ctx, b.ProviderID, subject, body); err != nil {
			return err
		}
	}
	return nil
}

// tellCommissioner emails the commissioner who made an award about the approver's decision.
func (s *Server) tellCommissioner(ctx context.Context, p marketplace.Placement) error {
	if p.AwardedBy == nil {
		return nil
	}
	u, err := s.deps.Users.ByID(ctx, *p.AwardedBy)
	if err != nil {
		return err
	}
	subject, body := fmt.Sprintf("Placement request %d: the award is approved", p.RequestID), "Your award has been approved; the providers have been told."
	if p.Status == "refused" {
		subject = fmt.Sprintf("Placement request %d: the award was refused", p.RequestID)
		body = "Your award was refused: " + deref(p.RefusalReason) + "\n\nThe bed has been released; you can award another bid."
	}
	return s.deps.Outbox.Send(ctx, u.Email, subject, fmt.Sprintf("Hello %s,\n\n%s\n\n%s/requests/%d\n\nHearth", u.Name, body, s.cfg.BaseURL, p.RequestID))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
