package commissioning_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// mailboxWorld is every council, a consortium with Wigan and Bolton as members, and a
// second consortium with Salford.
func mailboxWorld(t *testing.T) (*migrations.DB, *commissioning.Service, commissioning.Organisation) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	s := commissioning.NewService(db.Gorm)
	if err := s.SyncCouncils(ctx); err != nil {
		t.Fatal(err)
	}
	cons, err := s.Create(ctx, kernel.KindConsortium, "Consortium A")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.JoinConsortium(ctx, cons.ID, []string{"E08000010", "E08000001"}); err != nil {
		t.Fatal(err)
	}
	other, err := s.Create(ctx, kernel.KindConsortium, "Consortium B")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.JoinConsortium(ctx, other.ID, []string{"E08000006"}); err != nil {
		t.Fatal(err)
	}
	return db, s, cons
}

// Every English children's-services authority exists as an organisation, member or
// not, so each can be told of placements into its area (issue 12).
func TestAllEnglishCouncilsExist(t *testing.T) {
	db, s, _ := mailboxWorld(t)
	var english int64
	if err := db.Gorm.Raw("SELECT count(*) FROM organisations WHERE kind = 'council' AND ons_code LIKE 'E%'").Scan(&english).Error; err != nil {
		t.Fatal(err)
	}
	if english != 153 {
		t.Fatalf("%d English councils, want 153", english)
	}
	list, err := s.Mailboxes(context.Background(), "")
	if err != nil || len(list) < 153 {
		t.Fatalf("directory lists %d councils (%v), want every council", len(list), err)
	}
}

// A CSV of mailboxes is refused whole when any row is bad: every problem is listed
// with its row number, and nothing is saved.
func TestMailboxCSVRefusedWhole(t *testing.T) {
	ctx := context.Background()
	db, s, cons := mailboxWorld(t)
	tests := []struct {
		name    string
		csv     string
		rows    []commissioning.RowError // nil: a problem with the file
		problem string
	}{
		{"BadRowsListed", "ons_code,email\nE08000010,notices@wigan.gov.uk\nE08000001,not-an-address\nE99999999,notices@nowhere.gov.uk\nE08000010,again@wigan.gov.uk\nE08000006,notices@salford.gov.uk\n,\n",
			[]commissioning.RowError{
				{Row: 3, Column: "email"},
				{Row: 4, Column: "ons_code"},
				{Row: 5, Column: "ons_code"},
				{Row: 6, Column: "ons_code"},
				{Row: 7, Column: "ons_code"}, {Row: 7, Column: "email"},
			}, ""},
		{"NamedAddressRefused", "ons_code,email\nE08000010,Wigan <notices@wigan.gov.uk>\n", []commissioning.RowError{{Row: 2, Column: "email"}}, ""},
		{"ShortRowListedWithOthers", "ons_code,email\nE08000010\nE08000001,bad@\n", []commissioning.RowError{{Row: 2}, {Row: 3, Column: "email"}}, ""},
		{"WrongHeader", "code,mailbox\nE08000010,notices@wigan.gov.uk\n", nil, "The first row must name these columns"},
		{"Empty", "", nil, "The file is empty."},
		{"NotUTF8", "ons_code,email\nE08000010,n\xe9@wigan.gov.uk\n", nil, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.ImportMailboxes(ctx, cons.ID, strings.NewReader(tt.csv), 0)
			var ie *commissioning.ImportError
			if !errors.As(err, &ie) || !errors.Is(err, kernel.ErrInvalid) || n != 0 {
				t.Fatalf("import = %d, %v; want an ImportError", n, err)
			}
			if tt.rows == nil {
				if !strings.Contains(ie.Problem, tt.problem) {
					t.Fatalf("problem %q, want %q", ie.Problem, tt.problem)
				}
				return
			}
			var got []commissioning.RowError
			for _, r := range ie.Rows {
				if r.Message == "" {
					t.Errorf("row %d: no message", r.Row)
				}
				got = append(got, commissioning.RowError{Row: r.Row, Column: r.Column})
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Fatalf("row errors %+v, want %+v", ie.Rows, tt.rows)
			}
		})
	}
	var saved int64
	if err := db.Gorm.Raw("SELECT count(*) FROM council_mailboxes").Scan(&saved).Error; err != nil || saved != 0 {
		t.Fatalf("%d mailboxes saved from refused files (%v)", saved, err)
	}

	// A good file is saved, every change audited.
	n, err := s.ImportMailboxes(ctx, cons.ID, strings.NewReader("\xef\xbb\xbfONS_CODE,Email\r\nE08000010,notices@wigan.gov.uk\r\nE06000052,Statutory.Notices@Cornwall.gov.uk\r\n"), 0)
	if err != nil || n != 2 {
		t.Fatalf("good file: %d, %v", n, err)
	}
	var audited int64
	if err := db.Gorm.Raw("SELECT count(*) FROM audit_log WHERE action = 'council.mailbox'").Scan(&audited).Error; err != nil || audited != 2 {
		t.Fatalf("%d audit rows (%v), want 2", audited, err)
	}
	list, _ := s.Mailboxes(ctx, "South West")
	for _, m := range list {
		if m.ONSCode == "E06000052" && m.Email != "Statutory.Notices@Cornwall.gov.uk" {
			t.Fatalf("Cornwall's mailbox = %q", m.Email)
		}
	}
}

