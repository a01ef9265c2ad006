package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

var cardRe = regexp.MustCompile(`id="home-(\d+)" data-home="\d+" data-v="([0-9a-z]+)"`)

// cardsOn are the ids and versions of the home cards on a board page, in order.
func cardsOn(page string) (ids []string, have string) {
	var parts []string
	for _, m := range cardRe.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
		parts = append(parts, m[1]+"."+m[2])
	}
	return ids, strings.Join(parts, ",")
}

func delta(t *testing.T, b *browser, query string) boardDelta {
	t.Helper()
	r := b.get("/board/delta?" + query)
	var d boardDelta
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &d) != nil {
		t.Fatalf("delta %s: %d %s", query, r.Status, r.Body)
	}
	return d
}

// The board pages its cards (filters kept in the pagination's links), leaves the map
// to a page of its own or a fragment loaded when asked, and a live refresh sends only
// the cards that changed: none when nothing did, the one home whose vacancy changed,
// and the page's ids so the script reloads when they differ.
func TestBoardPagesCardsAndSendsDeltas(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var homes []marketplace.Home
	for i := range boardPageSize + 2 {
		homes = append(homes, h.addHome(h.orgs["providerx"].ID, fmt.Sprintf("SC4000%02d", i), "M14 5AA", 1))
	}
	b := h.signIn("commissioner@manchester.test")
	page := b.get("/board?near=M1&within=20")
	ids, have := cardsOn(page.Body)
	if page.Status != http.StatusOK || len(ids) != boardPageSize {
		t.Fatalf("board: %d, %d cards, want %d", page.Status, len(ids), boardPageSize)
	}
	if !strings.Contains(page.Body, `href="/board?near=M1&amp;page=2&amp;within=20"`) || !strings.Contains(page.Body, "Page 1 of 2") {
		t.Error("the pagination lacks page 2 with the filters")
	}
	if strings.Contains(page.Body, "hearth-map__area") || !strings.Contains(page.Body, `href="/board/map?near=M1&amp;within=20"`) {
		t.Error("the board draws the map instead of linking to it", regexp.MustCompile(`href="/board/map[^"]*"`).FindAllString(page.Body, -1))
	}
	if p2, _ := cardsOn(b.get("/board?near=M1&within=20&page=2").Body); len(p2) != 2 || slices.Contains(ids, p2[0]) {
		t.Errorf("page 2 has %v", p2)
	}
	// The results alone, for a live reload: the same cards, without the page around them.
	r := b.get("/board?near=M1&within=20&partial=1")
	if _, fragHave := cardsOn(r.Body); strings.Contains(r.Body, "<html") || strings.Contains(r.Body, "lot-totals") || fragHave != have {
		t.Errorf("results fragment: %d", r.Status)
	}
	// Nothing changed: the page's ids and no cards.
	q := "near=M1&within=20&have=" + have
	if d := delta(t, b, q); d.Total != boardPageSize+2 || len(d.Cards) != 0 || fmt.Sprint(d.IDs) != "["+strings.Join(ids, " ")+"]" {
		t.Fatalf("unchanged delta: %+v", d)
	}
	// One home's vacancy changes: only its card comes back.
	var changed marketplace.Home
	for _, hm := range homes {
		if fmt.Sprint(hm.ID) == ids[3] {
			changed = hm
		}
	}
	_, err := h.deps.Market.SetVacancy(ctx, changed, marketplace.Vacancy{BedsFree: 3}, "web", 0)
	must(t, err)
	d := delta(t, b, q)
	if len(d.Cards) != 1 || !strings.Contains(d.Cards[ids[3]], "3 free now") || !strings.Contains(d.Cards[ids[3]], `id="home-`+ids[3]+`"`) {
		t.Fatalf("delta after one change: %+v", d)
	}
	if d := delta(t, b, "near=M1&within=20&page=2"); len(d.IDs) != 2 || len(d.Cards) != 2 {
		t.Errorf("page 2 without versions: %+v", d)
	}
	// The map: a page of its own, and a fragment without the layout for the board.
	m := b.get("/board/map?near=M1&within=20")
	if m.Status != http.StatusOK || !strings.Contains(m.Body, "hearth-map__area") || !strings.Contains(m.Body, `id="map-home-`+ids[0]+`"`) || !strings.Contains(m.Body, `href="/board?near=M1&amp;within=20"`) {
		t.Errorf("map page: %d %v", m.Status, regexp.MustCompile(`href="/board[?][^"]*"|id="map-home-[0-9]+"`).FindAllString(m.Body, 5))
	}
	if f := b.get("/board/map?near=M1&within=20&partial=1"); f.Status != http.StatusOK || strings.Contains(f.Body, "<html") || !strings.Contains(f.Body, `href="#map-home-`+ids[0]+`"`) {
		t.Errorf("map fragment: %d", f.Status)
	}
	if r := b.get("/board/delta?within=-1"); r.Status != http.StatusBadRequest {
		t.Errorf("delta with a bad filter: %d", r.Status)
	}
	// Another consortium's board, map and deltas never show these homes; a council in
	// no consortium has none.
	other, err := h.deps.Orgs.Create(ctx, "consortium", "Other Consortium")
	must(t, err)
	must(t, h.deps.Orgs.JoinConsortium(ctx, other.ID, []string{"E08000035"})) // Leeds
	_, err = h.deps.Users.Create(ctx, newUser("c@leeds.test", "commissioner", h.orgs["leeds"].ID))
	must(t, err)
	leeds := h.signIn("c@leeds.test")
	if d := delta(t, leeds, "near=M1&within=20"); d.Total != 0 || len(d.IDs) != 0 {
		t.Errorf("another consortium's delta: %+v", d)
	}
	if r := leeds.get("/board/map?near=M1&within=20"); strings.Contains(r.Body, "map-home-") {
		t.Error("another consortium's map shows these homes")
	}
	_, err = h.deps.Users.Create(ctx, newUser("c@bradford.test", "commissioner", h.orgs["cumberland"].ID))
	must(t, err)
	outside := h.signIn("c@bradford.test")
	for _, p := range []string{"/board/delta", "/board/map"} {
		if r := outside.get(p); r.Status != http.StatusForbidden {
			t.Errorf("%s for a council in no consortium: %d", p, r.Status)
		}
	}
}

