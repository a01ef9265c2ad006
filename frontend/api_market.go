package frontend

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// toAPIHome is a home as its own provider sees it through the API (with its postcode).
func toAPIHome(h marketplace.Home, now time.Time) apitypes.Home {
	return apitypes.Home{Id: h.ID, Name: h.Name, OfstedUrn: h.OfstedURN, HomeType: apitypes.HomeHomeType(h.HomeType), OfstedRating: apitypes.HomeOfstedRating(h.OfstedRating),
		InspectionDate: apiDateOrNil(h.InspectionDate), RegisteredPlaces: h.RegisteredPlaces, MinAge: h.MinAge, MaxAge: h.MaxAge,
		Sexes: apitypes.HomeSexes(accepts(h.AcceptsMale, h.AcceptsFemale)), Needs: nonNil([]string(h.Needs)), LotIds: nonNil(h.LotIDs),
		Postcode: h.Postcode, Outcode: h.Outcode, Version: h.Version,
		Address: h.Address, ManagerName: h.ManagerName, ManagerPhone: h.ManagerPhone, ManagerEmail: h.ManagerEmail,
		Vacancy: toAPIVacancy(h.BedsFree, h.NextFreeDate, h.NextFreeBeds, h.VacancyConfirmedAt, h.Stale(now))}
}

func toAPIVacancy(bedsFree int, nextFreeDate *time.Time, nextFreeBeds *int, confirmedAt *time.Time, stale bool) apitypes.Vacancy {
	return apitypes.Vacancy{BedsFree: bedsFree, NextFreeDate: apiDateOrNil(nextFreeDate), NextFreeBeds: nextFreeBeds, ConfirmedAt: confirmedAt, Stale: stale}
}

func (s *Server) apiHomes(c echo.Context) error {
	lv, err := homeAPIList.listAPI(c)
	if err != nil {
		return err
	}
	homes, total, err := s.deps.Market.HomesList(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	pg := lv.counted(total).Pager
	out := apitypes.ListHomesResponse{Homes: make([]apitypes.Home, 0, len(homes)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, h := range homes {
		full, err := s.deps.Market.Home(c.Request().Context(), h.ID)
		if err != nil {
			return err
		}
		out.Homes = append(out.Homes, toAPIHome(full, s.now()))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiHome(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHome(h, s.now()))
}

// apiSetVacancy sets a home's vacancy. It is idempotent: sending the same body twice
// leaves the same state (and confirms the vacancy again).
func (s *Server) apiSetVacancy(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	var in marketplace.VacancyInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	v := in.Vacancy()
	u, _ := currentUser(c)
	h, err = s.deps.Market.SetVacancy(c.Request().Context(), h, v, "api", u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHome(h, s.now()))
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
	pg = pg.counted(c, int64(total))
	// A home as councils see it: its area and distance, never its address.
	out := apitypes.VacancyPage{Homes: make([]apitypes.BoardHome, 0, len(homes)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, h := range homes {
		out.Homes = append(out.Homes, apitypes.BoardHome{Id: h.ID, Name: h.Name, Provider: h.ProviderName, HomeType: h.HomeType, OfstedRating: h.OfstedRating,
			RegisteredPlaces: h.RegisteredPlaces, MinAge: h.MinAge, MaxAge: h.MaxAge, Sexes: apitypes.BoardHomeSexes(accepts(h.AcceptsMale, h.AcceptsFemale)),
			Needs: nonNil([]string(h.Needs)), Lots: nonNil([]string(h.LotCodes)), Outcode: h.Outcode, HostCouncil: h.HostCouncil, Region: h.Region, Miles: h.Miles,
			Vacancy: toAPIVacancy(h.BedsFree, h.NextFreeDate, h.NextFreeBeds, h.VacancyConfirmedAt, h.Stale(s.now()))})
	}
	return c.JSON(http.StatusOK, out)
}
