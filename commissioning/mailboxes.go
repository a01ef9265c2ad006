package commissioning

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
)

// Mailbox is a council's statutory notification address: where host notices of
// placements into its area are emailed, whether or not the council uses Hearth.
type Mailbox struct {
	CouncilID int64
	Council   string
	ONSCode   string `gorm:"column:ons_code"`
	Region    string
	// ConsortiumID is the council's consortium, nil for a council outside every one.
	ConsortiumID *int64
	Email        string // "" when the council has none
	UpdatedAt    *time.Time
	UpdatedBy    string // the name of who set it
}

// MailboxColumns is the header of a mailbox CSV.
var MailboxColumns = []string{"ons_code", "email"}

// mailboxRe is what the database accepts (council_mailboxes.email's CHECK).
var mailboxRe = regexp.MustCompile(`^[^@\s<>(),;:"]+@[^@\s<>(),;:"]+\.[^@\s<>(),;:"]+$`)

// MailboxHint is what a user is told when a mailbox is not a single bare address.
const MailboxHint = "Enter the mailbox as an email address, like notices@council.gov.uk"

// MailboxInput is one council's mailbox as the mailbox page sends it: an address, or
// nothing to remove it.
type MailboxInput struct {
	Email string `json:"email" form:"email"`
}

// Rules: the address, if any, is one bare email address.
func (in MailboxInput) Rules(time.Time) kernel.FieldErrors {
	if e := strings.TrimSpace(in.Email); e != "" {
		if _, err := ParseMailbox(e); err != nil {
			return kernel.FieldErrors{{Field: "email", Message: MailboxHint}}
		}
	}
	return nil
}

// ErrBadMailbox is a mailbox that is not one bare email address.
var ErrBadMailbox = errors.New("mailbox is not a single bare email address")

// ParseMailbox checks a mailbox address: one bare address, like notices@council.gov.uk.
// It returns ErrBadMailbox otherwise; tell the user MailboxHint.
func ParseMailbox(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if s == "" || err != nil || a.Address != s || a.Name != "" || len(s) > 254 || !mailboxRe.MatchString(s) {
		return "", fmt.Errorf("%q: %w", s, ErrBadMailbox)
	}
	return s, nil
}

// RowError and ImportError are the one way every CSV upload reports its problems.
type (
	RowError    = csvsafe.RowError
	ImportError = csvsafe.ImportError
)

// MailboxEntry is one council's address to set; Row numbers it for errors.
type MailboxEntry struct {
	Row     int
	ONSCode string
	Email   string
}

// Mailboxes lists every council with its notification mailbox, by name; region, when
// not empty, keeps one region's.
func (s *Service) Mailboxes(ctx context.Context, region string) ([]Mailbox, error) {
	q := s.mailboxes(ctx)
	if region != "" {
		q = q.Where("o.region = ?", region)
	}
	var out []Mailbox
	if err := q.Order("o.name").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	return out, nil
}

// MailboxOf returns one council's mailbox. Returns ErrNotFound if it is not a council.
func (s *Service) MailboxOf(ctx context.Context, councilID int64) (Mailbox, error) {
	var out []Mailbox
	if err := s.mailboxes(ctx).Where("o.id = ?", councilID).Scan(&out).Error; err != nil {
		return Mailbox{}, fmt.Errorf("mailbox of %d: %w", councilID, err)
	}
	if len(out) == 0 {
		return Mailbox{}, fmt.Errorf("council %d: %w", councilID, kernel.ErrNotFound)
	}
	return out[0], nil
}

func (s *Service) mailboxes(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("organisations o").
		Joins("LEFT JOIN council_mailboxes m ON m.council_id = o.id").
		Joins("LEFT JOIN users u ON u.id = m.updated_by").
		Where("o.kind = 'council'").
		Select(`o.id AS council_id, o.name AS council, o.ons_code, o.region, o.consortium_id,
            coalesce(m.email::text, '') AS email, m.updated_at, coalesce(u.name, '') AS updated_by`)
}

// EditableBy reports whether consortiumID's admins keep this council's mailbox: its
// own member councils' and those of councils outside every consortium.
func (m Mailbox) EditableBy(consortiumID int64) bool {
	return m.ConsortiumID == nil || *m.ConsortiumID == consortiumID
}

// SetMailbox sets one council's mailbox for consortiumID's admin; an empty address
// removes it. Returns FieldErrors (field "email") for a bad address, ErrNotFound for
// no such council and ErrForbidden for another consortium's member.
func (s *Service) SetMailbox(ctx context.Context, consortiumID, councilID int64, email string, by int64) (Mailbox, error) {
	email = strings.TrimSpace(email)
	if email != "" {
		var err error
		if email, err = ParseMailbox(email); err != nil {
			return Mailbox{}, kernel.Invalid("email", MailboxHint)
		}
	}
	mb, err := s.MailboxOf(ctx, councilID)
	if err != nil {
		return mb, err
	}
	if !mb.EditableBy(consortiumID) {
		return mb, fmt.Errorf("mailbox of %s, another consortium's member: %w", mb.Council, kernel.ErrForbidden)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return setMailbox(ctx, tx, mb, email, by)
	})
	if err != nil {
		return mb, fmt.Errorf("set mailbox of %s: %w", mb.Council, err)
	}
	return s.MailboxOf(ctx, councilID)
}

