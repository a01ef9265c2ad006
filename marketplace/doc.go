// Package marketplace will hold the exchange side of Hearth: providers' framework
// admissions, homes and vacancies, invitations, sealed bids, evaluation and billing.
// It may import commissioning (organisations, roles, geography, audit), never the
// other way round.
package marketplace
