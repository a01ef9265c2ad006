package kernel

import (
	"testing"
	"time"
)

func TestPastPeriod(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { v := now.Add(time.Duration(h) * time.Hour); return &v }
	for _, tt := range []struct {
		name       string
		start      time.Time
		end        *time.Time
		wantFields []string
	}{
		{"begun, not ended", *at(-2), nil, nil},
		{"begun and ended", *at(-2), at(-1), nil},
		{"starts later", *at(1), nil, []string{"from"}},
		{"ends before it starts", *at(-1), at(-2), []string{"until"}},
		{"ends at its start", *at(-1), at(-1), []string{"until"}},
		{"ends later", *at(-1), at(1), []string{"until"}},
		{"no start: only the end against now", time.Time{}, at(1), []string{"until"}},
		{"both later, end before start", *at(3), at(2), []string{"from", "until"}},
	} {
		fe := PastPeriod{Start: tt.start, End: tt.end, StartField: "from", EndField: "until", StartLater: "s", EndBeforeStart: "b", EndLater: "l"}.Check(now)
		if len(fe) != len(tt.wantFields) {
			t.Errorf("%s: %v, want problems on %v", tt.name, fe, tt.wantFields)
			continue
		}
		for i, f := range tt.wantFields {
			if fe[i].Field != f {
				t.Errorf("%s: problem %d on %s, want %s", tt.name, i, fe[i].Field, f)
			}
		}
	}
}
