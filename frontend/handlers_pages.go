package frontend

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
)

type task struct{ Text, Href, Hint string }

// home is each role's home page.
func (s *Server) home(c echo.Context) error {
	u, _ := currentUser(c)
	org := currentOrg(c)
	data := map[string]any{}
	switch u.Role {
	case kernel.RoleConsortiumAdmin:
		councils, err := s.deps.Orgs.Councils(c.Request().Context(), org.ID)
		if err != nil {
			return err
		}
		data["Heading"] = "Consortium administration"
		data["Lead"] = "Run the consortium's framework: its member councils, users and the record of everything done in Hearth."
		data["Councils"] = councils
		data["Tasks"] = []task{
			{"See the vacancy board", "/board", "Every bed in homes admitted to the consortium's frameworks, on a map and as a list."},
			{"Run the frameworks", "/admin/frameworks", "Lots, weekly price ceilings, evaluation weights and levy; admit or reject providers' applications."},
			{"Manage users", "/admin/users", "Add commissioners, approvers and administrators for the consortium and its councils, and remove the access of leavers."},
			{"Read the audit log", "/admin/audit", "Who did what, to which record, when and from where; download it as CSV."},
			{"Check the email outbox", "/admin/outbox", "Every message Hearth has sent or is holding."},
		}
	case kernel.RoleCommissioner:
		data["Heading"] = "Placements for " + org.Name
		data["Lead"] = "Find homes for the children your council looks after, with the other councils of your consortium as one buyer."
		data["Tasks"] = []task{{"Your placement requests", "/requests", "Whom each request reached, the responses, and after the deadline the bids side by side."}, {"Find a vacancy", "/board", "Search every home admitted to your consortium's frameworks by distance, needs, age and rating."},
			{"Secure welfare referrals", "/secure/referrals", "Refer a child for a secure welfare bed (section 25) and follow the search."}, {"Your organisation", "/organisations/" + strconv.FormatInt(org.ID, 10), "Your council's details and the people who use Hearth there."}}
	case kernel.RoleApprover:
		data["Heading"] = "Approvals for " + org.Name
		data["Lead"] = "Approve or refuse placements that are distant from a child's home or above the framework's price ceiling."
		data["Tasks"] = []task{{"Decide on awards", "/approvals", "Distant or over-ceiling placements waiting for your approval."}, {"See the vacancy board", "/board", "The consortium's beds, by area and lot."}, {"Your organisation", "/organisations/" + strconv.FormatInt(org.ID, 10), "Your council's details and the people who use Hearth there."}}
	case kernel.RoleProviderAdmin, kernel.RoleProviderUser:
		data["Heading"] = org.Name
		data["Lead"] = "Keep your homes and vacancies current and respond to placement requests that match them."
		data["Tasks"] = []task{
			{"Keep your vacancies current", "/homes", "Confirm or change each home's beds free; councils see vacancies not confirmed for 7 days as out of date."},
			{"Connect your own systems", "/account/tokens", "Create an API token so your case management system can publish vacancies."},
		}
		if u.Role == kernel.RoleProviderAdmin {
			data["Tasks"] = append([]task{{"Join a framework", "/provider/frameworks", "Apply to a consortium's dynamic purchasing system, lot by lot."}}, data["Tasks"].([]task)...)
			data["Tasks"] = append(data["Tasks"].([]task), task{"Your users", "/provider/users", "Who at your organisation can sign in; remove the access of anyone who leaves."})
		}
	case kernel.RoleSWCUCoordinator:
		data["Heading"] = "Secure Welfare Coordination Unit"
		data["Lead"] = "See every secure bed in the country, receive section 25 referrals and allocate beds from the waiting list."
		data["Tasks"] = []task{
			{"The waiting list", "/secure/waiting", "Every child waiting for a secure welfare bed, most pressing first, with the homes that could take them today."},
			{"The national bed board", "/secure/board", "Every secure bed in England, Wales and Scotland by state, live."},
			{"Suggested allocation", "/secure/suggestions", "The best assignment of the whole waiting list to the beds offered or free, with the reasons."},
			{"Daily report", "/secure/report", "Beds, children waiting, allocations and declines; download it or have it emailed each morning."},
			{"Your organisation", "/organisations/" + strconv.FormatInt(org.ID, 10), "The unit's details and coordinators."}}
	case kernel.RoleHostCouncilUser:
		if err := s.hostWorkList(c, data); err != nil {
			return err
		}
		data["Heading"] = "Children placed in " + org.Name
		data["Lead"] = "Other councils placing children in homes in your area tell you here: each placement, arrival and end, and every missing or absent episode."
		data["Tasks"] = []task{
			{"Notices to your council", "/notices", "Placements into your area, arrivals, ends and missing episodes, newest first."},
			{"Placements into your area", "/placements", "Every placement by another council into a home in your area, as its notices describe it."},
			{"Connect your own systems", "/account/tokens", "Create an API token to read placements into your area and notices from your case management system."}}
	case kernel.RolePoliceLiaison:
		data["Heading"] = org.Name
		data["Lead"] = "The children's homes in your force's area run by the consortium's providers, and missing or absent episodes of the children its councils placed there."
		data["Tasks"] = []task{
			{"Children's homes in your area", "/police", "Each home's address, registered manager and Ofsted reference."},
			{"Missing and absent episodes", "/police/missing", "Each episode with the placing council's reference for the child, the home and when the child returned."},
			{"Connect your own systems", "/account/tokens", "Create an API token to read the homes and episodes from your force's systems."}}
	case kernel.RoleSecureHomeUser:
		data["Heading"] = org.Name
		data["Lead"] = "Keep your secure beds' states current and answer referrals the SWCU circulates to your home."
		data["Tasks"] = []task{
			{"Your home's beds and referrals", "/secure/home", "Keep each bed's state current, answer referrals and confirm admissions."},
			{"The national bed board", "/secure/board", "Every secure bed in the country, live."},
			{"Your organisation", "/organisations/" + strconv.FormatInt(org.ID, 10), "Your home's details and staff on Hearth."}}
	}
	queue, err := s.workQueue(c)
	if err != nil {
		return err
	}
	data["Queue"] = queue
	heading, _ := data["Heading"].(string)
	return s.page(c, http.StatusOK, "home", heading, data)
}

