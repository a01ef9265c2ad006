package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
)

// Councils' statutory notification mailboxes (kept by consortium admins), the
// acknowledgement links of host notices and the host council's answer to a
// consultation: the last two are used from an email, without an account.

func (s *Server) mailboxesPage(c echo.Context) error {
	ctx := c.Request().Context()
	all, err := s.deps.Orgs.Mailboxes(ctx, "")
	if err != nil {
		return err
	}
	var regions []string
	for _, m := range all {
		if !slices.Contains(regions, m.Region) {
			regions = append(regions, m.Region)
		}
	}
	slices.Sort(regions)
	region := c.QueryParam("region")
	list := all
	if region != "" {
		list = nil
		for _, m := range all {
			if m.Region == region {
				list = append(list, m)
			}
		}
	}
	missing := 0
	for _, m := range list {
		if m.Email == "" {
			missing++
		}
	}
	return s.page(c, http.StatusOK, "admin_mailboxes", "Notification mailboxes", map[string]any{"Mailboxes": list, "Regions": regions, "Region": region,
		"Missing": missing, "ConsortiumID": currentOrg(c).ID})
}

func (s *Server) mailboxCouncil(c echo.Context) (commissioning.Mailbox, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return commissioning.Mailbox{}, echo.ErrNotFound
	}
	mb, err := s.deps.Orgs.MailboxOf(c.Request().Context(), id)
	if err != nil {
		return mb, err
	}
	if !mb.EditableBy(currentOrg(c).ID) {
		return mb, fmt.Errorf("the mailbox of %s is kept by its own consortium: %w", mb.Council, kernel.ErrForbidden)
	}
	return mb, nil
}

func (s *Server) mailboxPage(c echo.Context) error {
	mb, err := s.mailboxCouncil(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_mailbox", "Notification mailbox of "+mb.Council, map[string]any{"M": mb}, withForm(map[string]string{"email": mb.Email}, nil))
}

func (s *Server) saveMailbox(c echo.Context) error {
	mb, err := s.mailboxCouncil(c)
	if err != nil {
		return err
	}
	var in commissioning.MailboxInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		_, err = s.deps.Orgs.SetMailbox(c.Request().Context(), currentOrg(c).ID, mb.CouncilID, in.Email, u.ID)
		if err != nil && !errors.As(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "admin_mailbox", "Notification mailbox of "+mb.Council, map[string]any{"M": mb}, withForm(form, fe))
	}
	if strings.TrimSpace(in.Email) == "" {
		s.flash(c, fmt.Sprintf("The mailbox of %s was removed", mb.Council))
	} else {
		s.flash(c, fmt.Sprintf("The mailbox of %s was saved", mb.Council))
	}
	return c.Redirect(http.StatusSeeOther, "/admin/mailboxes?region="+mb.Region)
}

func (s *Server) mailboxUploadPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "admin_mailboxes_upload", "Upload notification mailboxes", map[string]any{"Columns": commissioning.MailboxColumns})
}

// uploadMailboxes imports a CSV of mailboxes, all or nothing.
func (s *Server) uploadMailboxes(c echo.Context) error {
	data := map[string]any{"Columns": commissioning.MailboxColumns}
	title := "Upload notification mailboxes"
	fh, err := c.FormFile("file")
	if err != nil {
		return s.page(c, http.StatusUnprocessableEntity, "admin_mailboxes_upload", title, data, withForm(nil, kernel.FieldErrors{{Field: "file", Message: "Select a CSV file"}}))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	u, _ := currentUser(c)
	n, err := s.deps.Orgs.ImportMailboxes(c.Request().Context(), currentOrg(c).ID, f, u.ID)
	var ie *commissioning.ImportError
	if errors.As(err, &ie) {
		data["Import"] = ie
		msg := ie.Problem
		if msg == "" {
			msg = fmt.Sprintf("The file has %d problems, listed below. Nothing was saved: correct the file and upload it again.", len(ie.Rows))
		}
		return s.page(c, http.StatusUnprocessableEntity, "admin_mailboxes_upload", title, data, withForm(nil, kernel.FieldErrors{{Field: "file", Message: msg}}))
	}
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("%d councils' mailboxes were uploaded", n))
	return c.Redirect(http.StatusSeeOther, "/admin/mailboxes")
}

