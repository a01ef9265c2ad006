package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// routes declares every route with its authorisation policy: the one place to read
// who may do what.
func (s *Server) routes() {
	get, post := http.MethodGet, http.MethodPost
	admin := Roles(kernel.RoleConsortiumAdmin)
	mfa := Policy{MFAPending: true}

	// Operations and static files.
	s.route(get, "/healthz", Public, s.healthz)
	s.route(get, "/readyz", Public, s.readyz)
	s.route(get, staticPrefix+"*", Public, assetHandler)
	s.route(get, govukPrefix+"*", Public, assetHandler)

	// Signing in and out.
	s.route(get, "/sign-in", Public, s.signInPage)
	s.route(post, "/sign-in", Public, s.signIn)
	s.route(get, "/sign-in/mfa", mfa, s.mfaVerifyPage)
	s.route(post, "/sign-in/mfa", mfa, s.mfaVerify)
	s.route(post, "/sign-out", mfa, s.signOut)
	s.route(get, "/password/forgot", Public, s.forgotPage)
	s.route(post, "/password/forgot", Public, s.forgot)
	s.route(get, "/password/reset/:token", Public, s.resetPage)
	s.route(post, "/password/reset/:token", Public, s.reset)
	// Host councils act on emailed links without an account: each link is single-use,
	// expiring and shows only its own notice or question (rate-limited per address).
	s.route(get, "/notices/ack/:token", Public, s.noticeAckPage)
	s.route(post, "/notices/ack/:token", Public, s.acknowledgeNotice)
	s.route(get, "/consultations/:token", Public, s.consultationPage)
	s.route(post, "/consultations/:token", Public, s.answerConsultation)

	// Information pages.
	s.route(get, "/accessibility", Public, s.staticPage("accessibility", "Accessibility statement"))
	s.route(get, "/cookies", Public, s.staticPage("cookies", "Cookies"))

	// Everyone signed in.
	s.route(get, "/", SignedIn, s.home)
	s.route(get, "/account", SignedIn, s.account)
	s.route(get, "/account/mfa", mfa, s.mfaSetupPage)
	s.route(post, "/account/mfa", mfa, s.mfaSetup)
	s.route(get, "/account/password", SignedIn, s.passwordPage)
	s.route(post, "/account/password", SignedIn, s.changePassword)
	s.route(get, "/account/sessions", SignedIn, s.sessionsPage)
	s.route(post, "/account/sessions/others/end", SignedIn, s.endOtherSessions)
	s.route(post, "/account/sessions/:id/end", SignedIn, s.endSession)
	s.route(get, "/account/tokens", SignedIn, s.tokensPage)
	s.route(post, "/account/tokens", SignedIn, s.createToken)
	s.route(post, "/account/tokens/:id/revoke", SignedIn, s.revokeToken)
	s.route(get, "/organisations/:id", SignedIn, s.organisationPage)

	// Webhooks to the organisation's own systems: a council's approvers (its senior
	// officers, with two-factor authentication) and a provider's admins.
	hookAdmins := Roles(kernel.RoleApprover, kernel.RoleProviderAdmin)
	s.route(get, "/webhooks", hookAdmins, s.webhooksPage)
	s.route(get, "/webhooks/new", hookAdmins, s.newWebhookPage)
	s.route(post, "/webhooks/new", hookAdmins, s.createWebhook)
	s.route(get, "/webhooks/:id", hookAdmins, s.webhookPage)
	s.route(get, "/webhooks/:id/edit", hookAdmins, s.editWebhookPage)
	s.route(post, "/webhooks/:id/edit", hookAdmins, s.updateWebhook)
	s.route(post, "/webhooks/:id/disable", hookAdmins, s.disableWebhook)
	s.route(post, "/webhooks/:id/enable", hookAdmins, s.enableWebhook)
	s.route(post, "/webhooks/:id/rotate", hookAdmins, s.rotateWebhookSecret)
	s.route(post, "/webhooks/:id/deliveries/:delivery/replay", hookAdmins, s.replayWebhook)

	// Consortium administration.
	s.route(get, "/admin/users", admin, s.adminUsers)
	s.route(get, "/admin/users/new", admin, s.newUserPage)
	s.route(post, "/admin/users/new", admin, s.newUser)
	s.route(get, "/admin/audit", admin, s.auditPage)
	s.route(get, "/admin/audit.csv", admin, s.auditCSV)
	s.route(get, "/admin/outbox", admin, s.outboxPage)
	s.route(get, "/admin/outbox/:id", admin, s.emailPage)
	s.route(get, "/admin/mailboxes", admin, s.mailboxesPage)
	s.route(get, "/admin/mailboxes/upload", admin, s.mailboxUploadPage)
	s.route(post, "/admin/mailboxes/upload", admin, s.uploadMailboxes)
	s.route(get, "/admin/mailboxes/:id", admin, s.mailboxPage)
	s.route(post, "/admin/mailboxes/:id", admin, s.saveMailbox)
	s.route(get, "/admin/police", admin, s.adminPolicePage)
	s.route(get, "/admin/police/new", admin, s.newPolicePage)
	s.route(post, "/admin/police/new", admin, s.invitePolice)

	// The police view: a force's liaison officers, invited by a consortium, see the
	// homes in their area and missing episodes there, and nothing else of anyone's.
	policeRole := Roles(kernel.RolePoliceLiaison)
	s.route(get, "/police", policeRole, s.policeHomesPage)
	s.route(get, "/police/missing", policeRole, s.policeMissingPage)
	s.route(get, "/police/missing.csv", policeRole, s.policeMissingCSV)
	s.route(get, "/api/v1/police/homes", APIRoles(kernel.RolePoliceLiaison), s.apiPoliceHomes)
	s.route(get, "/api/v1/police/missing-episodes", APIRoles(kernel.RolePoliceLiaison), s.apiPoliceMissing)

	// Providers: sign-up, framework applications, homes and vacancies.
	provAdmin := Roles(kernel.RoleProviderAdmin)
	providers := Roles(kernel.RoleProviderAdmin, kernel.RoleProviderUser)
	s.route(get, "/providers/sign-up", Public, s.signUpPage)
	s.route(post, "/providers/sign-up", Public, s.signUp)
	s.route(get, "/provider/frameworks", provAdmin, s.providerFrameworks)
	s.route(get, "/provider/frameworks/:id/apply", provAdmin, s.applyTasks)
	s.route(get, "/provider/frameworks/:id/apply/lots", provAdmin, s.applyLotsPage)
	s.route(post, "/provider/frameworks/:id/apply/lots", provAdmin, s.applyLots)
	s.route(get, "/provider/frameworks/:id/apply/declarations", provAdmin, s.applyDeclarationsPage)
	s.route(post, "/provider/frameworks/:id/apply/declarations", provAdmin, s.applyDeclarations)
	s.route(get, "/provider/frameworks/:id/apply/check", provAdmin, s.applyCheck)
	s.route(post, "/provider/frameworks/:id/apply/submit", provAdmin, s.applySubmit)
	s.route(get, "/homes", providers, s.homesPage)
	s.route(get, "/homes/new", providers, s.newHomePage)
	s.route(post, "/homes/new", providers, s.saveHome)
	s.route(get, "/homes/upload", providers, s.uploadPage("homes"))
	s.route(post, "/homes/upload", providers, s.upload("homes"))
	s.route(get, "/homes/vacancies/upload", providers, s.uploadPage("vacancies"))
	s.route(post, "/homes/vacancies/upload", providers, s.upload("vacancies"))
	s.route(get, "/homes/:id", providers, s.homePage)
	s.route(get, "/homes/:id/edit", providers, s.editHomePage)
	s.route(post, "/homes/:id/edit", providers, s.saveHome)
	s.route(post, "/homes/:id/vacancy", providers, s.setVacancy)
	s.route(get, "/invitations", providers, s.invitationsPage)
	s.route(get, "/invitations/:id", providers, s.invitationPage)
	s.route(post, "/invitations/:id/bid", providers, s.bid)
	s.route(post, "/invitations/:id/withdraw", providers, s.withdraw)
	s.route(post, "/invitations/:id/decline", providers, s.decline)

	// Commissioners' placement requests.
	commissioners := Roles(kernel.RoleCommissioner)
	s.route(get, "/requests", commissioners, s.requestsPage)
	s.route(get, "/requests/new", commissioners, s.newRequestPage)
	s.route(post, "/requests/new", commissioners, s.saveRequestStep)
	s.route(get, "/requests/:id", commissioners, s.requestPage)
	s.route(get, "/requests/:id/edit/:step", commissioners, s.requestStepPage)
	s.route(post, "/requests/:id/edit/:step", commissioners, s.saveRequestStep)
	s.route(post, "/requests/:id/submit", commissioners, s.submitRequest)
	s.route(get, "/requests/:id/bids/:bid", commissioners, s.bidPage)
	s.route(get, "/requests/:id/bids/:bid/award", commissioners, s.awardConfirmPage)
	s.route(post, "/requests/:id/bids/:bid/award", commissioners, s.awardConfirmed)
	s.route(get, "/requests/:id/amend", commissioners, s.amendPage)
	s.route(post, "/requests/:id/amend", commissioners, s.amend)
	s.route(get, "/requests/:id/cancel", commissioners, s.cancelRequestPage)
	s.route(post, "/requests/:id/cancel", commissioners, s.cancelRequest)

	// Placements after award. Who sees what of a placement — placing council, provider,
	// host council — is decided per placement by the marketplace; others get a 404.
	// Host-council users reach only the list, the placement (as the host sees it) and
	// the notices: nothing else of the placing council's.
	councils := Roles(kernel.RoleCommissioner, kernel.RoleApprover)
	placementRoles := Roles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleProviderAdmin, kernel.RoleProviderUser)
	hostViewers := Roles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleProviderAdmin, kernel.RoleProviderUser, kernel.RoleHostCouncilUser)
	s.route(get, "/placements", hostViewers, s.placementsPage)
	s.route(get, "/placements/:id", hostViewers, s.placementPage)
	s.route(get, "/placements/:id/agreement", placementRoles, s.agreementPDF)
	s.route(post, "/placements/:id/start", providers, s.startPlacement)
	s.route(post, "/placements/:id/incidents", providers, s.reportIncident)
	s.route(post, "/placements/:id/incidents/:incident/end", providers, s.endIncident)
	s.route(get, "/placements/:id/fee", commissioners, s.feePage)
	s.route(post, "/placements/:id/fee", commissioners, s.changeFee)
	s.route(post, "/placements/:id/reviews", commissioners, s.recordReview)
	s.route(get, "/placements/:id/end", Roles(kernel.RoleCommissioner, kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.endPage)
	s.route(post, "/placements/:id/end", Roles(kernel.RoleCommissioner, kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.endPlacement)
	// Missing-from-care episodes: the placing council, the host council (commissioners
	// and host users), the provider; each sees and changes its share (the domain decides).
	episodeEditors := Roles(kernel.RoleCommissioner, kernel.RoleProviderAdmin, kernel.RoleProviderUser, kernel.RoleHostCouncilUser)
	s.route(get, "/missing", hostViewers, s.missingPage)
	s.route(get, "/missing.csv", hostViewers, s.missingCSV)
	s.route(get, "/missing/:id", hostViewers, s.episodePage)
	s.route(post, "/missing/:id", episodeEditors, s.amendEpisode)
	s.route(post, "/missing/:id/interview", Roles(kernel.RoleCommissioner, kernel.RoleHostCouncilUser), s.recordInterview)
	s.route(get, "/notices", hostViewers, s.noticesPage)
	s.route(get, "/notices/:id", hostViewers, s.noticePage)
	s.route(get, "/children", councils, s.childPage)
	s.route(get, "/children/search", councils, s.childSearchPage)

	// Approvers' decisions on distant or over-ceiling awards.
	s.route(get, "/approvals", Roles(kernel.RoleApprover), s.approvalsPage)
	s.route(get, "/approvals/:id", Roles(kernel.RoleApprover), s.approvalPage)
	s.route(post, "/approvals/:id", Roles(kernel.RoleApprover), s.decideApproval)
	s.route(post, "/approvals/:id/consult", Roles(kernel.RoleApprover), s.consultHost)

	// Secure welfare: referrals, the national bed board, coordination, the homes' side.
	swcu := Roles(kernel.RoleSWCUCoordinator)
	homes := Roles(kernel.RoleSecureHomeUser)
	secureBoard := Roles(kernel.RoleSWCUCoordinator, kernel.RoleSecureHomeUser, kernel.RoleCommissioner, kernel.RoleApprover)
	s.route(get, "/secure/board", secureBoard, s.secureBoard)
	s.route(get, "/secure/events", secureBoard, s.secureEvents)
	s.route(get, "/secure/referrals", commissioners, s.secureReferrals)
	s.route(get, "/secure/referrals/new", commissioners, s.newReferralPage)
	s.route(post, "/secure/referrals/new", commissioners, s.submitReferral)
	s.route(get, "/secure/referrals/new/check", commissioners, s.checkReferralPage)
	s.route(post, "/secure/referrals/new/check", commissioners, s.sendReferral)
	// Each party sees a referral as the domain allows: its council, the SWCU, a home it went to.
	s.route(get, "/secure/referrals/:id", Roles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator, kernel.RoleSecureHomeUser), s.secureReferralPage)
	s.route(post, "/secure/referrals/:id/update", commissioners, s.refreshReferral)
	s.route(post, "/secure/referrals/:id/withdraw", commissioners, s.withdrawReferral)
	s.route(post, "/secure/referrals/:id/circulate", swcu, s.circulateReferral)
	s.route(post, "/secure/referrals/:id/allocate", swcu, s.allocateBed)
	s.route(post, "/secure/referrals/:id/release", swcu, s.releaseBed)
	s.route(post, "/secure/referrals/:id/approvals", Roles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator), s.recordApproval)
	s.route(post, "/secure/referrals/:id/holds", Roles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator), s.recordHold)
	s.route(post, "/secure/referrals/:id/holds/end", Roles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator), s.endHold)
	s.route(post, "/secure/referrals/:id/respond", homes, s.respondToReferral)
	s.route(post, "/secure/referrals/:id/admit", homes, s.admitChild)
	s.route(post, "/secure/referrals/:id/discharge", homes, s.dischargeChild)
	s.route(get, "/secure/waiting", swcu, s.waitingList)
	s.route(get, "/secure/suggestions", swcu, s.suggestions)
	s.route(post, "/secure/suggestions/accept", swcu, s.acceptSuggestion)
	s.route(get, "/secure/report", swcu, s.dailyReport)
	s.route(get, "/secure/report.csv", swcu, s.dailyReportCSV)
	s.route(post, "/secure/report/subscription", swcu, s.subscribeReport)
	s.route(get, "/secure/metrics", swcu, s.secureMetrics)
	s.route(get, "/secure/home", homes, s.secureHomePage)
	s.route(get, "/secure/audit", swcu, s.auditPage) // the same page as /admin/audit, scoped to secure welfare
	s.route(get, "/secure/audit.csv", swcu, s.auditCSV)
	s.route(post, "/secure/beds", homes, s.saveSecureBeds)

	// Billing through Stripe Connect.
	s.route(post, "/stripe/webhook", Public, s.stripeWebhook) // verified by its Stripe signature
	s.route(get, "/billing", Roles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleProviderAdmin), s.billingPage)
	s.route(get, "/billing.csv", Roles(kernel.RoleCommissioner, kernel.RoleApprover), s.billingCSV)
	s.route(post, "/billing/onboard", Roles(kernel.RoleProviderAdmin), s.onboard)
	s.route(get, "/admin/billing", admin, s.adminBilling)
	s.route(post, "/admin/billing/run", admin, s.runInvoices)
	s.route(post, "/admin/billing/contacts", admin, s.setBillingContact)

	// Regional intelligence: the consortium's admins and its councils' commissioners.
	intelRoles := Roles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner)
	s.route(get, "/intelligence", intelRoles, s.intelligenceIndex)
	s.route(get, "/intelligence/out-of-area", intelRoles, s.outOfArea)
	s.route(get, "/intelligence/out-of-area.csv", intelRoles, s.outOfAreaCSV)
	s.route(get, "/intelligence/out-of-area-return.csv", intelRoles, s.outOfAreaReturnCSV)
	s.route(get, "/intelligence/market", intelRoles, s.market)
	s.route(get, "/intelligence/market.csv", intelRoles, s.marketCSV)
	s.route(get, "/intelligence/time-to-place", intelRoles, s.timeToPlace)
	s.route(get, "/intelligence/time-to-place.csv", intelRoles, s.timeToPlaceCSV)
	s.route(get, "/api/v1/intelligence/time-to-place", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner), s.apiTimeToPlace)
	s.route(get, "/intelligence/quality", intelRoles, s.qualityPage)
	s.route(get, "/intelligence/quality.csv", intelRoles, s.qualityCSV)
	s.route(get, "/api/v1/intelligence/quality", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner), s.apiQuality)
	s.route(get, "/api/v1/intelligence/market", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner), s.apiMarket)
	s.route(get, "/intelligence/missing", intelRoles, s.missingIntelPage)
	s.route(get, "/intelligence/missing.csv", intelRoles, s.missingIntelCSV)
	s.route(get, "/api/v1/intelligence/missing", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner), s.apiMissingIntel)
	s.route(get, "/intelligence/sufficiency", intelRoles, s.sufficiencyPage)
	s.route(get, "/intelligence/sufficiency.csv", intelRoles, s.sufficiencyCSV)
	s.route(get, "/intelligence/sufficiency/summary", intelRoles, s.sufficiencySummary)

	// Monitoring visits and Ofsted-fall alerts. Commissioners record visits; their
	// consortium's councils and admins read them, and the provider reads those to its
	// own homes (the domain scopes each list; another provider's home is a 404).
	monitors := Roles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleConsortiumAdmin)
	visitReaders := Roles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleConsortiumAdmin, kernel.RoleProviderAdmin, kernel.RoleProviderUser)
	// The outcomes simulator (issue 17): the consortium's admins.
	s.route(get, "/simulations", admin, s.simulationsPage)
	s.route(post, "/simulations", admin, s.requestSimulation)
	s.route(get, "/simulations/parameters", admin, s.simulationParameters)
	s.route(get, "/simulations/:id", admin, s.simulationPage)
	s.route(get, "/simulations/:id/results.csv", admin, s.simulationCSV)
	s.route(get, "/monitoring", monitors, s.monitoringPage)
	s.route(get, "/monitoring/framework", SignedIn, s.monitoringFramework)
	s.route(get, "/monitoring/homes/:id", visitReaders, s.monitoredHomePage)
	s.route(post, "/monitoring/homes/:id/visits", commissioners, s.recordVisit)
	// The SSDA903 return: the placing council's commissioners only (child-level data).
	s.route(get, "/returns/ssda903", commissioners, s.ssdaPage)
	s.route(get, "/returns/ssda903/:year/:file", commissioners, s.ssdaDownload)
	s.route(get, "/api/v1/ssda903/:year", APIRoles(kernel.RoleCommissioner), s.apiSSDA903)
	s.route(get, "/api/v1/ssda903/:year/:file", APIRoles(kernel.RoleCommissioner), s.ssdaDownload)
	s.route(get, "/api/v1/homes/:id/monitoring-visits", APIRoles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleConsortiumAdmin, kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiVisits)
	s.route(post, "/api/v1/homes/:id/monitoring-visits", APIRoles(kernel.RoleCommissioner), s.apiRecordVisit)

	// The regional vacancy board.
	boardRoles := Roles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleConsortiumAdmin)
	s.route(get, "/board", boardRoles, s.board)
	s.route(get, "/board.csv", boardRoles, s.boardCSV)
	s.route(get, "/board/events", boardRoles, s.boardEvents)
	s.route(get, "/board/delta", boardRoles, s.boardDelta)
	s.route(get, "/board/map", boardRoles, s.boardMap)

	// The consortium's frameworks and admissions.
	s.route(get, "/admin/frameworks", admin, s.adminFrameworks)
	s.route(get, "/admin/frameworks/new", admin, s.newFrameworkPage)
	s.route(post, "/admin/frameworks/new", admin, s.newFramework)
	s.route(get, "/admin/frameworks/:id", admin, s.frameworkPage)
	s.route(post, "/admin/frameworks/:id", admin, s.updateFramework)
	s.route(post, "/admin/frameworks/:id/lots", admin, s.addLot)
	s.route(post, "/admin/frameworks/:id/lots/:lot/ceilings", admin, s.setCeilings)
	s.route(get, "/admin/applications/:id", admin, s.applicationPage)
	s.route(post, "/admin/applications/:id/decide", admin, s.decide)
	s.route(post, "/admin/applications/:id/suspend", admin, s.suspend)
	s.route(post, "/admin/applications/:id/reinstate", admin, s.reinstate)
	s.route(get, "/admin/geography", admin, s.geographyPage)
	s.route(post, "/admin/geography/overrides", admin, s.addAdjacencyOverride)
	s.route(post, "/admin/geography/overrides/:id/remove", admin, s.removeAdjacencyOverride)

	// JSON API for organisations' own systems (bearer tokens).
	s.route(get, "/api/v1/homes", APIRoles(kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiHomes)
	s.route(get, "/api/v1/homes/:id", APIRoles(kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiHome)
	s.route(http.MethodPut, "/api/v1/homes/:id/vacancies", APIRoles(kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiSetVacancy)
	s.route(get, "/api/v1/intelligence/out-of-area", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner), s.apiOutOfArea)
	s.route(get, "/api/v1/intelligence/sufficiency", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleCommissioner), s.apiSufficiency)
	s.route(get, "/api/v1/vacancies", APIRoles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleConsortiumAdmin), s.apiVacancies)

	// Placement requests and sealed bids.
	apiProviders := APIRoles(kernel.RoleProviderAdmin, kernel.RoleProviderUser)
	apiCommissioners := APIRoles(kernel.RoleCommissioner)
	s.route(get, "/api/v1/invitations", apiProviders, s.apiInvitations)
	s.route(get, "/api/v1/invitations/:id", apiProviders, s.apiInvitation)
	s.route(http.MethodPut, "/api/v1/invitations/:id/bid", apiProviders, s.apiPutBid)
	s.route(http.MethodDelete, "/api/v1/invitations/:id/bid", apiProviders, s.apiWithdrawBid)
	s.route(post, "/api/v1/invitations/:id/decline", apiProviders, s.apiDecline)
	s.route(get, "/api/v1/requests", apiCommissioners, s.apiRequests)
	s.route(post, "/api/v1/requests", apiCommissioners, s.apiCreateRequest)
	s.route(get, "/api/v1/requests/:id/bids", apiCommissioners, s.apiRequestBids)
	s.route(get, "/api/v1/requests/:id", apiCommissioners, s.apiRequest)
	s.route(post, "/api/v1/requests/:id/submit", apiCommissioners, s.apiSubmitRequest)
	s.route(post, "/api/v1/requests/:id/award", apiCommissioners, s.apiAward)
	s.route(post, "/api/v1/requests/:id/amendments", apiCommissioners, s.apiAmend)
	s.route(post, "/api/v1/requests/:id/cancel", apiCommissioners, s.apiCancelRequest)

	// Approvals, placements, notices and children's histories.
	apiPlacementRoles := APIRoles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleProviderAdmin, kernel.RoleProviderUser)
	apiHostViewers := APIRoles(kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleProviderAdmin, kernel.RoleProviderUser, kernel.RoleHostCouncilUser)
	s.route(get, "/api/v1/approvals", APIRoles(kernel.RoleApprover), s.apiApprovals)
	s.route(get, "/api/v1/approvals/:id", APIRoles(kernel.RoleApprover), s.apiApproval)
	s.route(post, "/api/v1/approvals/:id", APIRoles(kernel.RoleApprover), s.apiDecide)
	s.route(post, "/api/v1/approvals/:id/consultations", APIRoles(kernel.RoleApprover), s.apiConsultHost)
	s.route(get, "/api/v1/placements", apiHostViewers, s.apiPlacements)
	s.route(get, "/api/v1/placements/:id", apiHostViewers, s.apiPlacement)
	s.route(get, "/api/v1/placements/:id/agreement", apiPlacementRoles, s.agreementPDF)
	s.route(post, "/api/v1/placements/:id/start", apiProviders, s.apiStart)
	s.route(post, "/api/v1/placements/:id/fee", apiCommissioners, s.apiChangeFee)
	s.route(post, "/api/v1/placements/:id/reviews", apiCommissioners, s.apiRecordReview)
	s.route(post, "/api/v1/placements/:id/incidents", apiProviders, s.apiReportIncident)
	s.route(post, "/api/v1/placements/:id/incidents/:incident/end", apiProviders, s.apiEndIncident)
	s.route(post, "/api/v1/placements/:id/end", APIRoles(kernel.RoleCommissioner, kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiEnd)
	s.route(get, "/api/v1/missing-episodes", apiHostViewers, s.apiEpisodes)
	s.route(get, "/api/v1/missing-episodes/:id", apiHostViewers, s.apiEpisode)
	s.route(http.MethodPatch, "/api/v1/missing-episodes/:id", APIRoles(kernel.RoleCommissioner, kernel.RoleProviderAdmin, kernel.RoleProviderUser, kernel.RoleHostCouncilUser), s.apiAmendEpisode)
	s.route(post, "/api/v1/missing-episodes/:id/return-interview", APIRoles(kernel.RoleCommissioner, kernel.RoleHostCouncilUser), s.apiRecordInterview)
	s.route(get, "/api/v1/notices", apiHostViewers, s.apiNotices)
	s.route(get, "/api/v1/children", APIRoles(kernel.RoleCommissioner, kernel.RoleApprover), s.apiChild)
	s.route(get, "/api/v1/secure/referrals", apiCommissioners, s.apiSecureReferrals)
	s.route(post, "/api/v1/secure/referrals", apiCommissioners, s.apiSubmitReferral)
	s.route(post, "/api/v1/secure/referrals/:id/update", apiCommissioners, s.apiRefreshReferral)
	s.route(post, "/api/v1/secure/referrals/:id/withdraw", apiCommissioners, s.apiWithdrawReferral)
	s.route(post, "/api/v1/secure/suggestions/accept", APIRoles(kernel.RoleSWCUCoordinator), s.apiAcceptSuggestion)
	s.route(get, "/api/v1/secure/referrals/:id", APIRoles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator, kernel.RoleSecureHomeUser), s.apiReferral)
	s.route(get, "/api/v1/secure/beds", APIRoles(kernel.RoleSWCUCoordinator, kernel.RoleSecureHomeUser, kernel.RoleCommissioner, kernel.RoleApprover), s.apiSecureBoard)
	s.route(http.MethodPut, "/api/v1/secure/beds/:id", APIRoles(kernel.RoleSecureHomeUser), s.apiSetSecureBed)
	s.route(get, "/api/v1/secure/waiting", APIRoles(kernel.RoleSWCUCoordinator), s.apiWaiting)
	s.route(post, "/api/v1/secure/referrals/:id/circulate", APIRoles(kernel.RoleSWCUCoordinator), s.apiCirculate)
	s.route(post, "/api/v1/secure/referrals/:id/allocate", APIRoles(kernel.RoleSWCUCoordinator), s.apiAllocate)
	s.route(post, "/api/v1/secure/referrals/:id/release", APIRoles(kernel.RoleSWCUCoordinator), s.apiRelease)
	s.route(post, "/api/v1/secure/referrals/:id/approvals", APIRoles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator), s.apiRecordApproval)
	s.route(post, "/api/v1/secure/referrals/:id/holds", APIRoles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator), s.apiRecordHold)
	s.route(post, "/api/v1/secure/referrals/:id/holds/end", APIRoles(kernel.RoleCommissioner, kernel.RoleSWCUCoordinator), s.apiEndHold)
	s.route(post, "/api/v1/secure/referrals/:id/respond", APIRoles(kernel.RoleSecureHomeUser), s.apiRespond)
	s.route(post, "/api/v1/secure/referrals/:id/admit", APIRoles(kernel.RoleSecureHomeUser), s.apiAdmit)
	s.route(post, "/api/v1/secure/referrals/:id/discharge", APIRoles(kernel.RoleSecureHomeUser), s.apiDischarge)
	s.route(get, "/api/v1/secure/suggestions", APIRoles(kernel.RoleSWCUCoordinator), s.apiSuggestions)
	s.route(get, "/api/v1/secure/report", APIRoles(kernel.RoleSWCUCoordinator), s.apiReport)
	s.route(get, "/api/v1/invoices", APIRoles(kernel.RoleCommissioner, kernel.RoleApprover), s.apiInvoices)
	s.route(get, "/api/v1/payments", APIRoles(kernel.RoleProviderAdmin), s.apiPayments)
	s.route(post, "/api/v1/payments/onboarding", APIRoles(kernel.RoleProviderAdmin), s.apiOnboard)
	s.route(post, "/api/v1/billing/runs", APIRoles(kernel.RoleConsortiumAdmin), s.apiRunInvoices)
	s.route(get, "/api/openapi.json", Public, s.openAPI)
	s.route(get, "/api/v1/me", APIRoles(), s.apiMe)
	s.route(get, "/api/v1/organisations/:id", APIRoles(), s.apiOrganisation)
	s.route(get, "/api/v1/users", APIRoles(kernel.RoleConsortiumAdmin), s.apiUsers)
	s.route(post, "/api/v1/users", APIRoles(kernel.RoleConsortiumAdmin), s.apiCreateUser)
	s.route(get, "/api/v1/adjacency-overrides", APIRoles(kernel.RoleConsortiumAdmin), s.apiAdjacencyOverrides)
	s.route(post, "/api/v1/adjacency-overrides", APIRoles(kernel.RoleConsortiumAdmin), s.apiAddAdjacencyOverride)
	s.route(http.MethodDelete, "/api/v1/adjacency-overrides/:id", APIRoles(kernel.RoleConsortiumAdmin), s.apiRemoveAdjacencyOverride)
	s.route(get, "/api/v1/frameworks", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiFrameworks)
	s.route(get, "/api/v1/frameworks/:id", APIRoles(kernel.RoleConsortiumAdmin, kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiFramework)
	s.route(post, "/api/v1/frameworks/:id/applications", APIRoles(kernel.RoleProviderAdmin), s.apiApply)
	s.route(get, "/api/v1/applications", APIRoles(kernel.RoleConsortiumAdmin), s.apiApplications)
	s.route(post, "/api/v1/applications/:id/decision", APIRoles(kernel.RoleConsortiumAdmin), s.apiDecideApplication)
	s.route(post, "/api/v1/applications/:id/suspension", APIRoles(kernel.RoleConsortiumAdmin), s.apiSuspend)
	s.route(http.MethodDelete, "/api/v1/applications/:id/suspension", APIRoles(kernel.RoleConsortiumAdmin), s.apiReinstate)
	s.route(http.MethodPut, "/api/v1/billing/contacts/:council_id", APIRoles(kernel.RoleConsortiumAdmin), s.apiSetBillingContact)
	// Public like the sign-up page, and rate-limited the same way.
	s.route(post, "/api/v1/providers", Public, s.apiRegisterProvider)
	s.route(post, "/api/v1/homes", APIRoles(kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiCreateHome)
	s.route(http.MethodPut, "/api/v1/homes/:id", APIRoles(kernel.RoleProviderAdmin, kernel.RoleProviderUser), s.apiUpdateHome)
	apiHookAdmins := APIRoles(kernel.RoleApprover, kernel.RoleProviderAdmin)
	s.route(get, "/api/v1/webhook-endpoints", apiHookAdmins, s.apiWebhookEndpoints)
	s.route(post, "/api/v1/webhook-endpoints", apiHookAdmins, s.apiCreateWebhookEndpoint)
	s.route(get, "/api/v1/webhook-endpoints/:id", apiHookAdmins, s.apiWebhookEndpoint)
	s.route(http.MethodPut, "/api/v1/webhook-endpoints/:id", apiHookAdmins, s.apiUpdateWebhookEndpoint)
	s.route(post, "/api/v1/webhook-endpoints/:id/disable", apiHookAdmins, s.apiDisableWebhookEndpoint)
	s.route(post, "/api/v1/webhook-endpoints/:id/enable", apiHookAdmins, s.apiEnableWebhookEndpoint)
	s.route(post, "/api/v1/webhook-endpoints/:id/rotate-secret", apiHookAdmins, s.apiRotateWebhookSecret)
	s.route(get, "/api/v1/webhook-endpoints/:id/deliveries", apiHookAdmins, s.apiWebhookDeliveries)
	s.route(post, "/api/v1/webhook-endpoints/:id/deliveries/:delivery/replay", apiHookAdmins, s.apiReplayWebhookDelivery)
	s.route(get, "/api/v1/mailboxes", APIRoles(kernel.RoleConsortiumAdmin), s.apiMailboxes)
	s.route(http.MethodPut, "/api/v1/mailboxes", APIRoles(kernel.RoleConsortiumAdmin), s.apiPutMailboxes)
}

func (s *Server) healthz(c echo.Context) error { return c.String(http.StatusOK, "ok\n") }

func (s *Server) readyz(c echo.Context) error {
	if err := s.deps.DB.Pool.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

func (s *Server) staticPage(name, title string) echo.HandlerFunc {
	return func(c echo.Context) error { return s.page(c, http.StatusOK, name, title, nil) }
}