// hostWorkList puts a host-council user's work on their home page: the latest notices
// to their council (host notices only) and the live placements into its area.
func (s *Server) hostWorkList(c echo.Context, data map[string]any) error {
	ctx := c.Request().Context()
	notices, _, unread, err := s.inboxOf(c).List(ctx, currentOrg(c).ID, 0, 5)
	if err != nil {
		return err
	}
	var live []marketplace.PlacementRow
	for _, status := range []string{"awarded", "started"} {
		rows, _, err := s.deps.Market.Placements(ctx, viewerOf(c), status, 0, 10)
		if err != nil {
			return err
		}
		live = append(live, rows...)
	}
	if err := s.auditList(c, "placement", idsOf(live, func(r marketplace.PlacementRow) int64 { return r.ID })); err != nil {
		return err
	}
	data["HostCouncilUser"], data["Notices"], data["Unread"], data["HostPlacements"] = true, notices, unread, live
	return nil
}

func (s *Server) account(c echo.Context) error {
	return s.page(c, http.StatusOK, "account", "Your account", nil)
}

// visibleOrganisation loads an organisation the current user may see, or returns
// ErrForbidden for another tenant's and ErrNotFound for none.
func (s *Server) visibleOrganisation(c echo.Context) (commissioning.Organisation, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return commissioning.Organisation{}, echo.ErrNotFound
	}
	target, err := s.deps.Orgs.Organisation(c.Request().Context(), id)
	if err != nil {
		return target, err
	}
	u, _ := currentUser(c)
	if !commissioning.CanView(u.Role, currentOrg(c), target) {
		return target, echo.NewHTTPError(http.StatusForbidden, "That organisation's records belong to another organisation.")
	}
	return target, nil
}

func (s *Server) organisationPage(c echo.Context) error {
	org, err := s.visibleOrganisation(c)
	if err != nil {
		return err
	}
	users, err := s.deps.Users.ListByOrganisations(c.Request().Context(), []int64{org.ID})
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "organisation", org.Name, map[string]any{"Org": org, "Users": users})
}

func (s *Server) tokensPage(c echo.Context) error {
	return s.renderTokens(c, http.StatusOK, nil, "", nil, nil)
}

func (s *Server) renderTokens(c echo.Context, status int, created *auth.APIToken, newToken string, form map[string]string, fe kernel.FieldErrors) error {
	u, _ := currentUser(c)
	toks, err := s.deps.Users.APITokens(c.Request().Context(), u)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"days": strconv.Itoa(auth.DefaultTokenDays)}
	}
	lifetimes := make([][2]string, 0, len(auth.TokenLifetimes))
	for _, d := range auth.TokenLifetimes {
		lifetimes = append(lifetimes, [2]string{strconv.Itoa(d), strconv.Itoa(d) + " days"})
	}
	return s.page(c, status, "tokens", "API tokens", map[string]any{"Tokens": toks, "NewToken": newToken, "Created": created, "Now": s.now(),
		"Lifetimes": lifetimes, "NeedsCode": u.Role.RequiresMFA()}, withForm(form, fe))
}

