package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Missing-from-care episodes, as the statutory guidance defines them ("Statutory
// guidance on children who run away or go missing from home or care", DfE 2014): a
// child is missing when their whereabouts are not known, absent when they are away
// from the placement without authorisation but known to be safe where they are. The
// provider reports the episode and the return; the placing and the host council add
// the police reference and risk grade and record the return-home interview (RHI),
// which is offered within 72 hours of the return.

// Errors about episodes.
var (
	ErrEpisodeChanged = kernel.NewError(kernel.ErrConflict, "episode_changed",
		"Someone else changed this episode while you were looking at it: look at it again and make your change again.")
	ErrEpisodeOpen = kernel.NewError(kernel.ErrConflict, "episode_open", "The child has not returned yet: record the return first.")
)

// IncidentHints are the statutory definitions shown beside the kind of episode.
var IncidentHints = map[string]string{
	"missing": "Whereabouts not known, whatever the circumstances (SSDA903 code M).",
	"absent":  "Away from the placement without authorisation, but whereabouts known (SSDA903 code A).",
}

// RiskGrades are the risk grades the police give a missing person report, in the
// College of Policing's Authorised Professional Practice wording.
var RiskGrades = []Option{
	{Code: "no_apparent_risk", Label: "No apparent risk"},
	{Code: "low", Label: "Low risk"},
	{Code: "medium", Label: "Medium risk"},
	{Code: "high", Label: "High risk"},
}

// EpisodeEndings are how an episode ended.
var EpisodeEndings = []Option{
	{Code: "found", Label: "Found"},
	{Code: "returned", Label: "Returned of their own accord"},
}

// RHIResponsibles are who offers the return-home interview, as the councils agree: by
// default the host council when the home is outside the placing council's area.
var RHIResponsibles = []Option{
	{Code: "placing", Label: "The placing council"},
	{Code: "host", Label: "The host council"},
}

// EpisodeStates filter the episode lists.
var EpisodeStates = []Option{
	{Code: "open", Label: "Not yet returned"},
	{Code: "due", Label: "Interview due"},
	{Code: "overdue", Label: "Interview overdue"},
}

// RHIWindow is how long after the return the interview should be offered.
const RHIWindow = 72 * time.Hour

// RepeatEpisodes is how many episodes in the last 12 months make a child a repeat
// missing child.
const RepeatEpisodes = 3

// EpisodeSorts are the episode lists' sort keys.
var EpisodeSorts = kernel.Sorts{"child": "r.child_ref", "home": "h.name", "started": "i.started_at", "returned": "i.ended_at"}

// RHIDue is when the interview should have been offered by; zero while open.
func (in Incident) RHIDue() time.Time {
	if in.EndedAt == nil {
		return time.Time{}
	}
	return in.EndedAt.Add(RHIWindow)
}

// RHIState is the interview's state at now: "" while the episode is open, then
// "due", "overdue", "offered" (no answer yet), "declined", "accepted" or "done".
func (in Incident) RHIState(now time.Time) string {
	switch {
	case in.EndedAt == nil:
		return ""
	case in.RHIDoneAt != nil:
		return "done"
	case in.RHIAccepted != nil && *in.RHIAccepted:
		return "accepted"
	case in.RHIAccepted != nil:
		return "declined"
	case in.RHIOfferedAt != nil:
		return "offered"
	case now.After(in.RHIDue()):
		return "overdue"
	}
	return "due"
}

// OfferedInTime reports whether the interview was offered within 72 hours of the return.
func (in Incident) OfferedInTime() bool {
	return in.RHIOfferedAt != nil && in.EndedAt != nil && !in.RHIOfferedAt.After(in.RHIDue())
}

// EpisodeAmend changes an episode's police details, and (the provider) how it ended and
// where the child was found: the one input of the episode page's forms and PATCH. A
// field left out is kept; Version is the version the change was made against.
type EpisodeAmend struct {
	Version    int     `json:"version" form:"version" validate:"required,min=1" msg:"*=Reload the episode and make your change again"`
	PoliceRef  *string `json:"police_ref,omitempty" form:"police_ref" validate:"omitempty,max=40" msg:"*=The police reference must be 40 characters or fewer"`
	PoliceRisk *string `json:"police_risk,omitempty" form:"police_risk" validate:"omitempty,oneof=no_apparent_risk low medium high" msg:"*=Select the risk grade the police gave"`
	EndedHow   *string `json:"ended_how,omitempty" form:"ended_how" validate:"omitempty,oneof=found returned" msg:"*=Select found or returned of their own accord"`
	FoundArea  *string `json:"found_area,omitempty" form:"found_area" validate:"omitempty,max=9" msg:"*=Select the council area where the child was found"`
}

// RHIInput records the return-home interview: who is responsible, when it was offered,
// whether the child accepted, and when and by whom it was done. A field left out is
// kept; Version is the version the change was made against.
type RHIInput struct {
	Version        int        `json:"version" form:"version" validate:"required,min=1" msg:"*=Reload the episode and make your change again"`
	Responsible    string     `json:"responsible,omitempty" form:"responsible" validate:"omitempty,oneof=placing host" msg:"*=Select the placing or the host council"`
	OfferedAt      *time.Time `json:"offered_at,omitempty" form:"offered_at,datetime" label:"The date the interview was offered"`
	Accepted       *bool      `json:"accepted,omitempty" form:"accepted"`
	DeclinedReason string     `json:"declined_reason,omitempty" form:"declined_reason" validate:"max=500" msg:"*=The reason must be 500 characters or fewer"`
	DoneAt         *time.Time `json:"done_at,omitempty" form:"done_at,datetime" label:"The date the interview was done"`
	Interviewer    string     `json:"interviewer,omitempty" form:"interviewer" validate:"max=120" msg:"*=The interviewer must be 120 characters or fewer"`
}

// foundAreaRule checks an area where a child was found: an English council's ONS code.
func foundAreaRule(fe *kernel.FieldErrors, code string) {
	if c, ok := geo.CouncilByONS(code); code != "" && (!ok || !strings.HasPrefix(c.ONSCode, "E")) {
		fe.Add("found_area", "Select the English council area where the child was found")
	}
}

// returnRules are the checks on how an episode ended that need no database: the
// ending and the area are told only of an episode that has ended.
func returnRules(fe *kernel.FieldErrors, ended bool, how, area string) {
	foundAreaRule(fe, area)
	if !ended && how != "" {
		fe.Add("ended_how", "Say how the episode ended only once the child has returned")
	}
	if !ended && area != "" {
		fe.Add("found_area", "Say where the child was found only once the child has returned")
	}
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// EpisodeView is an episode as one organisation may see it, with its placement's facts.
type EpisodeView struct {
	Incident
	Access         Access
	ChildRef       string
	PlacingCouncil string
	Provider       string
	HomeID         int64
	HomeName       string
	HostCouncil    string
	HostArea       string // the home's council's ONS code
	CouncilID      int64
	HostCouncilID  *int64
	FoundAreaName  string
	DoneByName     string
	ChildEpisodes  int // the child's episodes in the 12 months to now
	Repeat         bool
}

// Council reports whether the viewer is the placing or the host council.
func (v EpisodeView) Council() bool { return v.Access == AccessCouncil || v.Access == AccessHost }

// episodeProjection keeps of an episode what access may see: the provider not the
// interview's declined reason or interviewer (the councils' business). The host council
// sees the provider's note, as on the placement page.
func episodeProjection(in Incident, access Access) Incident {
	if access == AccessProvider {
		in.RHIDeclinedReason, in.RHIInterviewer = "", ""
	}
	return in
}

// episodePlacement loads episode id and its placement, and how v sees them; anyone else
// gets ErrNotFound.
func episodePlacement(ctx context.Context, db *gorm.DB, id int64, v Viewer) (Incident, Placement, Access, error) {
	var in Incident
	var p Placement
	notFound := fmt.Errorf("episode %d: %w", id, kernel.ErrNotFound)
	if err := db.WithContext(ctx).First(&in, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return in, p, "", notFound
		}
		return in, p, "", err
	}
	if err := db.WithContext(ctx).First(&p, in.PlacementID).Error; err != nil {
		return in, p, "", err
	}
	a, ok := accessTo(p, v)
	if !ok {
		return Incident{}, Placement{}, "", notFound
	}
	return in, p, a, nil
}

// Episode returns episode id as v may see it, and audits the read of the child's record.
// Anyone else gets ErrNotFound.
func (s *Service) Episode(ctx context.Context, id int64, v Viewer) (EpisodeView, error) {
	in, p, access, err := episodePlacement(ctx, s.db, id, v)
	if err != nil {
		return EpisodeView{}, err
	}
	view := EpisodeView{Incident: episodeProjection(in, access), Access: access, CouncilID: p.CouncilID, HostCouncilID: p.HostCouncilID, HomeID: p.HomeID}
	f, err := facts(ctx, s.db, p)
	if err != nil {
		return view, err
	}
	view.ChildRef, view.PlacingCouncil, view.Provider, view.HomeName, view.HostCouncil = f.ChildRef, f.PlacingCouncil, f.Provider, f.HomeName, f.HostCouncil
	if c, ok := geo.CouncilByONS(deref(in.FoundArea)); ok {
		view.FoundAreaName = c.Name
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT coalesce((SELECT ons_code FROM organisations WHERE id = ?), '')`, p.HostCouncilID).Scan(&view.HostArea).Error; err != nil {
		return view, err
	}
	if in.RHIDoneBy != nil {
		if err := s.db.WithContext(ctx).Raw(`SELECT name FROM organisations WHERE id = ?`, *in.RHIDoneBy).Scan(&view.DoneByName).Error; err != nil {
			return view, err
		}
	}
	var n int64
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM placement_incidents i JOIN placements p ON p.id = i.placement_id
            JOIN placement_requests r ON r.id = p.request_id WHERE p.council_id = ? AND r.child_ref = ? AND i.started_at >= ?`,
		p.CouncilID, f.ChildRef, s.Now().AddDate(-1, 0, 0)).Scan(&n).Error; err != nil {
		return view, err
	}
	view.ChildEpisodes, view.Repeat = int(n), n >= RepeatEpisodes
	return view, audit.New(s.db).Record(ctx, "child.read", "placement_incident", fmt.Sprint(id), map[string]any{"child_ref": f.ChildRef, "access": string(access)})
}

// EpisodeRow is one episode in a list.
type EpisodeRow struct {
	Incident
	ChildRef       string
	PlacingCouncil string
	Provider       string
	HomeID         int64
	HomeName       string
	HostCouncil    string
	HostArea       string
	CouncilID      int64
	ProviderID     int64
	ChildEpisodes  int
	Access         Access `gorm:"-"`
}

// Repeat reports whether the child had RepeatEpisodes or more in the last 12 months.
func (r EpisodeRow) Repeat() bool { return r.ChildEpisodes >= RepeatEpisodes }

// Episodes lists the episodes v may see: the placing council its children's, the host
// council (commissioners and host users) those in homes in its area, a provider its
// homes'. lq filters by state (EpisodeStates), home (an id), area (the home's council's
// ONS code) and child (an exact reference), and searches child references and homes.
// The caller audits the read of the children's records.
func (s *Service) Episodes(ctx context.Context, v Viewer, lq kernel.ListQuery) ([]EpisodeRow, int64, error) {
	var fe kernel.FieldErrors
	for _, st := range lq.Values("state") {
		if !validCode(EpisodeStates, st) {
			fe.Add("state", fmt.Sprintf("%q is not an episode state: use open, due or overdue", st))
		}
	}
	var home int64
	if hs := lq.Values("home"); len(hs) > 0 {
		n, err := strconv.ParseInt(hs[0], 10, 64)
		if err != nil || n <= 0 {
			fe.Add("home", "The home must be a home's number")
		}
		home = n
	}
	area := ""
	if as := lq.Values("area"); len(as) > 0 {
		area = as[0]
		if _, ok := geo.CouncilByONS(area); !ok {
			fe.Add("area", "The area must be a council's ONS code, such as E08000003")
		}
	}
	if len(fe) > 0 {
		return nil, 0, fe
	}
	now := s.Now()
	q := s.db.WithContext(ctx).Table("placement_incidents i").
		Joins("JOIN placements p ON p.id = i.placement_id").
		Joins("JOIN placement_requests r ON r.id = p.request_id").
		Joins("JOIN organisations pc ON pc.id = p.council_id").
		Joins("JOIN organisations pr ON pr.id = p.provider_id").
		Joins("JOIN homes h ON h.id = p.home_id").
		Joins("LEFT JOIN organisations hc ON hc.id = p.host_council_id")
	q, ok := scopePlacements(q, v)
	if !ok {
		return nil, 0, nil
	}
	if home > 0 {
		q = q.Where("p.home_id = ?", home)
	}
	if area != "" {
		q = q.Where("hc.ons_code = ?", area)
	}
	if cs := lq.Values("child"); len(cs) > 0 {
		q = q.Where("r.child_ref = ?", cs[0])
	}
	if like := lq.Like(); like != "" {
		q = q.Where("(r.child_ref ILIKE ? OR h.name ILIKE ?)", like, like)
	}
	if states := lq.Values("state"); len(states) > 0 {
		var ors []string
		var args []any
		for _, st := range states {
			switch st {
			case "open":
				ors = append(ors, "i.ended_at IS NULL")
			case "due":
				ors = append(ors, "(i.ended_at IS NOT NULL AND i.rhi_offered_at IS NULL AND i.ended_at + interval '72 hours' >= ?)")
				args = append(args, now)
			case "overdue":
				ors = append(ors, "(i.ended_at IS NOT NULL AND i.rhi_offered_at IS NULL AND i.ended_at + interval '72 hours' < ?)")
				args = append(args, now)
			}
		}
		q = q.Where("("+strings.Join(ors, " OR ")+")", args...)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []EpisodeRow
	err := q.Select(`i.*, r.child_ref, pc.name AS placing_council, pr.name AS provider, h.id AS home_id, h.name AS home_name,
            coalesce(hc.name, '') AS host_council, coalesce(hc.ons_code, '') AS host_area, p.council_id, p.provider_id,
            (SELECT count(*) FROM placement_incidents i2 JOIN placements p2 ON p2.id = i2.placement_id JOIN placement_requests r2 ON r2.id = p2.request_id
              WHERE p2.council_id = p.council_id AND r2.child_ref = r.child_ref AND i2.started_at >= ?) AS child_episodes`, now.AddDate(-1, 0, 0)).
		Order(EpisodeSorts.OrderBy(lq, "i.started_at DESC", "i.id DESC")).Scopes(lq.Page.Scope).Scan(&rows).Error
	for i := range rows {
		switch {
		case v.Kind == kernel.KindProvider:
			rows[i].Access = AccessProvider
		case rows[i].CouncilID == v.OrgID && !v.HostOnly:
			rows[i].Access = AccessCouncil
		default:
			rows[i].Access = AccessHost
		}
		rows[i].Incident = episodeProjection(rows[i].Incident, rows[i].Access)
	}
	return rows, total, err
}

// change is one field an amendment changed, for the audit log.
type change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// changes collects what an amendment sets, skipping what it leaves as it was.
type changes struct {
	set  map[string]any
	list []change
}

func (c *changes) put(column string, from, to any) {
	if fmt.Sprint(from) == fmt.Sprint(to) {
		return
	}
	if c.set == nil {
		c.set = map[string]any{}
	}
	c.set[column] = to
	c.list = append(c.list, change{Field: column, From: from, To: to})
}

func show(p any) any {
	switch v := p.(type) {
	case *string:
		if v == nil {
			return nil
		}
		return *v
	case *bool:
		if v == nil {
			return nil
		}
		return *v
	case *time.Time:
		if v == nil {
			return nil
		}
		return v.UTC().Format(time.RFC3339)
	case *int64:
		if v == nil {
			return nil
		}
		return *v
	}
	return p
}

// saveEpisode writes what c changed of episode in as a conditional update on version
// (ErrEpisodeChanged when someone changed it since), and audits it as action.
func (s *Service) saveEpisode(ctx context.Context, tx *gorm.DB, in *Incident, version int, c changes, action string) error {
	if len(c.list) == 0 {
		return nil
	}
	c.set["version"] = gorm.Expr("version + 1")
	c.set["updated_at"] = s.Now()
	res := tx.Model(&Incident{}).Where("id = ? AND version = ?", in.ID, version).Updates(c.set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrEpisodeChanged
	}
	if err := tx.First(in, in.ID).Error; err != nil {
		return err
	}
	return audit.New(tx).Record(ctx, action, "placement_incident", fmt.Sprint(in.ID), map[string]any{"placement_id": in.PlacementID, "changes": c.list})
}

// AmendEpisode changes an episode's police reference and risk grade (the provider, the
// placing council and the host council) and how it ended and where the child was found
// (the provider), keeping every field the input leaves out. Returns ErrNotFound to
// anyone else, field errors for bad input or a field the viewer may not change, and
// ErrEpisodeChanged when the episode changed since version.
func (s *Service) AmendEpisode(ctx context.Context, id int64, v Viewer, in EpisodeAmend) (Incident, error) {
	var ep Incident
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, _, access, err := episodePlacement(ctx, tx, id, v)
		if err != nil {
			return err
		}
		fe := kernel.Check(&in)
		if access != AccessProvider {
			if in.EndedHow != nil {
				fe.Add("ended_how", "Only the provider records how the episode ended")
			}
			if in.FoundArea != nil {
				fe.Add("found_area", "Only the provider records where the child was found")
			}
		}
		if !fe.Has("found_area") && !fe.Has("ended_how") {
			returnRules(&fe, cur.EndedAt != nil, deref(in.EndedHow), deref(in.FoundArea))
		}
		if len(fe) > 0 {
			return fe
		}
		var c changes
		if in.PoliceRef != nil {
			c.put("police_ref", cur.PoliceRef, strings.TrimSpace(*in.PoliceRef))
		}
		if in.PoliceRisk != nil {
			c.put("police_risk", show(cur.PoliceRisk), show(nullString(*in.PoliceRisk)))
		}
		if in.EndedHow != nil {
			c.put("ended_how", show(cur.EndedHow), show(nullString(*in.EndedHow)))
		}
		if in.FoundArea != nil {
			c.put("found_area", show(cur.FoundArea), show(nullString(strings.TrimSpace(*in.FoundArea))))
		}
		ep = cur
		return s.saveEpisode(ctx, tx, &ep, in.Version, c, "missing.amend")
	})
	return episodeProjection(ep, accessOrProvider(v)), err
}

