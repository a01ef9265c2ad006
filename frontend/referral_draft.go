package frontend

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// The s25 referral form, once it has no problems, is kept in the session for check your
// answers. It holds special-category data (ethnicity, religion, needs), so it is kept
// sealed with the key that seals TOTP seeds, bound to the user and the council it was
// typed for, holding only the form's own fields, and at most maxReferralDraft bytes.

// sessReferralDraft is the session key of the kept referral form.
const sessReferralDraft = "secure_referral_draft"

// maxReferralDraft is the most a kept referral form may hold (its fields' names and
// values, in bytes). The form's own limits keep a form that passes its checks well under
// it (about 6 KB at most): this is the backstop.
const maxReferralDraft = 16 << 10

// keptReferral is what the session holds, sealed.
type keptReferral struct {
	UserID int64      `json:"user_id"`
	OrgID  int64      `json:"org_id"`
	Values url.Values `json:"values"`
}

// referralFields are the names the referral form posts (a date's three boxes each).
var referralFields = formFieldNames(&secure.NewReferral{})

// formFieldNames are the form field names of dst's fields, with a date input's boxes.
func formFieldNames(dst any) map[string]bool {
	names := map[string]bool{}
	forEachField(dst, func(f reflect.StructField, _ reflect.Value) {
		tag := parseFormTag(f)
		switch {
		case tag.name == "":
		case tag.date:
			names[tag.name+"-day"], names[tag.name+"-month"], names[tag.name+"-year"] = true, true, true
		default:
			names[tag.name] = true
		}
	})
	return names
}

// referralFormValues keeps only the referral form's fields of vals and measures them.
// A form over maxReferralDraft is a field error on its longest answer.
func referralFormValues(vals url.Values) (url.Values, kernel.FieldErrors) {
	kept := url.Values{}
	size, longest, longestLen := 0, "", -1
	for k, v := range vals {
		if !referralFields[k] {
			continue
		}
		kept[k] = v
		n := 0
		for _, s := range v {
			n += len(s)
		}
		size += len(k) + n
		if n > longestLen {
			longest, longestLen = k, n
		}
	}
	if size > maxReferralDraft {
		var fe kernel.FieldErrors
		fe.AddCode(longest, kernel.CodeTooLong, fmt.Sprintf("The referral is too long to keep (more than %d KB): shorten this answer", maxReferralDraft>>10))
		return nil, fe
	}
	return kept, nil
}

// keepReferralDraft keeps vals, sealed, for the signed-in user and their council.
func (s *Server) keepReferralDraft(c echo.Context, vals url.Values) error {
	u, _ := currentUser(c)
	org := currentOrg(c).ID
	raw, err := json.Marshal(keptReferral{UserID: u.ID, OrgID: org, Values: vals})
	if err != nil {
		return err
	}
	sealed, err := s.deps.Users.SealDraft(u, org, string(raw))
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessReferralDraft, sealed)
	return nil
}

// referralDraft is the referral form kept for check your answers, if any. A draft
// another user, or the same user for another council, kept (or one that no longer
// opens) is dropped.
func (s *Server) referralDraft(c echo.Context) (url.Values, bool) {
	ctx := c.Request().Context()
	sealed := s.sessions.GetString(ctx, sessReferralDraft)
	if sealed == "" {
		return nil, false
	}
	u, _ := currentUser(c)
	org := currentOrg(c).ID
	var kept keptReferral
	raw, err := s.deps.Users.OpenDraft(u, org, sealed)
	if err == nil {
		err = json.Unmarshal([]byte(raw), &kept)
	}
	if err != nil || kept.UserID != u.ID || kept.OrgID != org {
		s.sessions.Remove(ctx, sessReferralDraft)
		return nil, false
	}
	return kept.Values, true
}

// dropReferralDraft forgets the kept referral form.
func (s *Server) dropReferralDraft(c echo.Context) {
	s.sessions.Remove(c.Request().Context(), sessReferralDraft)
}
