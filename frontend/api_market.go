package frontend

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/marketplace"
)

// apiHome is a home as its own provider sees it through the API (with its postcode).
type apiHome struct {
	ID               int64      `json:"id"`
	Name             string     `json:"name"`
	OfstedURN        string     `json:"ofsted_urn"`
	HomeType         string     `json:"home_type"`
	OfstedRating     string     `json:"ofsted_rating"`
	InspectionDate   *string    `json:"inspection_date"`
	RegisteredPlaces int        `json:"registered_places"`
	MinAge           int        `json:"min_age"`
	MaxAge           int        `json:"max_age"`
	Sexes            string     `json:"sexes"`
	Needs            []string   `json:"needs"`
	LotIDs           []int64    `json:"lot_ids"`
	Postcode         string     `json:"postcode"`
	Outcode          string     `json:"outcode"`
	Vacancy          apiVacancy `json:"vacancy"`
	Version          int        `json:"version"`
}

type apiVacancy struct {
	BedsFree     int        `json:"beds_free"`
	NextFreeDate *string    `json:"next_free_date"`
	NextFreeBeds *int       `json:"next_free_beds"`
	ConfirmedAt  *time.Time `json:"confirmed_at"`
	Stale        bool       `json:"stale"`
}

func isoPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toAPIHome(h marketplace.Home, now time.Time) apiHome {
	return apiHome{ID: h.ID, Name: h.Name, OfstedURN: h.OfstedURN, HomeType: h.HomeType, OfstedRating: h.OfstedRating, InspectionDate: isoPtr(h.InspectionDate),
		RegisteredPlaces: h.RegisteredPlaces, MinAge: h.MinAge, MaxAge: h.MaxAge, Sexes: accepts(h.AcceptsMale, h.AcceptsFemale), Needs: nonNil([]string(h.Needs)),
		LotIDs: nonNil(h.LotIDs), Postcode: h.Postcode, Outcode: h.Outcode, Version: h.Version,
		Vacancy: apiVacancy{BedsFree: h.BedsFree, NextFreeDate: isoPtr(h.NextFreeDate), NextFreeBeds: h.NextFreeBeds, ConfirmedAt: h.VacancyConfirmedAt, Stale: h.Stale(now)}}
}

func (s *Server) apiHomes(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	homes, total, err := s.deps.Market.HomesPage(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := make([]apiHome, 0, len(homes))
	for _, h := range homes {
		full, err := s.deps.Market.Home(c.Request().Context(), h.ID)
		if err != nil {
			return err
		}
		out = append(out, toAPIHome(full, s.now()))
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"homes": out}))
}

func (s *Server) apiHome(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHome(h, s.now()))
}

type vacancyRequest struct {
	BedsFree     *int    `json:"beds_free" validate:"required,min=0"`
	NextFreeDate *string `json:"next_free_date"`
	NextFreeBeds *int    `json:"next_free_beds"`
}

// apiSetVacancy sets a home's vacancy. It is idempotent: sending the same body twice
// leaves the same state (and confirms the vacancy again).
func (s *Server) apiSetVacancy(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	var req vacancyRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	date, beds := "", ""
	if req.NextFreeDate != nil {
		date = *req.NextFreeDate
	}
	if req.NextFreeBeds != nil {
		beds = strconv.Itoa(*req.NextFreeBeds)
	}
	v, fe := marketplace.ParseVacancy(strconv.Itoa(*req.BedsFree), date, beds)
	if fe != nil {
		return fe
	}
	u, _ := currentUser(c)
	h, err = s.deps.Market.SetVacancy(c.Request().Context(), h, v, "api", u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHome(h, s.now()))
}

// apiBoardHome is a home as councils see it: its area and distance, never its address.
type apiBoardHome struct {
	ID               int64      `json:"id"`
	Name             string     `json:"name"`
	Provider         string     `json:"provider"`
	HomeType         string     `json:"home_type"`
	OfstedRating     string     `json:"ofsted_rating"`
	RegisteredPlaces int        `json:"registered_places"`
	MinAge           int        `json:"min_age"`
	MaxAge           int        `json:"max_age"`
	Sexes            string     `json:"sexes"`
	Needs            []string   `json:"needs"`
	Lots             []string   `json:"lots"`
	Outcode          string     `json:"outcode"`
	HostCouncil      string     `json:"host_council"`
	Region           string     `json:"region"`
	Miles            *float64   `json:"miles"`
	Vacancy          apiVacancy `json:"vacancy"`
}

func (s *Server) apiVacancies(c echo.Context) error {
	consortium, ok := consortiumOf(c)
	if !ok {
		return echo.NewHTTPError(http.StatusForbidden, "Your council is not a member of a consortium on Hearth.")
	}
	q := c.QueryParams()
	bq, fe := parseBoardQuery(q)
	if fe != nil {
		return fe
	}
	pg, err := newPager(q, defaultPerPage)
	if err != nil {
		return err
	}
	bq.ConsortiumID, bq.Offset, bq.Limit = consortium, pg.Offset(), pg.Size
	homes, total, err := s.deps.Market.Board(c.Request().Context(), bq)
	if err != nil {
		return err
	}
	out := make([]apiBoardHome, 0, len(homes))
	for _, h := range homes {
		out = append(out, apiBoardHome{ID: h.ID, Name: h.Name, Provider: h.ProviderName, HomeType: h.HomeType, OfstedRating: h.OfstedRating,
			RegisteredPlaces: h.RegisteredPlaces, MinAge: h.MinAge, MaxAge: h.MaxAge, Sexes: accepts(h.AcceptsMale, h.AcceptsFemale),
			Needs: nonNil([]string(h.Needs)), Lots: nonNil([]string(h.LotCodes)), Outcode: h.Outcode, HostCouncil: h.HostCouncil, Region: h.Region, Miles: h.Miles,
			Vacancy: apiVacancy{BedsFree: h.BedsFree, NextFreeDate: isoPtr(h.NextFreeDate), NextFreeBeds: h.NextFreeBeds, ConfirmedAt: h.VacancyConfirmedAt, Stale: h.Stale(s.now())}})
	}
	pg = pg.counted(c, int64(total))
	return c.JSON(http.StatusOK, pg.with(map[string]any{"homes": out}))
}