// accessOrProvider is the projection for what a viewer just wrote: they may see it.
func accessOrProvider(v Viewer) Access {
	if v.Kind == kernel.KindProvider {
		return AccessProvider
	}
	return AccessCouncil
}

// RecordInterview records the return-home interview of an ended episode: the placing or
// the host council only (ErrNotFound for anyone else, ErrEpisodeOpen before the
// return). Fields left out are kept; the interview is done by the recording council.
// Returns field errors for input that does not add up (done before the return, done
// without being accepted…) and ErrEpisodeChanged when the episode changed since version.
func (s *Service) RecordInterview(ctx context.Context, id int64, v Viewer, in RHIInput) (Incident, error) {
	var ep Incident
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, _, access, err := episodePlacement(ctx, tx, id, v)
		if err != nil {
			return err
		}
		if access != AccessCouncil && access != AccessHost {
			return fmt.Errorf("episode %d: %w", id, kernel.ErrNotFound)
		}
		fe := kernel.Check(&in)
		if len(fe) > 0 {
			return fe
		}
		if cur.EndedAt == nil {
			return ErrEpisodeOpen
		}
		// What the interview will be once this input is applied.
		next := cur
		if in.Responsible != "" {
			next.RHIResponsible = in.Responsible
		}
		if in.OfferedAt != nil {
			next.RHIOfferedAt = in.OfferedAt
		}
		if in.Accepted != nil {
			next.RHIAccepted = in.Accepted
		}
		if r := strings.TrimSpace(in.DeclinedReason); r != "" {
			next.RHIDeclinedReason = r
		}
		if in.DoneAt != nil {
			next.RHIDoneAt, next.RHIDoneBy = in.DoneAt, &v.OrgID
		}
		if r := strings.TrimSpace(in.Interviewer); r != "" {
			next.RHIInterviewer = r
		}
		if fe := interviewRules(next, s.Now()); len(fe) > 0 {
			return fe
		}
		var c changes
		c.put("rhi_responsible", cur.RHIResponsible, next.RHIResponsible)
		c.put("rhi_offered_at", show(cur.RHIOfferedAt), show(next.RHIOfferedAt))
		c.put("rhi_accepted", show(cur.RHIAccepted), show(next.RHIAccepted))
		c.put("rhi_declined_reason", cur.RHIDeclinedReason, next.RHIDeclinedReason)
		c.put("rhi_done_at", show(cur.RHIDoneAt), show(next.RHIDoneAt))
		c.put("rhi_done_by", show(cur.RHIDoneBy), show(next.RHIDoneBy))
		c.put("rhi_interviewer", cur.RHIInterviewer, next.RHIInterviewer)
		ep = cur
		return s.saveEpisode(ctx, tx, &ep, in.Version, c, "missing.interview")
	})
	return ep, err
}