// linkGone renders what a notice or consultation link that opens nothing shows: the
// same page for a token never issued and one for another link, and nothing of any
// notice. A used or expired link says so (410).
func (s *Server) linkGone(c echo.Context, err error) error {
	switch {
	case errors.Is(err, notify.ErrLinkUsed):
		return s.page(c, http.StatusGone, "error", "This link has already been used", map[string]any{"Heading": "This link has already been used",
			"Paragraphs": []string{"Each link in a Hearth notice works once, and this one has been used.", "If you need the notice again, ask the placing council to send it."}})
	case errors.Is(err, notify.ErrLinkExpired):
		return s.page(c, http.StatusGone, "error", "This link has expired", map[string]any{"Heading": "This link has expired",
			"Paragraphs": []string{"Links in Hearth notices work for 30 days.", "If you need the notice again, ask the placing council to send it."}})
	case errors.Is(err, kernel.ErrNotFound):
		return s.page(c, http.StatusNotFound, "error", "Link not found", map[string]any{"Heading": "Link not found",
			"Paragraphs": []string{"This link does not open anything. If you copied it from an email, check you copied all of it."}})
	}
	return err
}

// allowLink counts a use of an emailed link against the client address's limit, like
// reset links, so tokens cannot be guessed at speed.
func (s *Server) allowLink(c echo.Context) error {
	err := s.deps.Users.AllowRequest(c.Request().Context(), auth.RequestNoticeLink, "", c.RealIP())
	if errors.Is(err, auth.ErrThrottled) {
		return echo.NewHTTPError(http.StatusTooManyRequests, "Too many links were opened from this network. "+auth.RequestAdvice)
	}
	return err
}

func (s *Server) noticeAckPage(c echo.Context) error {
	if err := s.allowLink(c); err != nil {
		return err
	}
	n, err := s.inbox().NoticeByLink(c.Request().Context(), c.Param("token"))
	if err != nil {
		return s.linkGone(c, err)
	}
	return s.page(c, http.StatusOK, "notice_ack", n.Subject, map[string]any{"N": n})
}

func (s *Server) acknowledgeNotice(c echo.Context) error {
	if err := s.allowLink(c); err != nil {
		return err
	}
	n, err := s.inbox().Acknowledge(c.Request().Context(), c.Param("token"), c.RealIP())
	if err != nil {
		return s.linkGone(c, err)
	}
	return s.page(c, http.StatusOK, "notice_ack", "Notice acknowledged", map[string]any{"N": n, "Done": true})
}

func (s *Server) inbox() *notify.Inbox { return s.deps.Inbox }

func (s *Server) consultationPage(c echo.Context) error {
	if err := s.allowLink(c); err != nil {
		return err
	}
	q, err := s.deps.Market.ConsultationByLink(c.Request().Context(), c.Param("token"))
	if err != nil {
		return s.linkGone(c, err)
	}
	return s.page(c, http.StatusOK, "consultation", "Your view on a placement into your area", map[string]any{"Q": q})
}

func (s *Server) answerConsultation(c echo.Context) error {
	if err := s.allowLink(c); err != nil {
		return err
	}
	var in marketplace.ConsultationAnswer
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var q marketplace.ConsultationRequest
	if fe == nil {
		q, err = s.deps.Market.AnswerConsultation(ctx, c.Param("token"), in.Answer, c.RealIP())
	} else {
		q, err = s.deps.Market.ConsultationByLink(ctx, c.Param("token"))
	}
	if err != nil && !errors.As(err, &fe) {
		return s.linkGone(c, err)
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "consultation", "Your view on a placement into your area", map[string]any{"Q": q}, withForm(form, fe))
	}
	if err != nil {
		return s.linkGone(c, err)
	}
	return s.page(c, http.StatusOK, "consultation", "Answer sent", map[string]any{"Q": q, "Done": true})
}

// consultHost emails the host council of a distant placement for its view.
func (s *Server) consultHost(c echo.Context) error {
	id, err := approvalID(c)
	if err != nil {
		return err
	}
	var in marketplace.ConsultInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		_, err = s.deps.Market.ConsultHost(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Question)
		if errors.As(err, &fe) {
			fe = withFormIDs(fe, &in)
		}
	}
	switch {
	case fe != nil:
		return s.renderApproval(c, http.StatusUnprocessableEntity, form, fe)
	case errors.Is(err, marketplace.ErrNotAwaiting):
		s.flash(c, "That award had already been decided")
		return c.Redirect(http.StatusSeeOther, "/approvals")
	case err != nil:
		return err
	}
	s.flash(c, "The host council has been asked for its view by email")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/approvals/%d", id))
}
