package marketplace

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// keys returns the JSON object's keys at path (each a nested object's name).
func keys(t *testing.T, v any, path ...string) []string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range path {
		m, _ = m[p].(map[string]any)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestWebhookPayloadsShowEachRecipientItsOwnView: for every placement event, the
// placing council gets the profile, fee and end note; the provider the profile and fee
// but not the council's note; the host council what its host notice says and nothing
// of the child's profile, fee or notes; and the host council is not told of fees at all.
func TestWebhookPayloadsShowEachRecipientItsOwnView(t *testing.T) {
	host := int64(9)
	started, ended, reason := kernel.DateOf(time.Now()).AddDate(0, 0, -20), kernel.DateOf(time.Now()), "planned_move"
	p := Placement{ID: 42, CouncilID: 1, ProviderID: 2, HostCouncilID: &host, Status: PlacementEnded, WeeklyFeePence: 450000,
		StartDate: started, StartedOn: &started, EndedOn: &ended, EndReason: &reason, EndNote: "Moved nearer school"}
	f := placementFacts{ChildRef: "MCR-1", PlacingCouncil: "Manchester", ContactName: "Ann", ContactEmail: "ann@mcr.test", Provider: "Provider X",
		HomeName: "Home SC1", HomeURN: "SC1", HomeOutcode: "M6", HostCouncil: "Salford", AgeYears: 14, Sex: "female", LegalStatus: "s31", Needs: kernel.Codes{"autism"}}
	common := []string{"access", "child_ref", "ended_on", "end_reason", "home_name", "home_postcode_district", "home_urn", "host_council", "placement_id",
		"placing_council", "placing_council_contact", "provider", "reference", "start_date", "started_on", "status"}
	withChild := append(slices.Clone(common), "child", "weekly_fee_pence")
	want := map[Access][]string{AccessCouncil: append(slices.Clone(withChild), "end_note"), AccessProvider: withChild, AccessHost: common}
	builders := map[string]func(Access) any{
		"placement.awarded": func(a Access) any { return placementAwardedData(p, f, a) },
		"placement.started": func(a Access) any { return placementStartedData(p, f, a) },
		"placement.ended":   func(a Access) any { return placementEndedData(p, f, a) },
		"missing_episode": func(a Access) any {
			back, how, area, risk := time.Now(), "found", "E08000003", "high"
			return missingEpisodeData(p, f, Incident{ID: 3, Kind: "missing", StartedAt: time.Now().Add(-time.Hour), EndedAt: &back, Note: "Seen at the station",
				PoliceRef: "GMP-1", PoliceRisk: &risk, EndedHow: &how, FoundArea: &area, RHIResponsible: "host"}, a)
		},
		"placement.fee_changed": func(a Access) any {
			return placementFeeChangedData(p, f, PlacementFee{EffectiveFrom: ended, CorePence: 460000, Reason: "Uplift"}, 450000, a)
		},
	}
	for name, build := range builders {
		for access, fields := range want {
			t.Run(name+"/"+string(access), func(t *testing.T) {
				d := build(access)
				if name == "placement.fee_changed" && access == AccessHost {
					if d != nil {
						t.Fatalf("the host council is told of a fee change: %v", d)
					}
					return
				}
				slices.Sort(fields)
				if got := keys(t, d, "placement"); !slices.Equal(got, fields) {
					t.Fatalf("fields %v, want %v", got, fields)
				}
				if access != AccessHost && !slices.Equal(keys(t, d, "placement", "child"), []string{"age_years", "legal_status", "needs", "sex"}) {
					t.Fatalf("child %v", keys(t, d, "placement", "child"))
				}
				if name == "missing_episode" {
					ep := keys(t, d, "episode")
					note, rhi := slices.Contains(ep, "note"), slices.Contains(ep, "rhi_responsible")
					if note == (access == AccessHost) || rhi == (access == AccessProvider) {
						t.Fatalf("episode fields %v for %s", ep, access)
					}
					for _, k := range []string{"police_ref", "police_risk", "ended_how", "found_area"} {
						if !slices.Contains(ep, k) {
							t.Fatalf("episode fields %v for %s lack %s", ep, access, k)
						}
					}
				}
			})
		}
	}
}

// TestPlacementRecipientsIncludeTheHostOnlyWhenAnotherCouncil: a placement in the placing
// council's own area has no host to tell.
func TestPlacementRecipientsIncludeTheHostOnlyWhenAnotherCouncil(t *testing.T) {
	self, other := int64(1), int64(9)
	build := func(a Access) any { return string(a) }
	if rs := placementRecipients(Placement{CouncilID: 1, ProviderID: 2, HostCouncilID: &self}, build); len(rs) != 2 {
		t.Fatalf("own area: %v", rs)
	}
	rs := placementRecipients(Placement{CouncilID: 1, ProviderID: 2, HostCouncilID: &other}, build)
	if len(rs) != 3 || rs[2].OrgID != 9 || rs[2].Data != "host" || rs[0].Data != "council" || rs[1].Data != "provider" {
		t.Fatalf("another area: %v", rs)
	}
}
