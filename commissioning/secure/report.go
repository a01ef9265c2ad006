package secure

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Report is the daily national report.
type Report struct {
	Date        time.Time
	Board       Board
	Waiting     []WaitingChild
	Allocations []ReportAllocation // in the last 24 hours
	Declines    []ReasonCount      // in the last 24 hours
	CrossBorder []ReportAllocation // children allocated to or living in Welsh or Scottish units
}

// ReportAllocation is an allocation as the report shows it.
type ReportAllocation struct {
	ReferralID  int64
	ChildRef    string
	Council     string
	Home        string
	Country     string
	Bed         string
	AllocatedAt time.Time
	Status      ReferralStatus
}

// ReasonCount counts declines by reason.
type ReasonCount struct {
	Reason string
	Count  int
}

// DailyReport gathers the report as it stands now.
func (s *Service) DailyReport(ctx context.Context) (Report, error) {
	rep := Report{Date: s.today()}
	var err error
	if rep.Board, err = s.Board(ctx); err != nil {
		return rep, err
	}
	if rep.Waiting, err = s.WaitingList(ctx); err != nil {
		return rep, err
	}
	const allocations = `SELECT r.id AS referral_id, r.child_ref, c.name AS council, h.name AS home, h.country, b.label AS bed, r.allocated_at, r.status
        FROM secure_referrals r JOIN organisations c ON c.id = r.council_id JOIN secure_beds b ON b.id = r.allocated_bed_id
        JOIN secure_homes h ON h.id = b.home_id LEFT JOIN secure_placements p ON p.referral_id = r.id`
	since := s.Now().Add(-24 * time.Hour)
	if err := s.db.WithContext(ctx).Raw(allocations+" WHERE r.allocated_at >= ? ORDER BY r.allocated_at", since).Scan(&rep.Allocations).Error; err != nil {
		return rep, err
	}
	if err := s.db.WithContext(ctx).Raw(allocations + " WHERE h.country <> 'england' AND r.status IN ('allocated', 'placed') AND p.discharged_on IS NULL ORDER BY r.allocated_at").
		Scan(&rep.CrossBorder).Error; err != nil {
		return rep, err
	}
	err = s.db.WithContext(ctx).Raw(`SELECT decline_reason AS reason, count(*) AS count FROM secure_circulations
        WHERE response = 'declined' AND responded_at >= ? GROUP BY decline_reason ORDER BY count(*) DESC, decline_reason`, since).Scan(&rep.Declines).Error
	return rep, err
}

// WriteCSV writes the report as one CSV with a section column.
func (rep Report) WriteCSV(w io.Writer) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write("section", "name", "detail", "value", "value2", "value3", "value4"); err != nil {
		return err
	}
	for _, h := range rep.Board.Homes {
		if err := cw.Write("beds", h.Name, h.Country, fmt.Sprintf("free %d", h.Free), fmt.Sprintf("occupied %d", h.Occupied), fmt.Sprintf("held %d", h.Held), fmt.Sprintf("closed %d", h.Closed)); err != nil {
			return err
		}
	}
	for _, c := range rep.Waiting {
		if err := cw.Write("waiting", c.ChildRef, c.Council, fmt.Sprintf("%d days", c.DaysWaiting), Label(Urgencies, c.Urgency), Label(LegalPositions, c.LegalPosition), c.Paused); err != nil {
			return err
		}
	}
	for _, a := range rep.Allocations {
		if err := cw.Write("allocated_24h", a.ChildRef, a.Council, a.Home, a.Bed, a.AllocatedAt.In(london).Format(time.RFC3339), string(a.Status)); err != nil {
			return err
		}
	}
	for _, d := range rep.Declines {
		if err := cw.Write("declines_24h", Label(DeclineReasons, d.Reason), "", fmt.Sprint(d.Count), "", "", ""); err != nil {
			return err
		}
	}
	for _, a := range rep.CrossBorder {
		if err := cw.Write("cross_border", a.ChildRef, a.Council, a.Home, a.Country, string(a.Status), ""); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// Text is the report as an email body.
func (rep Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Secure welfare: the national picture on %s\n\n", rep.Date.Format(day))
	fmt.Fprintf(&b, "Free welfare beds: %d of %d beds; %d expected to free up within 7 days.\n", rep.Board.FreeWelfare, rep.Board.Total, rep.Board.Soon)
	for _, r := range rep.Board.ByRegion {
		fmt.Fprintf(&b, "  %s: %d free\n", r.Region, r.Free)
	}
	fmt.Fprintf(&b, "\nChildren waiting: %d\n", len(rep.Waiting))
	for _, c := range rep.Waiting {
		fmt.Fprintf(&b, "  %s (%s), %d days, %s\n", c.ChildRef, c.Council, c.DaysWaiting, Label(Urgencies, c.Urgency))
	}
	fmt.Fprintf(&b, "\nAllocations in the last 24 hours: %d\n", len(rep.Allocations))
	for _, a := range rep.Allocations {
		fmt.Fprintf(&b, "  %s (%s) to %s, bed %s\n", a.ChildRef, a.Council, a.Home, a.Bed)
	}
	fmt.Fprintf(&b, "\nDeclines in the last 24 hours:\n")
	for _, d := range rep.Declines {
		fmt.Fprintf(&b, "  %s: %d\n", Label(DeclineReasons, d.Reason), d.Count)
	}
	fmt.Fprintf(&b, "\nCross-border placements: %d\n", len(rep.CrossBorder))
	return b.String()
}

// SendDailyReport emails today's report to every subscriber once the configured time has
// passed. It sends at most once a day however many processes call it: the day's row in
// daily_reports is claimed first, in the same transaction as the emails.
func (s *Service) SendDailyReport(ctx context.Context, at time.Duration) (bool, error) {
	now := s.Now().In(london)
	if now.Sub(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, london)) < at {
		return false, nil
	}
	rep, err := s.DailyReport(ctx)
	if err != nil {
		return false, err
	}
	sent := false
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var users []struct {
			ID          int64
			Name, Email string
		}
		if err := tx.Raw(`SELECT u.id, u.name, u.email FROM report_subscriptions s JOIN users u ON u.id = s.user_id
            WHERE u.disabled_at IS NULL ORDER BY u.id`).Scan(&users).Error; err != nil {
			return err
		}
		res := tx.Exec("INSERT INTO daily_reports (report_date, recipients) VALUES (?, ?) ON CONFLICT DO NOTHING", rep.Date, len(users))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		sent = true
		for _, u := range users {
			if err := s.notify.SendToUser(ctx, tx, &u.ID, notify.Message{Subject: "Secure welfare daily report, " + rep.Date.Format(day),
				Body: rep.Text(), Path: "/secure/report"}); err != nil {
				return err
			}
		}
		return nil
	})
	return sent, err
}

