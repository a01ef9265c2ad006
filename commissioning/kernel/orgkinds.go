package kernel

// OrgKind is the kind of an organisation.
type OrgKind string

// Organisation kinds.
const (
	KindConsortium OrgKind = "consortium"
	KindCouncil    OrgKind = "council"
	KindProvider   OrgKind = "provider"
	KindSWCU       OrgKind = "swcu"
	// KindPolice is a police force, in the area of one ONS police force area, invited
	// and managed by one consortium.
	KindPolice OrgKind = "police"
)
