package frontend

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
)

// consortiumOf is the consortium whose board the signed-in user sees: a consortium
// admin's own, a council's membership. ok is false for a council in no consortium.
func consortiumOf(c echo.Context) (int64, bool) {
	org := currentOrg(c)
	switch org.Kind {
	case kernel.KindConsortium:
		return org.ID, true
	case kernel.KindCouncil:
		if org.ConsortiumID != nil {
			return *org.ConsortiumID, true
		}
	}
	return 0, false
}

// parseBoardQuery reads the board's filters from a query string: the same names on
// the page, in the CSV export and in GET /api/v1/vacancies.
func parseBoardQuery(q url.Values) (marketplace.BoardQuery, kernel.FieldErrors) {
	var bq marketplace.BoardQuery
	var fe kernel.FieldErrors
	if v := q.Get("lot"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("lot", "Select a lot from the list")
		}
		bq.LotID = id
	}
	if v := strings.TrimSpace(q.Get("age")); v != "" {
		a, err := strconv.Atoi(v)
		if err != nil || a < 0 || a > 25 {
			fe.Add("age", "Enter the child's age as a whole number from 0 to 25")
		}
		bq.Age = &a
	}
	switch q.Get("sex") {
	case "", "male", "female":
		bq.Sex = q.Get("sex")
	default:
		fe.Add("sex", "Select male or female")
	}
	for _, n := range q["needs"] {
		for _, code := range strings.Split(n, ",") {
			if code = strings.TrimSpace(code); code == "" {
				continue
			}
			if kernel.Label(kernel.Needs, code) == code {
				fe.Add("needs", fmt.Sprintf("%q is not a need in Hearth's list", code))
				break
			}
			bq.Needs = append(bq.Needs, code)
		}
	}
	if v := q.Get("rating"); v != "" {
		if kernel.Label(marketplace.Ratings, v) == v || v == "not_yet_inspected" {
			fe.Add("rating", "Select a rating from the list")
		}
		bq.MinRating = v
	}
	if v := q.Get("region"); v != "" {
		known := false
		for _, r := range geo.Regions() {
			known = known || r == v
		}
		if !known {
			fe.Add("region", "Select a region from the list")
		}
		bq.Region = v
	}
	if v := q.Get("council"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("council", "Select a council from the list")
		}
		bq.CouncilID = id
	}
	if v := strings.TrimSpace(q.Get("near")); v != "" {
		oc, err := geo.LookupOutcode(v)
		if err != nil {
			fe.Add("near", geo.Explain(err, "Enter a postcode district, like M1 or SK10"))
		} else {
			bq.Near = &oc.Centroid
		}
	}
	if v := strings.TrimSpace(q.Get("within")); v != "" {
		m, err := strconv.ParseFloat(v, 64)
		if err != nil || m <= 0 || m > 500 {
			fe.Add("within", "Enter a distance in miles, more than 0 and up to 500")
		} else if bq.Near == nil && !fe.Has("near") {
			fe.Add("near", "Enter the postcode district to measure the distance from")
		}
		bq.WithinMiles = m
	}
	switch q.Get("availability") {
	case "", "any":
	case "now":
		bq.FreeNow = true
	case "by":
		form := map[string]string{"by-day": q.Get("by-day"), "by-month": q.Get("by-month"), "by-year": q.Get("by-year")}
		d, msg := dateParts(form, "by", "The date")
		if d == nil {
			fe.Add("by-day", firstNonEmpty(msg, "Enter the date the bed is needed by"))
		}
		bq.FreeBy = d
	default:
		fe.Add("availability", "Select when beds must be free")
	}
	if v := q.Get("free_by"); v != "" { // the API's form of the same filter
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			fe.Add("free_by", "Give the date like 2026-12-01")
		}
		bq.FreeBy = &d
	}
	switch q.Get("sort") {
	case "", "name", "rating", "freshness":
		bq.Sort = q.Get("sort")
	case "distance":
		bq.Sort = "distance"
		if bq.Near == nil && !fe.Has("near") {
			fe.Add("near", "Enter a postcode district to sort by distance from it")
		}
	default:
		fe.Add("sort", "Select how to sort")
	}
	return bq, fe
}

