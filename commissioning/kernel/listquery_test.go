package kernel

import "testing"

func TestListQueryLike(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"LA-12", "%LA-12%"},
		{"50%_off\\", `%50\%\_off\\%`},
	} {
		if got := (ListQuery{Search: tc.in}).Like(); got != tc.want {
			t.Errorf("Like(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSortsOrderBy(t *testing.T) {
	s := Sorts{"deadline": "r.deadline", "child": "r.child_ref"}
	for _, tc := range []struct {
		name string
		q    ListQuery
		want string
	}{
		{"default", ListQuery{}, "r.id DESC, r.id DESC"},
		{"ascending", ListQuery{Sort: "deadline"}, "r.deadline ASC NULLS LAST, r.id DESC"},
		{"descending", ListQuery{Sort: "child", Desc: true}, "r.child_ref DESC NULLS LAST, r.id DESC"},
		{"not allowed is the default", ListQuery{Sort: "id; DROP TABLE x"}, "r.id DESC, r.id DESC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.OrderBy(tc.q, "r.id DESC", "r.id DESC"); got != tc.want {
				t.Errorf("OrderBy = %q, want %q", got, tc.want)
			}
		})
	}
	if got := s.Keys(); len(got) != 2 || got[0] != "child" {
		t.Errorf("Keys = %v", got)
	}
}
