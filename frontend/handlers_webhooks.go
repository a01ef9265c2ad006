package frontend

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// Webhooks: a council's approvers and a provider's admins register the endpoints
// their own systems receive Hearth's events at, each with its signing secret (shown
// once), and read each endpoint's delivery log. An organisation sees only its own
// endpoints: another's is a 404.

// webhookLogSize is how many deliveries a page of the log shows.
const webhookLogSize = 25

func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func eventTypeOptions() [][2]string {
	out := make([][2]string, len(webhook.EventTypes))
	for i, o := range webhook.EventTypes {
		out[i] = [2]string{o.Code, o.Code + ": " + o.Label}
	}
	return out
}

func (s *Server) webhooksPage(c echo.Context) error {
	list, err := s.deps.Webhooks.Endpoints(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "webhooks", "Webhooks", map[string]any{"Endpoints": list, "Configured": s.deps.Webhooks.Configured()})
}

func (s *Server) newWebhookPage(c echo.Context) error {
	return s.renderWebhookForm(c, http.StatusOK, nil, map[string]string{"event_types": strings.Join(allEventTypes(), ",")}, nil)
}

func allEventTypes() []string {
	out := make([]string, len(webhook.EventTypes))
	for i, o := range webhook.EventTypes {
		out[i] = o.Code
	}
	return out
}

// renderWebhookForm shows the form to register an endpoint (e nil) or change one.
func (s *Server) renderWebhookForm(c echo.Context, status int, e *webhook.Endpoint, form map[string]string, fe kernel.FieldErrors) error {
	title := "Register an endpoint"
	if e != nil {
		title = "Change the endpoint"
	}
	return s.page(c, status, "webhook_form", title, map[string]any{"E": e, "Events": eventTypeOptions(), "Configured": s.deps.Webhooks.Configured(),
		"Loopback": s.deps.Webhooks.AllowLoopback()}, withForm(form, fe))
}

func (s *Server) createWebhook(c echo.Context) error {
	var in webhook.EndpointInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	fe = fe.With(withFormIDs(s.deps.Webhooks.Check(in), &in)) // the address, every problem at once
	if fe == nil {
		u, _ := currentUser(c)
		e, secret, err := s.deps.Webhooks.Create(c.Request().Context(), currentOrg(c).ID, u.ID, in)
		if err == nil {
			return s.renderWebhook(c, http.StatusCreated, e, secret)
		}
		if !asFieldErrors(err, &fe) {
			return err
		}
	}
	return s.renderWebhookForm(c, http.StatusUnprocessableEntity, nil, form, fe)
}

func (s *Server) editWebhookPage(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	return s.renderWebhookForm(c, http.StatusOK, &e, map[string]string{"url": e.URL, "description": e.Description, "event_types": strings.Join(e.EventTypes, ",")}, nil)
}

func (s *Server) updateWebhook(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	var in webhook.EndpointInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	fe = fe.With(withFormIDs(s.deps.Webhooks.Check(in), &in)) // the address, every problem at once
	if fe == nil {
		_, err = s.deps.Webhooks.Update(c.Request().Context(), currentOrg(c).ID, e.ID, in)
		if err == nil {
			s.flash(c, "The endpoint has been changed")
			return c.Redirect(http.StatusSeeOther, "/webhooks/"+strconv.FormatInt(e.ID, 10))
		}
		if !asFieldErrors(err, &fe) {
			return err
		}
	}
	return s.renderWebhookForm(c, http.StatusUnprocessableEntity, &e, form, fe)
}

// endpoint is the current organisation's endpoint named by the path's :id.
func (s *Server) endpoint(c echo.Context) (webhook.Endpoint, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return webhook.Endpoint{}, err
	}
	return s.deps.Webhooks.Endpoint(c.Request().Context(), currentOrg(c).ID, id)
}

func (s *Server) webhookPage(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	return s.renderWebhook(c, http.StatusOK, e, "")
}

// renderWebhook shows an endpoint, its secrets' hints and its delivery log; secret, when
// given, is a secret just made, shown this once.
func (s *Server) renderWebhook(c echo.Context, status int, e webhook.Endpoint, secret string) error {
	p, err := newPager(c.QueryParams(), webhookLogSize)
	if err != nil {
		return err
	}
	rows, total, err := s.deps.Webhooks.Deliveries(c.Request().Context(), currentOrg(c).ID, e.ID, p.rows())
	if err != nil {
		return err
	}
	p = p.withTotal(total, "/webhooks/"+strconv.FormatInt(e.ID, 10), c.QueryParams())
	return s.page(c, status, "webhook", "Webhook endpoint", map[string]any{"E": e, "Secret": secret, "Deliveries": rows, "Pager": p, "Now": s.now(),
		"Events": eventTypeOptions()})
}

func (s *Server) disableWebhook(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Webhooks.Disable(c.Request().Context(), currentOrg(c).ID, e.ID, "Disabled by "+u.Name); err != nil {
		return err
	}
	s.flash(c, "The endpoint is disabled: Hearth sends it nothing until you enable it")
	return c.Redirect(http.StatusSeeOther, "/webhooks/"+strconv.FormatInt(e.ID, 10))
}

func (s *Server) enableWebhook(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Webhooks.Enable(c.Request().Context(), currentOrg(c).ID, e.ID); err != nil {
		return err
	}
	s.flash(c, "The endpoint is enabled: new events will be sent to it")
	return c.Redirect(http.StatusSeeOther, "/webhooks/"+strconv.FormatInt(e.ID, 10))
}

func (s *Server) rotateWebhookSecret(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	e, secret, err := s.deps.Webhooks.Rotate(c.Request().Context(), currentOrg(c).ID, e.ID)
	if err != nil {
		return err
	}
	return s.renderWebhook(c, http.StatusOK, e, secret)
}

func (s *Server) replayWebhook(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	d, err := pathID(c, "delivery")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Replay(c.Request().Context(), currentOrg(c).ID, e.ID, d); err != nil {
		return err
	}
	s.flash(c, "The delivery will be sent again shortly, with the same event id")
	return c.Redirect(http.StatusSeeOther, "/webhooks/"+strconv.FormatInt(e.ID, 10))
}