// interviewRules are the checks on an interview as it would be recorded: the database
// refuses the same (migration 00045), these say so beside the fields.
func interviewRules(in Incident, now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	ended := *in.EndedAt
	if t := in.RHIOfferedAt; t != nil && (t.Before(ended) || t.After(now)) {
		fe.Add("offered_at", "Enter when the interview was offered: after the child returned and not in the future")
	}
	if in.RHIAccepted != nil && in.RHIOfferedAt == nil {
		fe.Add("offered_at", "Enter when the interview was offered")
	}
	if in.RHIDeclinedReason != "" && (in.RHIAccepted == nil || *in.RHIAccepted) {
		fe.Add("declined_reason", "Give a reason only when the child declined the interview")
	}
	if in.RHIDoneAt != nil {
		if in.RHIAccepted == nil || !*in.RHIAccepted {
			fe.Add("accepted", "An interview is done only when the child accepted it: select yes")
		}
		if t := *in.RHIDoneAt; t.Before(ended) || t.After(now) {
			fe.Add("done_at", "Enter when the interview was done: after the child returned and not in the future")
		}
		if in.RHIInterviewer == "" {
			fe.Add("interviewer", "Enter who did the interview: their role or name")
		}
	} else if in.RHIInterviewer != "" {
		fe.Add("done_at", "Enter when the interview was done")
	}
	return fe
}

