package marketplace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
)

// MaxImportRows is the most rows one CSV upload may hold.
const MaxImportRows = 5000

// RowError and ImportError are the one way every CSV upload reports its problems.
type (
	RowError    = csvsafe.RowError
	ImportError = csvsafe.ImportError
)

// HomeColumns and VacancyColumns are the CSV headers Hearth reads and writes.
var (
	HomeColumns    = []string{"name", "ofsted_urn", "home_type", "ofsted_rating", "inspection_date", "registered_places", "min_age", "max_age", "sexes", "postcode", "needs", "lots"}
	VacancyColumns = []string{"ofsted_urn", "beds_free", "next_free_date", "next_free_beds"}
)

// csvRow is one row of an upload by column name, with its line for errors.
type csvRow struct {
	line  int
	cells map[string]string
}

// readCSV reads a whole upload and checks its encoding, header and size.
func readCSV(r io.Reader, columns []string) ([]csvRow, error) {
	recs, err := csvsafe.Read(r, columns, 4<<20, MaxImportRows)
	switch {
	case err != nil:
		return nil, err
	case len(recs) == 0:
		return nil, &ImportError{Problem: "The file has a header but no rows."}
	}
	rows := make([]csvRow, len(recs))
	for i, rec := range recs {
		m := make(map[string]string, len(columns))
		for j, c := range columns {
			m[c] = rec.Cells[j]
		}
		rows[i] = csvRow{rec.Line, m}
	}
	return rows, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ImportHomes creates or updates (by Ofsted URN) the provider's homes from a CSV file.
// Every row is checked first; if any is bad the whole file is refused with an
// *ImportError listing every problem by row, and nothing changes.
func (s *Service) ImportHomes(ctx context.Context, providerID int64, r io.Reader) (int, error) {
	rows, err := readCSV(r, HomeColumns)
	if err != nil {
		return 0, err
	}
	lots, _, err := s.AdmittedLots(ctx, providerID)
	if err != nil {
		return 0, err
	}
	var existing []Home
	if err := s.db.WithContext(ctx).Select("id", "ofsted_urn", "provider_id", "version").Find(&existing).Error; err != nil {
		return 0, err
	}
	byURN := map[string]Home{}
	for _, h := range existing {
		byURN[h.OfstedURN] = h
	}
	var errs []RowError
	parsed := make([]HomeFields, len(rows))
	seen := map[string]int{}
	for i, r := range rows {
		line, row := r.line, r.cells
		f, fe := ParseHome(HomeInput{Name: row["name"], OfstedURN: row["ofsted_urn"], HomeType: row["home_type"], OfstedRating: row["ofsted_rating"],
			InspectionDate: row["inspection_date"], RegisteredPlaces: row["registered_places"], MinAge: row["min_age"], MaxAge: row["max_age"],
			Sexes: row["sexes"], Postcode: row["postcode"], Needs: splitList(row["needs"]), Lots: splitList(row["lots"])}, lots, s.Now())
		for _, e := range fe {
			errs = append(errs, RowError{Row: line, Column: e.Field, Message: e.Message})
		}
		if h, ok := byURN[f.OfstedURN]; ok && h.ProviderID != providerID {
			errs = append(errs, RowError{Row: line, Column: "ofsted_urn", Message: "Another provider's home has this Ofsted URN"})
		}
		if prev, dup := seen[f.OfstedURN]; dup && f.OfstedURN != "" {
			errs = append(errs, RowError{Row: line, Column: "ofsted_urn", Message: fmt.Sprintf("The same URN is on row %d", prev)})
		}
		seen[f.OfstedURN] = line
		f.KeepContacts = true // the file has no address or manager columns
		parsed[i] = f
	}
	if len(errs) > 0 {
		return 0, &ImportError{Rows: errs}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ts := s.WithTx(tx)
		for i, f := range parsed {
			h := byURN[f.OfstedURN]
			if _, err := ts.SaveHome(ctx, providerID, h.ID, h.Version, f); err != nil {
				var fe kernel.FieldErrors
				if errors.As(err, &fe) {
					return &ImportError{Rows: []RowError{{Row: rows[i].line, Column: fe[0].Field, Message: fe[0].Message}}}
				}
				return fmt.Errorf("row %d: %w", rows[i].line, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(parsed), nil
}

// ImportVacancies sets the vacancies of the provider's homes (by Ofsted URN) from a CSV
// file, all or nothing, as ImportHomes. Returns ErrNotActive for a provider that is not
// admitted or is suspended.
func (s *Service) ImportVacancies(ctx context.Context, providerID int64, r io.Reader, by int64) (int, error) {
	if active, err := s.ActiveOnAnyFramework(ctx, providerID); err != nil {
		return 0, err
	} else if !active {
		return 0, ErrNotActive
	}
	rows, err := readCSV(r, VacancyColumns)
	if err != nil {
		return 0, err
	}
	homes, err := s.Homes(ctx, providerID)
	if err != nil {
		return 0, err
	}
	byURN := map[string]Home{}
	for _, h := range homes {
		byURN[h.OfstedURN] = h
	}
	type update struct {
		h Home
		v Vacancy
	}
	var ups []update
	var errs []RowError
	for _, r := range rows {
		line, row := r.line, r.cells
		h, ok := byURN[strings.ToUpper(row["ofsted_urn"])]
		if !ok {
			errs = append(errs, RowError{Row: line, Column: "ofsted_urn", Message: "None of your homes has this Ofsted URN"})
			continue
		}
		v, fe := ParseVacancy(row["beds_free"], row["next_free_date"], row["next_free_beds"])
		if fe == nil {
			if err := v.Validate(h, s.Now()); err != nil {
				errors.As(err, &fe)
			}
		}
		for _, e := range fe {
			errs = append(errs, RowError{Row: line, Column: e.Field, Message: e.Message})
		}
		ups = append(ups, update{h, v})
	}
	if len(errs) > 0 {
		return 0, &ImportError{Rows: errs}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ts := s.WithTx(tx)
		for _, u := range ups {
			if _, err := ts.SetVacancy(ctx, u.h, u.v, "csv", by); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ups), nil
}

// ParseVacancy reads a vacancy typed as text (beds free now; optionally a date in
// YYYY-MM-DD and the beds becoming free then).
func ParseVacancy(bedsFree, nextDate, nextBeds string) (Vacancy, kernel.FieldErrors) {
	var v Vacancy
	var fe kernel.FieldErrors
	n, err := strconv.Atoi(strings.TrimSpace(bedsFree))
	if err != nil || n < 0 {
		fe.Add("beds_free", "Enter the number of beds free now, like 0 or 2")
	}
	v.BedsFree = n
	nextDate, nextBeds = strings.TrimSpace(nextDate), strings.TrimSpace(nextBeds)
	if nextDate != "" {
		d, err := time.Parse("2006-01-02", nextDate)
		if err != nil {
			fe.Add("next_free_date", "Enter the date beds become free like 2026-12-01")
		} else {
			v.NextFreeDate = &d
		}
	}
	if nextBeds != "" {
		b, err := strconv.Atoi(nextBeds)
		if err != nil {
			fe.Add("next_free_beds", "Enter the number of beds becoming free as a whole number")
		} else {
			v.NextFreeBeds = &b
		}
	}
	return v, fe
}
