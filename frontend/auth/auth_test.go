package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) {
	auth.Params = &argon2id.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dbtest.Main(m)
}

const (
	testPassword = "correct horse battery"
	testSecret   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// world is a database with one provider organisation and a Service with a seed key,
// mailing through an outbox, on a clock the test sets.
type world struct {
	db     *gorm.DB
	users  *auth.Service
	outbox *notify.Outbox
	org    commissioning.Organisation
	now    time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := dbtest.Open(t)
	w := &world{db: db.Gorm, outbox: notify.NewOutbox(db.Gorm, false), now: time.Now().Truncate(time.Second)}
	w.users = auth.NewService(db.Gorm).WithMail(w.outbox, "http://hearth.test")
	w.users.Keys = mustKeys(t, newKey(t))
	w.users.Now = func() time.Time { return w.now }
	var err error
	if w.org, err = commissioning.NewService(db.Gorm).Create(context.Background(), kernel.KindProvider, "Provider"); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) user(t *testing.T, email string) auth.User {
	t.Helper()
	u, err := w.users.Create(context.Background(), auth.NewUser{Email: email, Name: "Test", Role: kernel.RoleProviderAdmin, OrganisationID: w.org.ID, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// enrolled returns a user with MFA on, enrolled with a code of the step before now.
func (w *world) enrolled(t *testing.T, email string) auth.User {
	t.Helper()
	u := w.user(t, email)
	code, _ := totp.GenerateCode(testSecret, w.now.Add(-30*time.Second))
	if err := w.users.EnableMFA(context.Background(), u, testSecret, code); err != nil {
		t.Fatal(err)
	}
	u, err := w.users.ByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *world) mails(t *testing.T) []notify.Email {
	t.Helper()
	list, _, err := w.outbox.List(context.Background(), notify.AllMail, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func newKey(t testing.TB) []byte {
	t.Helper()
	enc, err := auth.NewSeedKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.ParseSeedKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustKeys(t testing.TB, current []byte, older ...[]byte) *auth.SeedKeys {
	t.Helper()
	k, err := auth.NewSeedKeys(current, older...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ASVS V2.8.4: a time-based code is accepted once within its validity period; ASVS
// V2.8.5: a reused code is logged and the holder told.
func TestTOTPCodeWorksOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u := w.enrolled(t, "once@provider.test")
	code, _ := totp.GenerateCode(testSecret, w.now)
	if err := w.users.CheckMFA(ctx, u, code, "192.0.2.1"); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if err := w.users.CheckMFA(ctx, u, code, "192.0.2.1"); !errors.Is(err, auth.ErrBadCode) {
		t.Fatalf("second use of the same code = %v, want ErrBadCode", err)
	}
	// 20 seconds later the same code is still inside its window: still refused.
	w.now = w.now.Add(20 * time.Second)
	if err := w.users.CheckMFA(ctx, u, code, "192.0.2.1"); !errors.Is(err, auth.ErrBadCode) {
		t.Fatalf("same code later in its window = %v, want ErrBadCode", err)
	}
	// The enrolment's code (the step before) is refused too: an older step never passes.
	old, _ := totp.GenerateCode(testSecret, w.now.Add(-50*time.Second))
	if err := w.users.CheckMFA(ctx, u, old, "192.0.2.1"); !errors.Is(err, auth.ErrBadCode) {
		t.Fatalf("earlier step's code = %v, want ErrBadCode", err)
	}
	// The next step's code works.
	w.now = w.now.Add(30 * time.Second)
	next, _ := totp.GenerateCode(testSecret, w.now)
	if err := w.users.CheckMFA(ctx, u, next, "192.0.2.1"); err != nil {
		t.Fatalf("next step's code: %v", err)
	}
	var reused int64
	w.db.Raw("SELECT count(*) FROM audit_log WHERE action = 'user.mfa_code_reused' AND entity_id = ?", fmt.Sprint(u.ID)).Scan(&reused)
	if reused == 0 {
		t.Fatal("reuse not audited")
	}
	found := false
	for _, m := range w.mails(t) {
		found = found || (m.ToAddress == u.Email && strings.Contains(m.Subject, "used twice"))
	}
	if !found {
		t.Fatal("holder not told of the reused code")
	}
}

// ASVS V2.8.4: two concurrent uses of one code cannot both pass.
func TestTOTPCodeConcurrentUseOneWins(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for round := 0; round < 5; round++ {
		u := w.enrolled(t, "race"+string(rune('a'+round))+"@provider.test")
		code, _ := totp.GenerateCode(testSecret, w.now)
		var wg sync.WaitGroup
		results := make([]error, 2)
		start := make(chan struct{})
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = w.users.CheckMFA(ctx, u, code, "")
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, auth.ErrBadCode):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of 2 concurrent uses passed, want exactly 1", round, won)
		}
	}
}

// ASVS V2.8 / V6.4.1: TOTP seeds are stored sealed with AES-GCM under a named key,
// never in clear; seeds stored in clear before are sealed at startup.
func TestTOTPSeedsSealedAtRest(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u := w.enrolled(t, "sealed@provider.test")
	var stored string
	w.db.Raw("SELECT totp_secret FROM users WHERE id = ?", u.ID).Scan(&stored)
	if strings.Contains(stored, testSecret) || !strings.HasPrefix(stored, "v1:"+w.users.Keys.CurrentID()+":") {
		t.Fatalf("stored seed = %q, want v1:<key id>:<sealed>", stored)
	}
	// A seed left in clear from before is sealed by SealPlaintextSeeds, then works.
	legacy := w.user(t, "legacy@provider.test")
	w.db.Exec("UPDATE users SET totp_secret = ?, totp_enabled_at = now() WHERE id = ?", testSecret, legacy.ID)
	n, err := w.users.SealPlaintextSeeds(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sealed %d, %v; want 1", n, err)
	}
	legacy, _ = w.users.ByID(ctx, legacy.ID)
	if !auth.IsSealed(*legacy.TOTPSecret) {
		t.Fatalf("legacy seed still in clear: %q", *legacy.TOTPSecret)
	}
	code, _ := totp.GenerateCode(testSecret, w.now)
	if err := w.users.CheckMFA(ctx, legacy, code, ""); err != nil {
		t.Fatalf("code for the sealed legacy seed: %v", err)
	}
	// A sealed seed copied to another user's row does not open there.
	other := w.user(t, "copy@provider.test")
	w.db.Exec("UPDATE users SET totp_secret = ?, totp_enabled_at = now() WHERE id = ?", stored, other.ID)
	other, _ = w.users.ByID(ctx, other.ID)
	if err := w.users.CheckMFA(ctx, other, code, ""); !errors.Is(err, auth.ErrSealedValue) {
		t.Fatalf("seed moved to another user = %v, want ErrSealedValue", err)
	}
	// Without a key there is no second factor, rather than one in clear.
	nokey := auth.NewService(w.db)
	if err := nokey.EnableMFA(ctx, u, testSecret, code); !errors.Is(err, auth.ErrNoSeedKey) {
		t.Fatalf("EnableMFA without a key = %v, want ErrNoSeedKey", err)
	}
}

// tamper changes one base64 character well inside the sealed value. (Overwriting the
// last two left it unchanged whenever its last byte was zero, one run in 256: the
// final characters of unpadded base64 also carry unused bits.)
func tamper(sealed string) string {
	i := len(sealed) - 10
	c := byte('A')
	if sealed[i] == c {
		c = 'B'
	}
	return sealed[:i] + string(c) + sealed[i+1:]
}

// ASVS V6.2.1, V6.4.1: sealing uses a random nonce, detects tampering, and names its key.
func TestSeedKeys(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	keys := mustKeys(t, k1)
	a, err := keys.Seal("SECRET", "ctx")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := keys.Seal("SECRET", "ctx")
	if a == b {
		t.Fatal("two seals of one value are equal: nonce not random")
	}
	tests := []struct {
		name    string
		keys    *auth.SeedKeys
		sealed  string
		context string
		want    error
	}{
		{"OK", keys, a, "ctx", nil},
		{"OKOlderKey", mustKeys(t, k2, k1), a, "ctx", nil},
		{"ErrWrongContext", keys, a, "other", auth.ErrSealedValue},
		{"ErrTampered", keys, tamper(a), "ctx", auth.ErrSealedValue},
		{"ErrUnknownKey", mustKeys(t, k2), a, "ctx", auth.ErrUnknownKey},
		{"ErrPlaintext", keys, "JBSWY3DPEHPK3PXP", "ctx", auth.ErrSealedValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.Open(tt.sealed, tt.context)
			if !errors.Is(err, tt.want) || (tt.want == nil && got != "SECRET") {
				t.Fatalf("Open = %q, %v; want %v", got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "c2hvcnQ=", "not base64!"} {
		if _, err := auth.ParseSeedKey(bad); err == nil {
			t.Errorf("ParseSeedKey(%q) accepted", bad)
		}
	}
}

// ASVS V6.4.1: a key rotation re-seals every seed under the new key in one
// transaction; if any seed cannot be opened, none moves.
func TestRotateSeedKey(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	oldKeys := w.users.Keys
	u1 := w.enrolled(t, "one@provider.test")
	u2 := w.enrolled(t, "two@provider.test")
	nextKeys := mustKeys(t, newKey(t))

	// A seed under a key nobody gave: the whole rotation fails and nothing changes.
	stranger := w.user(t, "stranger@provider.test")
	foreign, _ := mustKeys(t, newKey(t)).Seal(testSecret, "hearth totp seed user 0")
	w.db.Exec("UPDATE users SET totp_secret = ? WHERE id = ?", foreign, stranger.ID)
	if _, err := auth.RotateSeedKey(ctx, w.db, oldKeys, nextKeys); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("rotation with an unopenable seed = %v, want ErrUnknownKey", err)
	}
	var moved int64
	w.db.Raw("SELECT count(*) FROM users WHERE totp_secret LIKE ?", "v1:"+nextKeys.CurrentID()+":%").Scan(&moved)
	if moved != 0 {
		t.Fatalf("%d seeds moved by a failed rotation", moved)
	}
	w.db.Exec("UPDATE users SET totp_secret = NULL WHERE id = ?", stranger.ID)

	n, err := auth.RotateSeedKey(ctx, w.db, oldKeys, nextKeys)
	if err != nil || n != 2 {
		t.Fatalf("rotated %d, %v; want 2", n, err)
	}
	w.users.Keys = nextKeys
	w.now = w.now.Add(30 * time.Second)
	for _, u := range []auth.User{u1, u2} {
		u, _ = w.users.ByID(ctx, u.ID)
		if auth.SealedKeyID(*u.TOTPSecret) != nextKeys.CurrentID() {
			t.Fatalf("user %d still under key %s", u.ID, auth.SealedKeyID(*u.TOTPSecret))
		}
		code, _ := totp.GenerateCode(testSecret, w.now)
		if err := w.users.CheckMFA(ctx, u, code, ""); err != nil {
			t.Fatalf("code after rotation: %v", err)
		}
	}
	// Running it again changes nothing.
	if n, err := auth.RotateSeedKey(ctx, w.db, oldKeys, nextKeys); err != nil || n != 0 {
		t.Fatalf("second rotation: %d, %v", n, err)
	}
}

// ASVS V2.1.7: passwords on the deny-list of common and breached passwords are
// refused, whatever their case; ASVS V2.1.1: length 12 stays.
func TestCheckPasswordDenyList(t *testing.T) {
	tests := []struct {
		password string
		refused  bool
	}{
		{"password1234", true},
		{"PASSWORD1234", true},
		{"Qwertyuiop123", true},
		{"1q2w3e4r5t6y", true},
		{"iloveyou1234", true},
		{"short", true},
		{"correct horse battery", false},
		{"kestrel nests on cliffs", false},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			if msg := auth.CheckPassword(tt.password, "a@b.test"); (msg != "") != tt.refused {
				t.Fatalf("CheckPassword(%q) = %q, refused want %v", tt.password, msg, tt.refused)
			}
		})
	}
}

// ASVS V3.3.2, V3.5: API tokens expire; the authenticating query itself refuses an
// expired token.
func TestAPITokenExpiry(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u := w.user(t, "api@provider.test")
	tok, created, err := w.users.CreateAPIToken(ctx, u, auth.NewAPIToken{Name: "Case system"})
	if err != nil {
		t.Fatal(err)
	}
	if want := w.now.AddDate(0, 0, 90); !created.ExpiresAt.Equal(want) {
		t.Fatalf("default expiry %v, want %v", created.ExpiresAt, want)
	}
	if _, err := w.users.AuthenticateAPIToken(ctx, tok); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	w.now = w.now.AddDate(0, 0, 90)
	if _, err := w.users.AuthenticateAPIToken(ctx, tok); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("expired token = %v, want ErrNoToken", err)
	}
	if _, _, err := w.users.CreateAPIToken(ctx, u, auth.NewAPIToken{Name: "x", Days: 1000}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("1000 days = %v, want invalid", err)
	}
	for _, m := range w.mails(t) {
		if strings.Contains(m.Body, tok) {
			t.Fatal("the token was emailed")
		}
	}
}

// A token's last use is recorded at most once a minute: requests within the minute
// make no write (the token row just read says none is due), the first after it does.
func TestAPITokenLastUsedAtMostOnceAMinute(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	u := w.user(t, "busy@provider.test")
	tok, _, err := w.users.CreateAPIToken(ctx, u, auth.NewAPIToken{Name: "Case system"})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		toks, err := w.users.APITokens(ctx, u)
		if err != nil || len(toks) != 1 || toks[0].LastUsedAt == nil {
			t.Fatalf("tokens %+v, %v: want one, used", toks, err)
		}
		return *toks[0].LastUsedAt
	}
	first := w.now
	for _, step := range []time.Duration{0, 30 * time.Second, 29 * time.Second} {
		w.now = w.now.Add(step)
		if _, err := w.users.AuthenticateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(first) {
			t.Fatalf("after %v: last used %v, want %v (no write within the minute)", w.now.Sub(first), got, first)
		}
	}
	w.now = first.Add(61 * time.Second)
	if _, err := w.users.AuthenticateAPIToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(w.now) {
		t.Fatalf("after a minute: last used %v, want %v", got, w.now)
	}
}

// ASVS V2.2.1: reset-link and sign-up requests are limited per email and per address,
// whether or not an account has the email.
func TestAllowRequestLimits(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	kind := auth.RequestPasswordReset
	for i := 0; i < auth.MaxRequestsPerEmail[kind]; i++ {
		if err := w.users.AllowRequest(ctx, kind, "nobody@nowhere.test", "192.0.2.1"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := w.users.AllowRequest(ctx, kind, "NOBODY@nowhere.test", "192.0.2.9"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("one request over the email's limit = %v, want ErrThrottled", err)
	}
	for i := 0; i < auth.MaxRequestsPerAddress[kind]; i++ {
		w.users.AllowRequest(ctx, kind, "x"+string(rune('a'+i))+"@x.test", "198.51.100.7")
	}
	if err := w.users.AllowRequest(ctx, kind, "fresh@x.test", "198.51.100.7"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("one request over the address's limit = %v, want ErrThrottled", err)
	}
	if err := w.users.AllowRequest(ctx, auth.RequestSignUp, "fresh@x.test", "198.51.100.7"); err != nil {
		t.Fatalf("another kind of request is counted apart: %v", err)
	}
	w.now = w.now.Add(auth.RequestWindow + time.Second)
	if err := w.users.AllowRequest(ctx, kind, "nobody@nowhere.test", "192.0.2.1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// A form draft sealed for a user and organisation opens for them only: not for another
// user of the organisation, nor for the same user acting for another organisation.
func TestDraftSealedForItsUserAndOrganisation(t *testing.T) {
	s := &auth.Service{Keys: mustKeys(t, newKey(t))}
	u, other := auth.User{ID: 7}, auth.User{ID: 8}
	sealed, err := s.SealDraft(u, 100, "religion=DraftFaith")
	if err != nil || strings.Contains(sealed, "DraftFaith") {
		t.Fatalf("SealDraft = %q, %v", sealed, err)
	}
	tests := []struct {
		name string
		u    auth.User
		org  int64
		want error
	}{
		{"OK", u, 100, nil},
		{"ErrAnotherUser", other, 100, auth.ErrSealedValue},
		{"ErrAnotherOrganisation", u, 101, auth.ErrSealedValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.OpenDraft(tt.u, tt.org, sealed)
			if !errors.Is(err, tt.want) || (tt.want == nil && got != "religion=DraftFaith") {
				t.Fatalf("OpenDraft = %q, %v; want %v", got, err, tt.want)
			}
		})
	}
}