var partRe = regexp.MustCompile(`data-v="([0-9a-z]+)" data-part="([^"]+)"`)

// The secure bed board refreshes by parts: unchanged, nothing comes back; when a home
// changes a bed, its row and the summary do, and no other home's row.
func TestSecureBoardSendsChangedParts(t *testing.T) {
	h := newHarness(t)
	oak, heron := h.withEstate(t)
	swcu := h.signIn("coordinator@swcu.test")
	page := swcu.get("/secure/board")
	var have []string
	keys := 0
	for _, m := range partRe.FindAllStringSubmatch(page.Body, -1) {
		have = append(have, m[2]+"."+m[1])
		keys++
	}
	if page.Status != http.StatusOK || keys != len(secureEstateNames())+2 {
		t.Fatalf("board: %d, %d parts", page.Status, keys)
	}
	get := func() partsDelta {
		r := swcu.get("/secure/board?partial=delta&have=" + strings.Join(have, ","))
		var d partsDelta
		if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &d) != nil {
			t.Fatalf("delta: %d %s", r.Status, r.Body)
		}
		return d
	}
	if d := get(); len(d.Parts) != 0 || len(d.Keys) != keys {
		t.Fatalf("unchanged: %+v", d)
	}
	_, beds, err := h.deps.Secure.HomeOf(context.Background(), oak.ProviderID)
	must(t, err)
	freed := false
	for _, b := range beds {
		if b.Status == "occupied" && !freed {
			_, err := h.deps.Secure.SetBed(context.Background(), b.ID, oak.ProviderID, 0, secure.BedUpdate{Status: "free"})
			must(t, err)
			freed = true
		}
	}
	d := get()
	oakKey, heronKey := fmt.Sprintf("home-%d", oak.ID), fmt.Sprintf("home-%d", heron.ID)
	if _, ok := d.Parts[oakKey]; !ok || d.Parts[heronKey] != "" || len(d.Parts) > 3 {
		t.Errorf("after Oakfield frees a bed: parts %v", slices.Sorted(maps.Keys(d.Parts)))
	}
}

func secureEstateNames() []string {
	var out []string
	for _, e := range secure.Estate {
		out = append(out, e.Name)
	}
	return out
}
