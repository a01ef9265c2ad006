package frontend

import (
	"bytes"
	"fmt"
	"html/template"
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

// boardPageSize is how many homes' cards the board shows a page: compact cards, so a
// page fits a screen or two, with GOV.UK pagination below them.
const boardPageSize = 10

// boardRequest is the board's filters from the query string, for the signed-in user's
// consortium. fe holds the filters' errors; err is a refusal.
type boardRequest struct {
	consortium int64
	q, qs      url.Values // qs: the filters alone, less page, partial and what the map or delta add
	bq         marketplace.BoardQuery
	fe         kernel.FieldErrors
	pg         pager
}

func (s *Server) boardRequest(c echo.Context) (boardRequest, error) {
	consortium, ok := consortiumOf(c)
	if !ok {
		return boardRequest{}, echo.NewHTTPError(http.StatusForbidden, "Your council is not a member of a consortium on Hearth, so it has no vacancy board.")
	}
	q := c.QueryParams()
	bq, fe := parseBoardQuery(q)
	bq.ConsortiumID = consortium
	pg, err := newPager(q, boardPageSize)
	if err != nil {
		return boardRequest{}, err
	}
	bq.Offset, bq.Limit = pg.Offset(), pg.Size
	bq.NoLotCodes = true // the page does not show them
	qs := url.Values{}
	for k, v := range q {
		switch k {
		case "page", "partial", "have":
		default:
			qs[k] = v
		}
	}
	return boardRequest{consortium: consortium, q: q, qs: qs, bq: bq, fe: fe, pg: pg}, nil
}

// form is what the user typed into the filters, to show them again.
func (r boardRequest) form() map[string]string {
	form := map[string]string{}
	for k := range r.q {
		form[k] = strings.Join(r.q[k], ",")
	}
	return form
}

// boardCard is one home's card as HTML, and its version: a digest of the HTML, so the
// live board can ask for only the cards that changed.
type boardCard struct {
	ID      int64
	Version string
	HTML    template.HTML
}

// boardCards renders each home's compact card.
func (s *Server) boardCards(homes []marketplace.BoardHome) ([]boardCard, error) {
	now := s.now()
	cards := make([]boardCard, 0, len(homes))
	var b bytes.Buffer
	for _, h := range homes {
		b.Reset()
		if err := s.views.pages["board"].ExecuteTemplate(&b, "card", map[string]any{"H": h, "Now": now}); err != nil {
			return nil, fmt.Errorf("render board card: %w", err)
		}
		v := version(b.Bytes())
		cards = append(cards, boardCard{ID: h.ID, Version: v, HTML: template.HTML(fmt.Sprintf(
			`<div class="hearth-home-card" id="home-%d" data-home="%d" data-v="%s" data-testid="home-card">%s</div>`, h.ID, h.ID, v, b.String()))})
	}
	return cards, nil
}

func (s *Server) board(c echo.Context) error {
	r, err := s.boardRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// The consortium's totals do not depend on the filters: the database finds them
	// while it searches. The results alone (a live reload) do not show them.
	partial := r.q.Get("partial") == "1"
	type totals struct {
		lots  []marketplace.LotTotal
		areas []marketplace.AreaTotal
		err   error
	}
	totalsc := make(chan totals, 1)
	go func() {
		if partial {
			totalsc <- totals{}
			return
		}
		lots, areas, err := s.deps.Market.Totals(ctx, r.consortium)
		totalsc <- totals{lots, areas, err}
	}()
	var homes []marketplace.BoardHome
	total := 0
	if r.fe == nil {
		if homes, total, err = s.deps.Market.Board(ctx, r.bq); err != nil {
			<-totalsc
			return err
		}
	}
	t := <-totalsc
	if t.err != nil {
		return t.err
	}
	cards, err := s.boardCards(homes)
	if err != nil {
		return err
	}
	data := map[string]any{
		"Cards": cards, "Total": total, "Pager": r.pg.withTotal(int64(total), "/board", r.qs),
		"CSVHref": withQuery("/board.csv", r.qs), "MapHref": withQuery("/board/map", r.qs), "MapFragment": withQuery("/board/map", r.qs, "partial", "1"),
		"LotTotals": t.lots, "AreaTotals": t.areas, "Near": r.bq.Near != nil,
	}
	status := http.StatusOK
	if r.fe != nil {
		status = http.StatusUnprocessableEntity
	}
	if partial {
		return s.fragment(c, status, "board", "results", data, withForm(r.form(), r.fe))
	}
	councils, err := s.deps.Orgs.Councils(ctx, 0)
	if err != nil {
		return err
	}
	var councilOpts [][2]string
	for _, co := range councils {
		councilOpts = append(councilOpts, [2]string{strconv.FormatInt(co.ID, 10), co.Name})
	}
	fws, err := s.deps.Frameworks.Frameworks(ctx, r.consortium)
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
	for _, reg := range geo.Regions() {
		regionOpts = append(regionOpts, [2]string{reg, reg})
	}
	data["Lots"], data["Needs"], data["Ratings"], data["Regions"], data["Councils"] = lotOpts, kernel.Needs, options(marketplace.Ratings[:4]), regionOpts, councilOpts
	return s.page(c, status, "board", "Vacancy board", data, withForm(r.form(), r.fe))
}

// boardDelta is what the live board fetches when a vacancy changes: the ids of the homes
// on its page now, in order, and the cards whose version differs from the one the
// page has (?have=id.version,…). The page reloads its results only when the ids or the
// total differ; otherwise it swaps the changed cards.
func (s *Server) boardDelta(c echo.Context) error {
	r, err := s.boardRequest(c)
	if err != nil {
		return err
	}
	if r.fe != nil {
		return echo.NewHTTPError(http.StatusBadRequest, r.fe.Error())
	}
	have := parseHave(r.q.Get("have"))
	homes, total, err := s.deps.Market.Board(c.Request().Context(), r.bq)
	if err != nil {
		return err
	}
	cards, err := s.boardCards(homes)
	if err != nil {
		return err
	}
	out := boardDelta{Total: total, IDs: []int64{}, Cards: map[string]string{}}
	for _, card := range cards {
		id := strconv.FormatInt(card.ID, 10)
		out.IDs = append(out.IDs, card.ID)
		if have[id] != card.Version {
			out.Cards[id] = string(card.HTML)
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, out)
}

// boardDelta is the live board's answer: the page's homes and the cards that changed.
type boardDelta struct {
	Total int               `json:"total"`
	IDs   []int64           `json:"ids"`
	Cards map[string]string `json:"cards"`
}

// boardMap is the map of the homes matching the board's filters (the first 500), with
// the council areas shaded by beds free: a page of its own, or with ?partial=1 the
// fragment the board loads when asked.
func (s *Server) boardMap(c echo.Context) error {
	r, err := s.boardRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var mapHomes []marketplace.BoardHome
	if r.fe == nil {
		all := r.bq
		all.Offset, all.Limit = 0, 500
		if mapHomes, _, err = s.deps.Market.Board(ctx, all); err != nil {
			return err
		}
	}
	_, areaTotals, err := s.deps.Market.Totals(ctx, r.consortium)
	if err != nil {
		return err
	}
	councils, err := s.deps.Orgs.Councils(ctx, 0)
	if err != nil {
		return err
	}
	onsByID, names := map[int64]string{}, map[string]string{}
	members, councilLinks := map[string]bool{}, map[string]string{}
	for _, co := range councils {
		if co.ONSCode == nil {
			continue
		}
		onsByID[co.ID], names[*co.ONSCode] = *co.ONSCode, co.Name
		members[*co.ONSCode] = co.ConsortiumID != nil && *co.ConsortiumID == r.consortium
		// Selecting a council on the map filters the board to it.
		filtered := url.Values{}
		for k, v := range r.qs {
			if k != "council" && k != "map" {
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
	view := parseMapView(r.q.Get("map"))
	zoomQuery := url.Values{}
	for k, v := range r.qs {
		if k != "map" {
			zoomQuery[k] = v
		}
	}
	data := map[string]any{
		"Map":      vacancyMap(mapInput{View: view, Homes: mapHomes, Beds: beds, Names: names, Links: councilLinks, Members: members}),
		"MapHomes": mapHomes, "MapCount": len(mapHomes), "MapZooms": mapZooms(zoomQuery.Encode(), view), "AreaTotals": areaTotals,
		"ListHref": withQuery("/board", zoomQuery),
	}
	status := http.StatusOK
	if r.fe != nil {
		status = http.StatusUnprocessableEntity
	}
	if r.q.Get("partial") == "1" {
		return s.fragment(c, status, "board_map", "map", data, withForm(r.form(), r.fe))
	}
	return s.page(c, status, "board_map", "Map of vacancies", data, withForm(r.form(), r.fe))
}

// withQuery is path with the query q, and any more name and value pairs.
func withQuery(path string, q url.Values, more ...string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	for i := 0; i+1 < len(more); i += 2 {
		v.Set(more[i], more[i+1])
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
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
