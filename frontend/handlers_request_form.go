package frontend

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The commissioner's request form: three short pages (the child, their needs, the
// placement wanted), each saving the draft, then check your answers on the request's
// own page, from which it is sent.

var requestSteps = map[string]string{"child": "About the child", "needs": "Needs and risks", "placement": "The placement"}

func (s *Server) newRequestPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "request_child", requestSteps["child"], s.requestFormData(c, nil), withForm(map[string]string{}, nil))
}

// draftRequest loads the council's draft in the URL.
func (s *Server) draftRequest(c echo.Context) (marketplace.PlacementRequest, error) {
	id, err := requestID(c)
	if err != nil {
		return marketplace.PlacementRequest{}, err
	}
	r, err := s.deps.Requests.Request(c.Request().Context(), id, currentOrg(c).ID)
	if err == nil && !r.Status.IsDraft() {
		return r, marketplace.ErrNotDraft
	}
	return r, err
}

func (s *Server) requestFormData(c echo.Context, r *marketplace.PlacementRequest) map[string]any {
	data := map[string]any{"R": r, "Legal": marketplace.LegalStatuses, "Needs": kernel.Needs, "Tiers": options(marketplace.Tiers)}
	ctx := c.Request().Context()
	if consortium, ok := consortiumOf(c); ok {
		var lots [][2]string
		if fws, err := s.deps.Frameworks.Frameworks(ctx, consortium); err == nil {
			for _, f := range fws {
				for _, l := range f.Lots {
					lots = append(lots, [2]string{strconv.FormatInt(l.ID, 10), l.Name})
				}
			}
		}
		data["Lots"] = lots
		var councils [][2]string
		if cs, err := s.deps.Orgs.Councils(ctx, consortium); err == nil {
			for _, co := range cs {
				if co.ID != currentOrg(c).ID {
					councils = append(councils, [2]string{strconv.FormatInt(co.ID, 10), co.Name})
				}
			}
		}
		data["Councils"] = councils
	}
	return data
}

// requestForm is a draft as the form shows it.
func requestForm(r marketplace.PlacementRequest) map[string]string {
	f := map[string]string{"child_ref": r.ChildRef, "needs": strings.Join(r.Needs, ","), "needs_detail": r.NeedsDetail, "school_year": r.SchoolYear, "first_language": r.FirstLanguage, "family_details": r.FamilyDetails}
	itoa := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	f["age_years"], f["birth_month"], f["birth_year"], f["within_miles"], f["duration_weeks"] = itoa(r.AgeYears), itoa(r.BirthMonth), itoa(r.BirthYear), itoa(r.WithinMiles), itoa(r.DurationWeeks)
	for k, p := range map[string]*string{"sex": r.Sex, "legal_status": r.LegalStatus, "home_outcode": r.HomeOutcode, "tier": r.Tier} {
		if p != nil {
			f[k] = *p
		}
	}
	if r.EHCP != nil {
		f["ehcp"] = map[bool]string{true: "yes", false: "no"}[*r.EHCP]
	}
	if r.LotID != nil {
		f["lot_id"] = strconv.FormatInt(*r.LotID, 10)
	}
	var avoid []string
	for _, a := range r.AvoidCouncils {
		avoid = append(avoid, strconv.FormatInt(a, 10))
	}
	f["avoid"] = strings.Join(avoid, ",")
	setDateParts(f, "start_date", r.StartDate)
	setDateTimeParts(f, "deadline", r.Deadline)
	if r.Emergency {
		f["emergency"] = "yes"
	}
	return f
}

func (s *Server) requestStepPage(c echo.Context) error {
	step := c.Param("step")
	if _, ok := requestSteps[step]; !ok {
		return echo.ErrNotFound
	}
	r, err := s.draftRequest(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "request_"+step, requestSteps[step], s.requestFormData(c, &r), withForm(requestForm(r), nil))
}

// saveRequestStep applies one page of the form to the draft (creating it from the first
// page) and goes on to the next page, or back to check your answers.
func (s *Server) saveRequestStep(c echo.Context) error {
	step := c.Param("step")
	if step == "" {
		step = "child"
	}
	if _, ok := requestSteps[step]; !ok {
		return echo.ErrNotFound
	}
	r := marketplace.PlacementRequest{CouncilID: currentOrg(c).ID}
	if c.Param("id") != "" {
		var err error
		if r, err = s.draftRequest(c); err != nil {
			return err
		}
	} else {
		u, _ := currentUser(c)
		r.CreatedBy = &u.ID
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	vals, _ := c.FormParams()
	var fe kernel.FieldErrors
	num := func(field string) *int {
		v := strings.TrimSpace(form[field])
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fe.Add(field, "Enter a whole number")
			return nil
		}
		return &n
	}
	str := func(field string) *string {
		if v := strings.TrimSpace(form[field]); v != "" {
			return &v
		}
		return nil
	}
	switch step {
	case "child":
		var in marketplace.RequestChild
		if form, fe, err = s.decodeForm(c, &in); err != nil {
			return err
		}
		in.Apply(&r)
		// The month and year of birth are one question on the page.
		if i := slices.IndexFunc(fe, func(e kernel.FieldError) bool { return e.Field == "birth_year" }); i >= 0 {
			if fe.Has("birth_month") {
				fe = slices.Delete(fe, i, i+1)
			} else {
				fe[i].FormID = "birth_month"
			}
		}
	case "needs":
		var in marketplace.RequestNeeds
		if form, fe, err = s.decodeForm(c, &in); err != nil {
			return err
		}
		in.Apply(&r)
	case "placement":
		r.HomeOutcode, r.HomeLat, r.HomeLon = nil, nil, nil
		if err := r.SetHome(form["home_outcode"]); err != nil {
			fe.Add("home_outcode", "Enter the postcode district of the child's home that we know, like M14")
		}
		r.WithinMiles, r.DurationWeeks, r.Tier = num("within_miles"), num("duration_weeks"), str("tier")
		if id, err := strconv.ParseInt(form["lot_id"], 10, 64); err == nil {
			r.LotID = &id
		} else {
			fe.Add("lot_id", "Select the lot")
		}
		r.AvoidCouncils = nil
		for _, v := range vals["avoid"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				r.AvoidCouncils = append(r.AvoidCouncils, id)
			}
		}
		start, msg := dateParts(form, "start_date", "The start date")
		if start == nil {
			fe.Add("start_date-day", firstNonEmpty(msg, "Enter the date the placement should start"))
		}
		r.StartDate = start
		r.Emergency = form["emergency"] == "yes"
		r.Deadline = dateTimeParts(form, "deadline", "The response deadline", "Enter the date by which providers must respond", &fe)
		for _, f := range []struct{ field, msg string }{{"within_miles", "Enter how many miles from home the placement must be within"}, {"tier", "Select the needs tier"}, {"duration_weeks", "Enter the expected duration in weeks"}} {
			if strings.TrimSpace(form[f.field]) == "" && !fe.Has(f.field) {
				fe.Add(f.field, f.msg)
			}
		}
	}
	if fe == nil {
		err := s.deps.Requests.SaveDraft(c.Request().Context(), &r)
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "request_"+step, requestSteps[step], s.requestFormData(c, &r), withForm(form, fe))
	}
	next := map[string]string{"child": "needs", "needs": "placement"}[step]
	if next == "" || c.QueryParam("check") == "1" {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", r.ID))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d/edit/%s", r.ID, next))
}
