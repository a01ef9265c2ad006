package monitoring

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

var now = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

func allScores(n int) map[string]int {
	m := map[string]int{}
	for _, d := range Domains {
		m[d.Code] = n
	}
	return m
}

func validVisit() VisitInput {
	return VisitInput{VisitedOn: "2026-11-20", VisitType: "unannounced", Scores: allScores(3), Overall: 3, Summary: "Settled home; two actions agreed."}
}

// TestVisitInputEveryErrorAtOnce: the one validation of a visit (tags and Rules, as
// Record and the web form run it) reports every problem in one go, by JSON name.
func TestVisitInputEveryErrorAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		change func(*VisitInput)
		fields []string
	}{
		{"OK", func(*VisitInput) {}, nil},
		{"OKToday", func(in *VisitInput) { in.VisitedOn = "2026-11-27" }, nil},
		{"ErrEverythingMissing", func(in *VisitInput) { *in = VisitInput{} },
			[]string{"visited_on", "visit_type", "overall", "summary", "scores.experiences_progress", "scores.help_protection", "scores.leadership_management", "scores.care_planning_education", "scores.environment"}},
		{"ErrDateInFuture", func(in *VisitInput) { in.VisitedOn = "2026-11-28" }, []string{"visited_on"}},
		{"ErrDateNotADate", func(in *VisitInput) { in.VisitedOn = "2026-02-30" }, []string{"visited_on"}},
		{"ErrDateLongAgo", func(in *VisitInput) { in.VisitedOn = "1999-12-31" }, []string{"visited_on"}},
		{"ErrVisitType", func(in *VisitInput) { in.VisitType = "surprise" }, []string{"visit_type"}},
		{"ErrScoreOutOfScale", func(in *VisitInput) { in.Scores["environment"] = 5; in.Scores["help_protection"] = 0 },
			[]string{"scores.help_protection", "scores.environment"}},
		{"ErrScoreMissing", func(in *VisitInput) { delete(in.Scores, "leadership_management") }, []string{"scores.leadership_management"}},
		{"ErrUnknownDomain", func(in *VisitInput) { in.Scores["food"] = 4 }, []string{"scores"}},
		{"ErrOverall", func(in *VisitInput) { in.Overall = 7 }, []string{"overall"}},
		{"ErrSummaryBlank", func(in *VisitInput) { in.Summary = "   " }, []string{"summary"}},
		{"ErrSummaryLong", func(in *VisitInput) { in.Summary = strings.Repeat("a", SummaryMax+1) }, []string{"summary"}},
		{"ErrSeveral", func(in *VisitInput) { in.VisitedOn, in.Overall, in.Summary = "2027-01-01", 0, "" }, []string{"visited_on", "overall", "summary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validVisit()
			tt.change(&in)
			fe := kernel.Check(&in).With(in.Rules(now))
			var got []string
			for _, e := range fe {
				got = append(got, e.Field)
				if e.Text() == "" {
					t.Errorf("%s: no message", e.Field)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.fields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("fields %v, want %v (%v)", got, want, fe)
			}
		})
	}
}

// TestScoreErrorsNameTheirRadios: a domain's score error points at its radios.
func TestScoreErrorsNameTheirRadios(t *testing.T) {
	in := validVisit()
	delete(in.Scores, "environment")
	fe := in.Rules(now)
	if len(fe) != 1 || fe[0].FormID != "score_environment" || !strings.Contains(fe[0].Message, "the home's environment") {
		t.Fatalf("%+v", fe)
	}
}

// TestFrameworkMatchesTheSchema: the database's CHECK on a score's domain names exactly
// the framework's domains, and each domain describes all four points of the scale.
func TestFrameworkMatchesTheSchema(t *testing.T) {
	sql, err := os.ReadFile("../../migrations/00039_monitoring_visits.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`domain IN \(([^)]*)\)`).FindSubmatch(sql)
	if m == nil {
		t.Fatal("no CHECK on domain")
	}
	var inSchema, inCode []string
	for _, q := range regexp.MustCompile(`'([a-z_]+)'`).FindAllSubmatch(m[1], -1) {
		inSchema = append(inSchema, string(q[1]))
	}
	for _, d := range Domains {
		inCode = append(inCode, d.Code)
		for _, l := range d.Levels() {
			if l.Descriptor == "" || l.Label == "" {
				t.Errorf("%s: score %d undescribed", d.Code, l.Score)
			}
		}
	}
	if !slices.Equal(inSchema, inCode) {
		t.Fatalf("schema %v, framework %v", inSchema, inCode)
	}
	if len(Domains) < 4 || len(Domains) > 6 {
		t.Fatalf("%d domains: the framework is short, 4 to 6", len(Domains))
	}
}
