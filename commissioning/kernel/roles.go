package kernel

// Role is what a user may do in Hearth. A user has exactly one role, fixed by the
// kind of organisation they belong to (the database enforces the pairing).
type Role string

// The roles.
const (
	RoleConsortiumAdmin Role = "consortium_admin"
	RoleCommissioner    Role = "commissioner"
	RoleApprover        Role = "approver"
	RoleProviderAdmin   Role = "provider_admin"
	RoleProviderUser    Role = "provider_user"
	RoleSWCUCoordinator Role = "swcu_coordinator"
	RoleSecureHomeUser  Role = "secure_home_user"
	// RoleHostCouncilUser is a council's staff who see only the host view: placements
	// by other councils into their area, the notices about them and their missing
	// episodes — never the placing council's request, bids, fee or agreement. Any
	// English council may have them, whether or not it belongs to a consortium.
	RoleHostCouncilUser Role = "host_council_user"
	// RolePoliceLiaison is a police force's liaison officer, invited by a consortium:
	// they see the children's homes in their force's area run by the consortium's
	// providers and the missing episodes of the consortium's children there, by the
	// council's child reference only — never a profile, fee, bid or agreement.
	RolePoliceLiaison Role = "police_liaison"
)

// Roles lists every role in display order.
func Roles() []Role {
	return []Role{RoleConsortiumAdmin, RoleCommissioner, RoleApprover, RoleProviderAdmin,
		RoleProviderUser, RoleSWCUCoordinator, RoleSecureHomeUser, RoleHostCouncilUser, RolePoliceLiaison}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if r == x {
			return true
		}
	}
	return false
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleConsortiumAdmin:
		return "Consortium administrator"
	case RoleCommissioner:
		return "Commissioner"
	case RoleApprover:
		return "Approver (DCS or delegate)"
	case RoleProviderAdmin:
		return "Provider administrator"
	case RoleProviderUser:
		return "Provider user"
	case RoleSWCUCoordinator:
		return "SWCU coordinator"
	case RoleSecureHomeUser:
		return "Secure home user"
	case RoleHostCouncilUser:
		return "Host council user"
	case RolePoliceLiaison:
		return "Police liaison officer"
	}
	return string(r)
}

// RequiresMFA reports whether users in this role must use a second factor: approvers
// sign off distant placements, the SWCU sees every secure referral, and police liaison
// officers see children's homes' addresses and missing children.
func (r Role) RequiresMFA() bool {
	return r == RoleApprover || r == RoleSWCUCoordinator || r == RolePoliceLiaison
}

// OrgKind is the kind of organisation a user with this role belongs to.
func (r Role) OrgKind() OrgKind {
	switch r {
	case RoleConsortiumAdmin:
		return KindConsortium
	case RoleCommissioner, RoleApprover, RoleHostCouncilUser:
		return KindCouncil
	case RoleSWCUCoordinator:
		return KindSWCU
	case RolePoliceLiaison:
		return KindPolice
	}
	return KindProvider
}