type tokenForm struct {
	Name string `form:"name"`
	Days string `form:"days"`
	Code string `form:"code"`
}

// createToken issues an API token; roles that need a second factor confirm it afresh
// with a code.
func (s *Server) createToken(c echo.Context) error {
	var f tokenForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	days, err := strconv.Atoi(f.Days) // empty: the default lifetime
	if f.Days != "" && (err != nil || days == 0) {
		days = -1
	}
	delete(form, "code") // a used code is no use to show again
	tok, t, err := s.deps.Users.CreateAPIToken(c.Request().Context(), u, auth.NewAPIToken{Name: f.Name, Days: days, Code: f.Code, IP: c.RealIP()})
	var fe kernel.FieldErrors
	switch {
	case errors.Is(err, auth.ErrThrottled):
		return s.renderTokens(c, http.StatusTooManyRequests, nil, "", form, kernel.FieldErrors{{Field: "code", Message: "Too many wrong codes. " + auth.ThrottleAdvice}})
	case asFieldErrors(err, &fe):
		return s.renderTokens(c, http.StatusUnprocessableEntity, nil, "", form, fe)
	case err != nil:
		return err
	}
	return s.renderTokens(c, http.StatusCreated, &t, tok, nil, nil)
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	u, _ := currentUser(c)
	if err := s.deps.Users.RevokeAPIToken(c.Request().Context(), u, id); err != nil {
		return err
	}
	s.flash(c, "The token has been revoked")
	return c.Redirect(http.StatusSeeOther, "/account/tokens")
}

// manageableOrganisations are the organisations a consortium admin adds users to:
// the consortium itself and its member councils.
func (s *Server) manageableOrganisations(ctx context.Context, consortium commissioning.Organisation) ([]commissioning.Organisation, error) {
	councils, err := s.deps.Orgs.Councils(ctx, consortium.ID)
	if err != nil {
		return nil, err
	}
	return append([]commissioning.Organisation{consortium}, councils...), nil
}

// inviteUser creates a user without a password and emails a link to choose one. A
// commissioner, approver or admin joins the consortium or a member council; a
// host-council user any English council outside another consortium, and the consortium
// manages their account.
func (s *Server) inviteUser(c echo.Context, nu auth.NewUser) (auth.User, error) {
	return s.inviteUserWith(c, s.deps.Orgs, s.deps.Users, nu)
}

// inviteUserWith is inviteUser through the given services (inside a transaction).
func (s *Server) inviteUserWith(c echo.Context, dir *commissioning.Service, users *auth.Service, nu auth.NewUser) (auth.User, error) {
	ctx := c.Request().Context()
	consortium := currentOrg(c)
	if nu.Role == kernel.RoleHostCouncilUser {
		council, err := dir.Organisation(ctx, nu.OrganisationID)
		if err != nil && !errors.Is(err, kernel.ErrNotFound) {
			return auth.User{}, err
		}
		if err != nil || !commissioning.CanHostUsers(consortium, council) {
			return auth.User{}, kernel.Invalid("organisation_id", "Select a council in England that is in your consortium or in none: host council users belong to a council")
		}
		nu.ManagedBy = consortium.ID
	} else if nu.Role == kernel.RolePoliceLiaison {
		force, err := dir.Organisation(ctx, nu.OrganisationID)
		if err != nil && !errors.Is(err, kernel.ErrNotFound) {
			return auth.User{}, err
		}
		if err != nil || force.Kind != kernel.KindPolice || force.Tenant() != consortium.ID {
			return auth.User{}, kernel.Invalid("pfa_code", "Select a police force your consortium has invited")
		}
	} else {
		orgs, err := s.manageableOrganisations(ctx, consortium)
		if err != nil {
			return auth.User{}, err
		}
		allowed := false
		for _, o := range orgs {
			allowed = allowed || o.ID == nu.OrganisationID
		}
		if !allowed {
			return auth.User{}, kernel.Invalid("organisation_id", "Select the consortium or one of its member councils: a council outside it can only have host council users")
		}
	}
	inviter, _ := currentUser(c)
	return users.Invite(ctx, nu, inviter.Name, consortium.ID)
}
