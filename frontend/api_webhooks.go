package frontend

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

func toAPIWebhookEndpoint(e webhook.Endpoint) apitypes.WebhookEndpoint {
	out := apitypes.WebhookEndpoint{Id: e.ID, Url: e.URL, Description: e.Description, Status: apitypes.WebhookEndpointStatus(e.Status),
		DisabledReason: e.DisabledReason, FailingSince: e.FailingSince, CreatedAt: e.CreatedAt,
		EventTypes: make([]apitypes.WebhookEventType, len(e.EventTypes)), Secrets: make([]apitypes.WebhookSecretHint, len(e.Secrets))}
	for i, t := range e.EventTypes {
		out.EventTypes[i] = apitypes.WebhookEventType(t)
	}
	for i, s := range e.Secrets {
		out.Secrets[i] = apitypes.WebhookSecretHint{Hint: s.Hint, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt}
	}
	return out
}

func (s *Server) apiWebhookEndpoints(c echo.Context) error {
	list, err := s.deps.Webhooks.Endpoints(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := apitypes.ListWebhookEndpointsResponse{Endpoints: make([]apitypes.WebhookEndpoint, len(list))}
	for i, e := range list {
		out.Endpoints[i] = toAPIWebhookEndpoint(e)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiCreateWebhookEndpoint(c echo.Context) error {
	var in webhook.EndpointInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	e, secret, err := s.deps.Webhooks.Create(c.Request().Context(), currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/webhook-endpoints/"+strconv.FormatInt(e.ID, 10))
	return c.JSON(http.StatusCreated, apitypes.WebhookEndpointWithSecret{Endpoint: toAPIWebhookEndpoint(e), Secret: secret})
}

func (s *Server) apiWebhookEndpoint(c echo.Context) error {
	e, err := s.endpoint(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhookEndpoint(e))
}

func (s *Server) apiUpdateWebhookEndpoint(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in webhook.EndpointInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.deps.Webhooks.Update(c.Request().Context(), currentOrg(c).ID, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhookEndpoint(e))
}

func (s *Server) apiDisableWebhookEndpoint(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	e, err := s.deps.Webhooks.Disable(c.Request().Context(), currentOrg(c).ID, id, "Disabled by "+u.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhookEndpoint(e))
}

func (s *Server) apiEnableWebhookEndpoint(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.deps.Webhooks.Enable(c.Request().Context(), currentOrg(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhookEndpoint(e))
}

func (s *Server) apiRotateWebhookSecret(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, secret, err := s.deps.Webhooks.Rotate(c.Request().Context(), currentOrg(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.WebhookEndpointWithSecret{Endpoint: toAPIWebhookEndpoint(e), Secret: secret})
}

func (s *Server) apiWebhookDeliveries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := listPager(c)
	if err != nil {
		return err
	}
	rows, total, err := s.deps.Webhooks.Deliveries(c.Request().Context(), currentOrg(c).ID, id, p.rows())
	if err != nil {
		return err
	}
	p = p.counted(c, total)
	out := apitypes.WebhookDeliveryPage{Deliveries: make([]apitypes.WebhookDelivery, len(rows)), Page: p.Page, PerPage: p.Size, Total: int(p.Total), Next: p.next()}
	for i, d := range rows {
		a := apitypes.WebhookDelivery{Id: d.ID, EventId: d.EventID, EventType: apitypes.WebhookEventType(d.EventType), Status: apitypes.WebhookDeliveryStatus(d.Status),
			Attempts: d.Attempts, LastError: d.LastError, DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt, Log: make([]apitypes.WebhookAttempt, len(d.Log))}
		for j, l := range d.Log {
			a.Log[j] = apitypes.WebhookAttempt{AttemptedAt: l.AttemptedAt, ResponseStatus: l.ResponseStatus, LatencyMs: l.LatencyMS, Error: l.Error, Excerpt: l.Excerpt, Replay: l.Replay}
		}
		out.Deliveries[i] = a
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiReplayWebhookDelivery(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := pathID(c, "delivery")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Replay(c.Request().Context(), currentOrg(c).ID, id, d); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}
