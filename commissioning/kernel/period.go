package kernel

import "time"

// PastPeriod is a period that has happened, or is happening: it began by now and, if
// it has ended, ended after it began and by now. Its fields and messages are the
// input's own (a hold's "from"/"until", an incident's "started_at"/"ended_at").
type PastPeriod struct {
	Start      time.Time
	End        *time.Time // nil: not ended
	StartField string
	EndField   string
	// The messages: the start is in the future; the end is not after the start; the end
	// is in the future.
	StartLater, EndBeforeStart, EndLater string
}

// Check is the period's problems at now, each on its field.
func (p PastPeriod) Check(now time.Time) FieldErrors {
	var fe FieldErrors
	if !p.Start.IsZero() && p.Start.After(now) {
		fe.Add(p.StartField, p.StartLater)
	}
	if p.End != nil && !p.Start.IsZero() && !p.End.After(p.Start) {
		fe.Add(p.EndField, p.EndBeforeStart)
	} else if p.End != nil && p.End.After(now) {
		fe.Add(p.EndField, p.EndLater)
	}
	return fe
}
