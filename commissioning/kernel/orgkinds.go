package kernel

// OrgKind is the kind of an organisation.
type OrgKind string

// Organisation kinds.
const (
	KindConsortium OrgKind = "consortium"
	KindCouncil    OrgKind = "council"
	KindProvider   OrgKind = "provider"
	KindSWCU       OrgKind = "swcu"
)