// Subscribed reports whether a user receives the daily report.
func (s *Service) Subscribed(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("report_subscriptions").Where("user_id = ?", userID).Count(&n).Error
	return n > 0, err
}

// Subscribe turns the daily report email on or off for a user.
func (s *Service) Subscribe(ctx context.Context, userID int64, on bool) error {
	if on {
		return s.db.WithContext(ctx).Exec("INSERT INTO report_subscriptions (user_id) VALUES (?) ON CONFLICT DO NOTHING", userID).Error
	}
	return s.db.WithContext(ctx).Exec("DELETE FROM report_subscriptions WHERE user_id = ?", userID).Error
}

// Metrics are the SWCU's measures over time.
type Metrics struct {
	Allocated    int
	MedianDays   float64
	P90Days      float64
	Declines     []ReasonCount
	Days         []time.Time
	Occupancy    []HomeOccupancy
	MaxOccupancy int
}

// HomeOccupancy is a home's occupied and held beds at the end of each day.
type HomeOccupancy struct {
	Home   string
	Beds   int
	ByDay  []int
	Latest int
}

// Metrics computes the median and 90th percentile days from referral to allocation, the
// declines by reason, and each home's occupancy at the end of each of the last days.
func (s *Service) Metrics(ctx context.Context, days int) (Metrics, error) {
	var m Metrics
	var row struct {
		N      int
		Median *float64
		P90    *float64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM allocated_at - submitted_at) / 86400) AS median,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM allocated_at - submitted_at) / 86400) AS p90
        FROM secure_referrals WHERE allocated_at IS NOT NULL`).Scan(&row).Error
	if err != nil {
		return m, err
	}
	m.Allocated = row.N
	if row.Median != nil {
		m.MedianDays, m.P90Days = round1(*row.Median), round1(*row.P90)
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT decline_reason AS reason, count(*) AS count FROM secure_circulations WHERE response = 'declined'
        GROUP BY decline_reason ORDER BY count(*) DESC, decline_reason`).Scan(&m.Declines).Error; err != nil {
		return m, err
	}
	m.Days = occupancyDays(s.Now(), days)
	if len(m.Days) == 0 {
		return m, nil
	}
	// Each bed's state at the end of each day is its last change before then (a bed with
	// no change before the day counts by its first recorded state). The database reads
	// each bed's last change before the window and its changes in it, both from the
	// bed's index, and the days are folded here: joined in SQL (beds × days × a lateral
	// lookup) the planner's estimate made it compile the query (JIT) for 700 ms.
	from, to := m.Days[0], m.Days[len(m.Days)-1].AddDate(0, 0, 1)
	var rows []bedState
	err = s.db.WithContext(ctx).Raw(`SELECT h.name AS home, b.id AS bed_id, c.status, c.changed_at
        FROM secure_homes h JOIN secure_beds b ON b.home_id = h.id
        LEFT JOIN LATERAL (
            (SELECT c.status, c.changed_at, c.id FROM secure_bed_changes c WHERE c.bed_id = b.id AND c.changed_at < @from
                ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)
            UNION ALL
            (SELECT c.status, c.changed_at, c.id FROM secure_bed_changes c WHERE c.bed_id = b.id AND c.changed_at >= @from AND c.changed_at < @to)
        ) c ON true
        ORDER BY h.name, b.id, c.changed_at, c.id`, map[string]any{"from": from, "to": to}).Scan(&rows).Error
	if err != nil {
		return m, err
	}
	m.Occupancy, m.MaxOccupancy = foldOccupancy(m.Days, rows)
	return m, nil
}