// rhiReminderLock is the advisory-lock key of the interview reminder job.
const rhiReminderLock = 7_301_045

// RemindInterviews emails, once per episode, the council responsible for the return-home
// interview of each ended episode whose interview has not been offered and whose
// 72-hour window closes within the next 24 hours: its commissioners, and for the host
// council its statutory mailbox too. rhi_reminded_at is set by a conditional update,
// so a second run, or a second replica, sends nothing again. It returns how many
// episodes it reminded of.
func (s *Service) RemindInterviews(ctx context.Context) (int, error) {
	sent := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var got bool
		if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?)", rhiReminderLock).Scan(&got).Error; err != nil {
			return err
		}
		if !got {
			return nil
		}
		now := s.Now()
		var due []Incident
		if err := tx.Where("ended_at IS NOT NULL AND rhi_offered_at IS NULL AND rhi_reminded_at IS NULL AND ended_at > ? AND ended_at <= ?",
			now.Add(-RHIWindow), now.Add(-RHIWindow+24*time.Hour)).Order("ended_at, id").Find(&due).Error; err != nil {
			return err
		}
		for _, in := range due {
			res := tx.Model(&Incident{}).Where("id = ? AND rhi_reminded_at IS NULL AND rhi_offered_at IS NULL", in.ID).Update("rhi_reminded_at", now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			if err := s.remindInterview(ctx, tx, in); err != nil {
				return fmt.Errorf("remind episode %d: %w", in.ID, err)
			}
			sent++
		}
		return nil
	})
	return sent, err
}