// One council's mailbox: a bad address is a field error; another consortium's member
// is not this consortium's to change; an empty address removes the mailbox.
func TestSetMailbox(t *testing.T) {
	ctx := context.Background()
	db, s, cons := mailboxWorld(t)
	var wigan, salford commissioning.Organisation
	db.Gorm.Where("ons_code = 'E08000010'").First(&wigan)
	db.Gorm.Where("ons_code = 'E08000006'").First(&salford)

	_, err := s.SetMailbox(ctx, cons.ID, wigan.ID, "notices at wigan", 0)
	var fe kernel.FieldErrors
	if !errors.As(err, &fe) || !fe.Has("email") {
		t.Fatalf("bad address: %v", err)
	}
	if _, err := s.SetMailbox(ctx, cons.ID, salford.ID, "notices@salford.gov.uk", 0); !errors.Is(err, kernel.ErrForbidden) {
		t.Fatalf("another consortium's member: %v", err)
	}
	mb, err := s.SetMailbox(ctx, cons.ID, wigan.ID, " notices@wigan.gov.uk ", 0)
	if err != nil || mb.Email != "notices@wigan.gov.uk" || mb.UpdatedAt == nil {
		t.Fatalf("set: %+v, %v", mb, err)
	}
	if mb, err = s.SetMailbox(ctx, cons.ID, wigan.ID, "", 0); err != nil || mb.Email != "" {
		t.Fatalf("remove: %+v, %v", mb, err)
	}
}

// The database refuses a malformed address or a mailbox for an organisation that is
// not a council, whatever the Go code does.
func TestMailboxDatabaseChecks(t *testing.T) {
	ctx := context.Background()
	db, s, cons := mailboxWorld(t)
	var wigan commissioning.Organisation
	db.Gorm.Where("ons_code = 'E08000010'").First(&wigan)
	provider, err := s.Create(ctx, kernel.KindProvider, "Provider P")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		org  int64
		addr string
	}{
		{"NoAt", wigan.ID, "notices.wigan.gov.uk"},
		{"Spaces", wigan.ID, "notices @wigan.gov.uk"},
		{"NoDomainDot", wigan.ID, "notices@wigan"},
		{"NamedAddress", wigan.ID, "Wigan <notices@wigan.gov.uk>"},
		{"NotACouncil", provider.ID, "notices@provider.example"},
		{"Consortium", cons.ID, "notices@consortium.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.Pool.Exec(ctx, "INSERT INTO council_mailboxes (council_id, email) VALUES ($1, $2)", tt.org, tt.addr); err == nil {
				t.Fatal("the database accepted it")
			}
		})
	}
}
