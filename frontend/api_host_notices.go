package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The API of councils' notification mailboxes, of how host notices reached them, and
// of consulting the host council before a distant placement is approved.

func toAPIHostNotices(list []notify.NoticeDelivery) []apitypes.HostNotice {
	out := []apitypes.HostNotice{}
	for _, d := range list {
		out = append(out, apitypes.HostNotice{NoticeId: d.NoticeID, Kind: apitypes.HostNoticeKind(d.Kind), Subject: d.Subject, CreatedAt: d.CreatedAt,
			Delivery: apitypes.HostNoticeDelivery(d.Status()), Mailbox: optional(d.Mailbox), SentAt: d.SentAt, AcknowledgedAt: d.AcknowledgedAt})
	}
	return out
}

func toAPIConsultations(list []marketplace.HostConsultation) []apitypes.HostConsultation {
	out := []apitypes.HostConsultation{}
	for _, c := range list {
		out = append(out, toAPIConsultation(c))
	}
	return out
}

func toAPIConsultation(c marketplace.HostConsultation) apitypes.HostConsultation {
	return apitypes.HostConsultation{Id: c.ID, Mailbox: c.Mailbox, Question: c.Question, SentAt: c.SentAt, ExpiresAt: c.ExpiresAt,
		Answered: c.Answered(), Answer: c.Answer, AnsweredAt: c.AnsweredAt}
}

// apiConsultHost asks the host council of a distant placement for its view: 201 with
// the consultation, 422 without a mailbox, 409 once decided.
func (s *Server) apiConsultHost(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.ConsultInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	hc, err := s.deps.Market.ConsultHost(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Question)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", hc.PlacementID))
	return c.JSON(http.StatusCreated, toAPIConsultation(hc))
}

func (s *Server) apiMailboxes(c echo.Context) error {
	list, err := s.deps.Orgs.Mailboxes(c.Request().Context(), c.QueryParam("region"))
	if err != nil {
		return err
	}
	out := apitypes.ListMailboxesResponse{Mailboxes: make([]apitypes.Mailbox, len(list))}
	for i, m := range list {
		out.Mailboxes[i] = apitypes.Mailbox{CouncilId: m.CouncilID, Council: m.Council, OnsCode: m.ONSCode, Region: m.Region, Email: optional(m.Email),
			Editable: m.EditableBy(currentOrg(c).ID), UpdatedAt: m.UpdatedAt}
	}
	return c.JSON(http.StatusOK, out)
}

type putMailboxesRequest struct {
	Mailboxes []struct {
		ONSCode string `json:"ons_code"`
		Email   string `json:"email"`
	} `json:"mailboxes" validate:"required,min=1,max=1000"`
}

// apiPutMailboxes sets councils' mailboxes, all or nothing: 200 with the count, or 422
// with every problem by item (item 1 is the first).
func (s *Server) apiPutMailboxes(c echo.Context) error {
	var req putMailboxesRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	entries := make([]commissioning.MailboxEntry, len(req.Mailboxes))
	for i, m := range req.Mailboxes {
		entries[i] = commissioning.MailboxEntry{Row: i + 1, ONSCode: m.ONSCode, Email: m.Email}
	}
	u, _ := currentUser(c)
	n, err := s.deps.Orgs.SetMailboxes(c.Request().Context(), currentOrg(c).ID, entries, u.ID)
	var ie *commissioning.ImportError
	if errors.As(err, &ie) {
		fe := kernel.FieldErrors{}
		for _, r := range ie.Rows {
			fe.Add(fmtField(r), r.Message)
		}
		if ie.Problem != "" {
			fe.Add("mailboxes", ie.Problem)
		}
		return fe
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.SetMailboxesResponse{Updated: n})
}

// fmtField names an item's field as the API's field errors do: mailboxes[0].email.
func fmtField(r commissioning.RowError) string {
	return "mailboxes[" + strconv.Itoa(r.Row-1) + "]." + r.Column
}