func (s *Service) remindInterview(ctx context.Context, tx *gorm.DB, in Incident) error {
	var p Placement
	if err := tx.First(&p, in.PlacementID).Error; err != nil {
		return err
	}
	f, err := facts(ctx, tx, p)
	if err != nil {
		return err
	}
	org, host := p.CouncilID, false
	if in.RHIResponsible == "host" && p.HostCouncilID != nil {
		org, host = *p.HostCouncilID, *p.HostCouncilID != p.CouncilID
	}
	roles := []kernel.Role{kernel.RoleCommissioner}
	if host {
		roles = append(roles, kernel.RoleHostCouncilUser)
	}
	subject := fmt.Sprintf("Return-home interview due by %s: %s", in.RHIDue().In(london).Format("2 January 2006 at 15:04"), f.ChildRef)
	body := fmt.Sprintf("The child placed by %s (reference %s) at %s returned from a %s episode on %s. "+
		"Your council is responsible for offering the return-home interview, within 72 hours of the return: by %s. No offer is recorded yet.",
		f.PlacingCouncil, f.ChildRef, f.HomeName, strings.ToLower(Label(IncidentKinds, in.Kind)),
		in.EndedAt.In(london).Format("2 January 2006 at 15:04"), in.RHIDue().In(london).Format("2 January 2006 at 15:04"))
	return s.tell(ctx, tx, p.RequestID, notify.Message{OrgID: org, PlacementID: p.ID, Kind: "incident", Subject: subject, Body: body,
		Path: fmt.Sprintf("/missing/%d", in.ID), Inbox: true, Mailbox: host, Roles: roles})
}
