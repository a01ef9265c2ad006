package frontend

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The commissioner's request form: three short pages (the child, their needs, the
// placement wanted), each read into its own input struct from marketplace (the one the
// API decodes too) and prefilled from it, each saving the draft; then check your
// answers on the request's own page, from which it is sent.

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

// requestFormData is what the form's pages and check your answers show: the options,
// with the lots' and councils' names by id, and whether the page was opened from check
// your answers (then saving goes back there).
func (s *Server) requestFormData(c echo.Context, r *marketplace.PlacementRequest) map[string]any {
	data := map[string]any{"R": r, "Legal": marketplace.LegalStatuses, "Needs": kernel.Needs, "Tiers": options(marketplace.Tiers),
		"Check": c.QueryParam("check") == "1"}
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
		var councils [][2]string
		if cs, err := s.deps.Orgs.Councils(ctx, consortium); err == nil {
			for _, co := range cs {
				if co.ID != currentOrg(c).ID {
					councils = append(councils, [2]string{strconv.FormatInt(co.ID, 10), co.Name})
				}
			}
		}
		data["Lots"], data["Councils"], data["LotNames"], data["CouncilNames"] = lots, councils, namesByID(lots), namesByID(councils)
	}
	return data
}

func namesByID(opts [][2]string) map[int64]string {
	out := make(map[int64]string, len(opts))
	for _, o := range opts {
		id, _ := strconv.ParseInt(o[0], 10, 64)
		out[id] = o[1]
	}
	return out
}

// requestForm is a draft's page as the form shows it: the page's input as saved.
func requestForm(step string, r marketplace.PlacementRequest) map[string]string {
	switch step {
	case "child":
		return formValues(marketplace.ChildOf(r))
	case "needs":
		return formValues(marketplace.NeedsOf(r))
	}
	return formValues(marketplace.PlacementOf(r))
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
	return s.page(c, http.StatusOK, "request_"+step, requestSteps[step], s.requestFormData(c, &r), withForm(requestForm(step, r), nil))
}

// saveRequestStep applies one page of the form to the draft (creating it from the first
// page) and goes on to the next page, or back to check your answers. Every problem on
// the page comes back at once: the input's own, then the rules that compare its fields.
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
	var (
		form map[string]string
		fe   kernel.FieldErrors
		err  error
	)
	switch step {
	case "child":
		var in marketplace.RequestChild
		if form, fe, err = s.decodeForm(c, &in); err != nil {
			return err
		}
		in.Apply(&r)
		fe = inFormOrder(fe.Merge(withFormIDs(in.Check(s.now()), &in)), &in)
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
		var in marketplace.RequestPlacement
		if form, fe, err = s.decodeForm(c, &in); err != nil {
			return err
		}
		fe = inFormOrder(fe.Merge(withFormIDs(in.Apply(&r), &in)).Merge(withFormIDs(in.Check(), &in)), &in)
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