func (s *Server) board(c echo.Context) error {
	consortium, ok := consortiumOf(c)
	if !ok {
		return echo.NewHTTPError(http.StatusForbidden, "Your council is not a member of a consortium on Hearth, so it has no vacancy board.")
	}
	ctx := c.Request().Context()
	q := c.QueryParams()
	bq, fe := parseBoardQuery(q)
	bq.ConsortiumID = consortium
	pg, err := newPager(q, 20)
	if err != nil {
		return err
	}
	bq.Offset, bq.Limit = pg.Offset(), pg.Size
	bq.NoLotCodes = true // the page does not show them
	// The consortium's totals do not depend on the filters: the database finds them
	// while it searches.
	type totals struct {
		lots  []marketplace.LotTotal
		areas []marketplace.AreaTotal
		err   error
	}
	totalsc := make(chan totals, 1)
	go func() {
		lots, areas, err := s.deps.Market.Totals(ctx, consortium)
		totalsc <- totals{lots, areas, err}
	}()
	var homes, mapHomes []marketplace.BoardHome
	total := 0
	if fe == nil {
		// The map shows the first 500 matching homes in the list's order; the page is
		// cut from them unless it lies beyond them, saving the database a second search.
		all := bq
		all.Offset, all.Limit = 0, 500
		var err error
		if mapHomes, total, err = s.deps.Market.Board(ctx, all); err != nil {
			return err
		}
		if end := bq.Offset + bq.Limit; end <= len(mapHomes) || len(mapHomes) < all.Limit {
			homes = mapHomes[min(bq.Offset, len(mapHomes)):min(end, len(mapHomes))]
		} else if homes, total, err = s.deps.Market.Board(ctx, bq); err != nil {
			return err
		}
	}
	t := <-totalsc
	if t.err != nil {
		return t.err
	}
	lotTotals, areaTotals := t.lots, t.areas
	councils, err := s.deps.Orgs.Councils(ctx, 0)
	if err != nil {
		return err
	}
	onsByID, names := map[int64]string{}, map[string]string{}
	members, councilLinks := map[string]bool{}, map[string]string{}
	var councilOpts [][2]string
	for _, co := range councils {
		councilOpts = append(councilOpts, [2]string{strconv.FormatInt(co.ID, 10), co.Name})
		if co.ONSCode == nil {
			continue
		}
		onsByID[co.ID], names[*co.ONSCode] = *co.ONSCode, co.Name
		members[*co.ONSCode] = co.ConsortiumID != nil && *co.ConsortiumID == consortium
		// Selecting a council on the map filters the board to it.
		filtered := url.Values{}
		for k, v := range q {
			if k != "page" && k != "partial" && k != "council" {
				filtered[k] = v
			}
		}
		filtered.Set("council", strconv.FormatInt(co.ID, 10))
		councilLinks[*co.ONSCode] = "/board?" + filtered.Encode()
	}
	beds := map[string]int{}
	for _, a := range areaTotals {
		beds[onsByID[a.CouncilID]] = a.BedsFree
	}
	fws, err := s.deps.Frameworks.Frameworks(ctx, consortium)
	if err != nil {
		return err
	}
	var lotOpts [][2]string
	for _, f := range fws {
		for _, l := range f.Lots {
			lotOpts = append(lotOpts, [2]string{strconv.FormatInt(l.ID, 10), l.Name})
		}
	}
	regionOpts := [][2]string{}
	for _, r := range geo.Regions() {
		regionOpts = append(regionOpts, [2]string{r, r})
	}
	form := map[string]string{}
	for k := range q {
		form[k] = strings.Join(q[k], ",")
	}
	qs := url.Values{}
	for k, v := range q {
		if k != "page" && k != "partial" {
			qs[k] = v
		}
	}
	view := parseMapView(q.Get("map"))
	zoomQuery := url.Values{}
	for k, v := range qs {
		if k != "map" {
			zoomQuery[k] = v
		}
	}
	mapSVG := vacancyMap(mapInput{View: view, Homes: mapHomes, Beds: beds, Names: names, Links: councilLinks, Members: members})
	data := map[string]any{
		"Homes": homes, "Total": total, "Pager": pg.withTotal(int64(total), "/board", qs), "Query": qs.Encode(),
		"LotTotals": lotTotals, "AreaTotals": areaTotals, "Map": mapSVG, "MapCount": len(mapHomes), "MapZooms": mapZooms(zoomQuery.Encode(), view),
		"Lots": lotOpts, "Needs": kernel.Needs, "Ratings": options(marketplace.Ratings[:4]), "Regions": regionOpts, "Councils": councilOpts,
		"Now": s.now(), "Near": bq.Near != nil,
	}
	status := http.StatusOK
	if fe != nil {
		status = http.StatusUnprocessableEntity
	}
	if q.Get("partial") == "1" {
		return s.fragment(c, status, "board", "results", data, withForm(form, fe))
	}
	return s.page(c, status, "board", "Vacancy board", data, withForm(form, fe))
}

