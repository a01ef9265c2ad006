// Package kernel is Hearth's shared kernel: what every process needs and nothing in it
// needs a process. It holds the domain error kinds and their codes, field errors and the
// message table; money in pence; the one clock and England's working days; roles and
// organisation kinds; the needs taxonomy and codes; paging; and the generic state machine
// that each stateful object's transitions table uses. Its subpackages are audit (the
// append-only log), notify (the mail outbox, SMTP delivery and in-app notices), webhook
// (signed outbound events to organisations' systems), geo (councils, postcode
// districts, adjacency, distance), seal (AES-256-GCM for secrets at rest and random
// tokens), csvsafe (reading and writing CSV safely) and ssda903 (the DfE's SSDA903 code
// lists by collection year, shipped as data).
//
// The kernel imports nothing of Hearth's but itself (cmd/hearth/architecture_test.go).
package kernel
