package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Throttling limits: failed attempts within Window lock an account, or an address.
var (
	Window         = 15 * time.Minute
	MaxPerAccount  = 5
	MaxPerAddress  = 20
	ThrottleAdvice = "Wait 15 minutes, then try again, or reset your password."
)

func (s *Service) checkThrottle(ctx context.Context, email, ip string) error {
	since := s.Now().Add(-Window)
	var byAccount, byIP int64
	q := s.db.WithContext(ctx).Table("login_attempts").Where("NOT succeeded AND at > ?", since)
	if err := q.Session(&gormSession).Where("email = ?", email).Count(&byAccount).Error; err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	if ip != "" {
		if err := q.Session(&gormSession).Where("ip = ?", ip).Count(&byIP).Error; err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
	}
	if byAccount >= int64(MaxPerAccount) || byIP >= int64(MaxPerAddress) {
		return ErrThrottled
	}
	return nil
}

func (s *Service) recordAttempt(ctx context.Context, email, ip string, ok bool) error {
	var ipArg any
	if ip != "" {
		ipArg = ip
	}
	err := s.db.WithContext(ctx).Exec("INSERT INTO login_attempts (email, ip, succeeded, at) VALUES (?, ?, ?, ?)", email, ipArg, ok, s.Now()).Error
	if err != nil {
		return fmt.Errorf("record sign-in attempt: %w", err)
	}
	return nil
}

// Kinds of credential request, each rate-limited per address and per email.
const (
	RequestPasswordReset = "password_reset"
	RequestSignUp        = "sign_up"
	// RequestNoticeLink is a use of a notice's or consultation's emailed link, limited
	// per client address only (it carries no email), against guessing tokens.
	RequestNoticeLink = "notice_link"
)

// Limits on credential requests within RequestWindow (ASVS V2.2.1): reset links asked
// for and sign-ups tried, per email address and per client address.
var (
	RequestWindow         = time.Hour
	MaxRequestsPerEmail   = map[string]int{RequestPasswordReset: 3, RequestSignUp: 3}
	MaxRequestsPerAddress = map[string]int{RequestPasswordReset: 10, RequestSignUp: 5, RequestNoticeLink: 60}
	RequestAdvice         = "Wait an hour, then try again."
)

// AllowRequest records a credential request of kind for email from ip and returns
// ErrThrottled, without recording it, when either has made too many within
// RequestWindow. The count is the same whether or not an account has that email, so
// the answer reveals nothing about which accounts exist.
func (s *Service) AllowRequest(ctx context.Context, kind, email, ip string) error {
	email = strings.TrimSpace(email)
	since := s.Now().Add(-RequestWindow)
	var byEmail, byIP int64
	q := s.db.WithContext(ctx).Table("credential_requests").Where("kind = ? AND at > ?", kind, since)
	if err := q.Session(&gormSession).Where("email = ?", email).Count(&byEmail).Error; err != nil {
		return fmt.Errorf("throttle %s: %w", kind, err)
	}
	ipArg := ipOrNull(ip)
	if ipArg != nil {
		if err := q.Session(&gormSession).Where("ip = ?", ipArg).Count(&byIP).Error; err != nil {
			return fmt.Errorf("throttle %s: %w", kind, err)
		}
	}
	perEmail, limited := MaxRequestsPerEmail[kind]
	if limited && byEmail >= int64(perEmail) || byIP >= int64(MaxRequestsPerAddress[kind]) {
		return ErrThrottled
	}
	err := s.db.WithContext(ctx).Exec("INSERT INTO credential_requests (kind, email, ip, at) VALUES (?, ?, ?, ?)", kind, email, ipArg, s.Now()).Error
	if err != nil {
		return fmt.Errorf("record %s request: %w", kind, err)
	}
	return nil
}
