package kernel

import (
	"fmt"
	"strconv"
	"strings"
)

// Pence is an amount of money in integer pence: Hearth never uses floats for money.
type Pence int64

// String formats p as pounds, like "£4,250.00".
func (p Pence) String() string {
	neg := p < 0
	if neg {
		p = -p
	}
	pounds := strconv.FormatInt(int64(p)/100, 10)
	var b strings.Builder
	for i, r := range pounds {
		if i > 0 && (len(pounds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := fmt.Sprintf("£%s.%02d", b.String(), int64(p)%100)
	if neg {
		return "-" + s
	}
	return s
}

// ParsePounds reads an amount typed by a person ("4250", "£4,250.50") into pence.
func ParsePounds(s string) (Pence, error) {
	s = strings.TrimSpace(strings.NewReplacer("£", "", ",", "", " ", "").Replace(s))
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("amount %q: pence must be two digits", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1_000_000_000 {
		return 0, fmt.Errorf("amount %q is not a number of pounds", s)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("amount %q is not a number of pounds", s)
	}
	return Pence(w*100 + f), nil
}