// boardCSV exports what the board shows for the same filters, every page.
func (s *Server) boardCSV(c echo.Context) error {
	consortium, ok := consortiumOf(c)
	if !ok {
		return echo.NewHTTPError(http.StatusForbidden, "Your council is not a member of a consortium on Hearth.")
	}
	bq, fe := parseBoardQuery(c.QueryParams())
	if fe != nil {
		return echo.NewHTTPError(http.StatusBadRequest, fe.Error())
	}
	bq.ConsortiumID, bq.Limit = consortium, 500
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	_ = w.Write("home", "provider", "type", "ofsted_rating", "area", "host_council", "miles", "ages", "accepts", "beds_free_now", "next_free_date", "next_free_beds", "confirmed", "stale", "lots")
	for {
		homes, total, err := s.deps.Market.Board(c.Request().Context(), bq)
		if err != nil {
			return err
		}
		for _, h := range homes {
			miles, next, nextBeds, confirmed := "", "", "", ""
			if h.Miles != nil {
				miles = strconv.FormatFloat(*h.Miles, 'f', 1, 64)
			}
			if h.NextFreeDate != nil {
				next, nextBeds = h.NextFreeDate.Format("2006-01-02"), strconv.Itoa(*h.NextFreeBeds)
			}
			if h.VacancyConfirmedAt != nil {
				confirmed = h.VacancyConfirmedAt.UTC().Format(time.RFC3339)
			}
			_ = w.Write(h.Name, h.ProviderName, kernel.Label(marketplace.HomeTypes, h.HomeType), kernel.Label(marketplace.Ratings, h.OfstedRating),
				h.Outcode, h.HostCouncil, miles, fmt.Sprintf("%d-%d", h.MinAge, h.MaxAge), accepts(h.AcceptsMale, h.AcceptsFemale),
				strconv.Itoa(h.BedsFree), next, nextBeds, confirmed, strconv.FormatBool(h.Stale(s.now())), strings.Join(h.LotCodes, ";"))
		}
		bq.Offset += len(homes)
		if len(homes) == 0 || bq.Offset >= total {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="hearth-vacancies-`+s.now().In(london).Format("2006-01-02")+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

func accepts(m, f bool) string {
	switch {
	case m && f:
		return "any"
	case m:
		return "male"
	}
	return "female"
}

// boardEvents streams a Server-Sent Event whenever any home's vacancy changes, in this
// or any other Hearth process; the page then reloads its results.
func (s *Server) boardEvents(c echo.Context) error {
	if _, ok := consortiumOf(c); !ok {
		return echo.NewHTTPError(http.StatusForbidden)
	}
	return s.stream(c, s.hub, "vacancy")
}

// stream sends a Server-Sent Event named event whenever hub hears a change, in this or
// any other Hearth process, until the client goes away.
func (s *Server) stream(c echo.Context, h *hub, event string) error {
	u, _ := currentUser(c)
	release, ok := s.streams.acquire(u.ID)
	if !ok {
		return echo.NewHTTPError(http.StatusTooManyRequests, fmt.Sprintf("You have %d live pages open already. Close one of them, then reload this page.", maxStreamsPerUser))
	}
	defer release()
	// Subscribe before answering, so that a client holding the response headers is
	// sure to hear every later change.
	events, stop := h.subscribe()
	defer stop()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	w.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-h.done:
			return nil
		case id := <-events:
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, id)
			w.Flush()
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			w.Flush()
		}
	}
}