// bedState is one change of a bed's state (Status nil for a bed with none), in order
// of home, bed and time.
type bedState struct {
	Home      string
	BedID     int64
	Status    *string
	ChangedAt *time.Time
}

// occupancyDays are the starts of the last n days in London, today last.
func occupancyDays(now time.Time, n int) []time.Time {
	local := now.In(london)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, london)
	days := make([]time.Time, 0, max(n, 0))
	for i := n - 1; i >= 0; i-- {
		days = append(days, today.AddDate(0, 0, -i))
	}
	return days
}

// foldOccupancy counts each home's occupied and held beds at the end of each day from
// its beds' changes, and the most beds any home has.
func foldOccupancy(days []time.Time, changes []bedState) ([]HomeOccupancy, int) {
	var out []HomeOccupancy
	most := 0
	for i := 0; i < len(changes); {
		home := changes[i].Home
		o := HomeOccupancy{Home: home, ByDay: make([]int, len(days))}
		for i < len(changes) && changes[i].Home == home {
			bed := changes[i].BedID
			j := i
			for j < len(changes) && changes[j].Home == home && changes[j].BedID == bed {
				j++
			}
			o.Beds++
			k := i // the bed's first change, standing for the days before it
			for d, start := range days {
				end := start.AddDate(0, 0, 1)
				for k+1 < j && changes[k+1].ChangedAt != nil && changes[k+1].ChangedAt.Before(end) {
					k++
				}
				if st := changes[k].Status; st != nil && (*st == "occupied" || *st == "held") {
					o.ByDay[d]++
				}
			}
			i = j
		}
		o.Latest = o.ByDay[len(o.ByDay)-1]
		most = max(most, o.Beds)
		out = append(out, o)
	}
	return out, most
}

// RemindDue emails councils whose referrals' 14-day update or 3-monthly review falls due
// within two days (once per due date), run by one process at a time.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	sent := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var got bool
		if err := tx.Raw("SELECT pg_try_advisory_xact_lock(hashtext('hearth.secure.reminders'))").Scan(&got).Error; err != nil || !got {
			return err
		}
		var refs []Referral
		if err := tx.Where("status IN ('received', 'circulated', 'offers')").Find(&refs).Error; err != nil {
			return err
		}
		now := s.Now()
		soon := now.Add(48 * time.Hour)
		for _, r := range refs {
			var raw struct{ UpdateRemindedFor, ReviewRemindedFor *time.Time }
			if err := tx.Raw("SELECT update_reminded_for, review_reminded_for FROM secure_referrals WHERE id = ?", r.ID).Scan(&raw).Error; err != nil {
				return err
			}
			for _, due := range []struct {
				what   string
				at     time.Time
				last   *time.Time
				column string
			}{{"14-day update", r.UpdateDue(), raw.UpdateRemindedFor, "update_reminded_for"}, {"3-monthly review", r.ReviewDue(), raw.ReviewRemindedFor, "review_reminded_for"}} {
				if due.at.After(soon) || (due.last != nil && due.last.Equal(due.at)) {
					continue
				}
				verb := "is due by"
				if now.After(due.at) {
					verb = "was due on"
				}
				if err := s.notify.Send(ctx, tx, notify.Message{OrgID: r.CouncilID, Kind: "secure", Inbox: true, Roles: []kernel.Role{kernel.RoleCommissioner},
					Subject: fmt.Sprintf("Secure referral %s: the %s %s %s", r.ChildRef, due.what, verb, due.at.In(london).Format(day)),
					Body:    fmt.Sprintf("The %s of secure referral %s %s %s. When it is overdue the search pauses until you update the referral.", due.what, r.ChildRef, verb, due.at.In(london).Format(day)),
					Path:    fmt.Sprintf("/secure/referrals/%d", r.ID)}); err != nil {
					return err
				}
				if err := tx.Exec("UPDATE secure_referrals SET "+due.column+" = ? WHERE id = ?", due.at, r.ID).Error; err != nil {
					return err
				}
				sent++
			}
		}
		return nil
	})
	return sent, err
}
