package auth

import (
	"context"
	"fmt"
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