// setMailbox writes one address (or removes it) and audits the change.
func setMailbox(ctx context.Context, tx *gorm.DB, mb Mailbox, email string, by int64) error {
	if strings.EqualFold(mb.Email, email) {
		return nil
	}
	var byID any
	if by != 0 {
		byID = by
	}
	if email == "" {
		if err := tx.Exec("DELETE FROM council_mailboxes WHERE council_id = ?", mb.CouncilID).Error; err != nil {
			return err
		}
	} else {
		row := map[string]any{"council_id": mb.CouncilID, "email": email, "updated_by": byID, "updated_at": gorm.Expr("now()")}
		if err := tx.Table("council_mailboxes").Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "council_id"}}, DoUpdates: clause.AssignmentColumns([]string{"email", "updated_by", "updated_at"}),
		}).Create(row).Error; err != nil {
			return err
		}
	}
	return audit.New(tx).Record(ctx, "council.mailbox", "organisation", fmt.Sprint(mb.CouncilID),
		map[string]any{"council": mb.Council, "from": mb.Email, "to": email})
}

// SetMailboxes sets many councils' mailboxes at once for consortiumID's admin, all or
// nothing: every entry is checked first, and any bad address, unknown ONS code, council
// given twice or another consortium's member refuses them all with an ImportError
// listing each problem by row.
func (s *Service) SetMailboxes(ctx context.Context, consortiumID int64, entries []MailboxEntry, by int64) (int, error) {
	all, err := s.Mailboxes(ctx, "")
	if err != nil {
		return 0, err
	}
	byCode := make(map[string]Mailbox, len(all))
	for _, m := range all {
		byCode[m.ONSCode] = m
	}
	var rows []RowError
	seen := map[string]int{}
	type change struct {
		mb    Mailbox
		email string
	}
	var changes []change
	for _, e := range entries {
		code := strings.ToUpper(strings.TrimSpace(e.ONSCode))
		mb, ok := byCode[code]
		switch {
		case code == "":
			rows = append(rows, RowError{Row: e.Row, Column: "ons_code", Message: "Enter the council's ONS code, like E08000010"})
		case !ok:
			rows = append(rows, RowError{Row: e.Row, Column: "ons_code", Message: fmt.Sprintf("%q is not the ONS code of a council", code)})
		case !mb.EditableBy(consortiumID):
			rows = append(rows, RowError{Row: e.Row, Column: "ons_code", Message: fmt.Sprintf("%s (%s) belongs to another consortium, whose admins keep its mailbox", code, mb.Council)})
		case seen[code] != 0:
			rows = append(rows, RowError{Row: e.Row, Column: "ons_code", Message: fmt.Sprintf("%s (%s) is already in row %d", code, mb.Council, seen[code])})
		default:
			seen[code] = e.Row
		}
		email, err := ParseMailbox(e.Email)
		if err != nil {
			rows = append(rows, RowError{Row: e.Row, Column: "email", Message: MailboxHint})
		}
		if ok {
			changes = append(changes, change{mb, email})
		}
	}
	if len(rows) > 0 {
		return 0, &ImportError{Rows: rows}
	}
	if len(changes) == 0 {
		return 0, &ImportError{Problem: "The file has no councils in it."}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, c := range changes {
			if err := setMailbox(ctx, tx, c.mb, c.email, by); err != nil {
				return fmt.Errorf("row for %s: %w", c.mb.ONSCode, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("set mailboxes: %w", err)
	}
	return len(changes), nil
}

// ImportMailboxes reads a CSV with the columns ons_code,email (UTF-8, a header row)
// and sets every council's mailbox in it, all or nothing (see SetMailboxes).
func (s *Service) ImportMailboxes(ctx context.Context, consortiumID int64, r io.Reader, by int64) (int, error) {
	entries, err := ReadMailboxCSV(r)
	if err != nil {
		return 0, err
	}
	return s.SetMailboxes(ctx, consortiumID, entries, by)
}

// maxMailboxRows bounds a mailbox file: England and Wales have 175 councils.
const maxMailboxRows = 1000

// ReadMailboxCSV reads a mailbox CSV into entries numbered by row.
func ReadMailboxCSV(r io.Reader) ([]MailboxEntry, error) {
	recs, err := csvsafe.Read(r, MailboxColumns, 1<<20, maxMailboxRows)
	var ie *ImportError
	if err != nil && (!errors.As(err, &ie) || ie.Problem != "") {
		return nil, err
	}
	out := make([]MailboxEntry, 0, len(recs))
	for _, rec := range recs {
		out = append(out, MailboxEntry{Row: rec.Line, ONSCode: rec.Cells[0], Email: rec.Cells[1]})
	}
	if ie != nil {
		// Report the rows' own problems with those of the others, all at once.
		all := append(ie.Rows, checkEntriesShape(out)...)
		slices.SortStableFunc(all, func(a, b RowError) int { return a.Row - b.Row })
		return nil, &ImportError{Rows: all}
	}
	return out, nil
}

// checkEntriesShape finds the address problems of entries without the database, so a
// file with a malformed row still lists every other bad address.
func checkEntriesShape(entries []MailboxEntry) []RowError {
	var out []RowError
	for _, e := range entries {
		if _, err := ParseMailbox(e.Email); err != nil {
			out = append(out, RowError{Row: e.Row, Column: "email", Message: err.Error()})
		}
	}
	return out
}

// CouncilsWithoutMailbox counts the consortium's member councils with no notification
// mailbox, whose host notices therefore reach no one by email.
func (s *Service) CouncilsWithoutMailbox(ctx context.Context, consortiumID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM organisations o
		WHERE o.consortium_id = ? AND NOT EXISTS (SELECT 1 FROM council_mailboxes m WHERE m.council_id = o.id)`, consortiumID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count councils without a mailbox: %w", err)
	}
	return n, nil
}
