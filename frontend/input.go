package frontend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// errBadText is the answer to text PostgreSQL cannot store: a NUL character or bytes
// that are not UTF-8.
var errBadText = echo.NewHTTPError(http.StatusBadRequest,
	"The request contains characters Hearth cannot accept (a null character, or text that is not UTF-8). Remove them and try again.")

// cleanText refuses, once for every route, text that PostgreSQL would refuse with an
// internal error (ASVS V5.1.4): NUL characters and invalid UTF-8 in the path, the
// query, form fields (multipart text fields included) and JSON bodies.
func cleanText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !goodText(r.URL.Path) || !goodValues(r.URL.Query()) {
			return errBadText
		}
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		switch {
		case mt == echo.MIMEApplicationForm:
			if err := r.ParseForm(); err == nil && !goodValues(r.PostForm) {
				return errBadText
			}
		case mt == echo.MIMEMultipartForm:
			if _, err := c.MultipartForm(); err == nil && !goodValues(r.MultipartForm.Value) {
				return errBadText
			}
		case mt == echo.MIMEApplicationJSON || strings.HasSuffix(mt, "+json") || (mt == "" && isAPI(r.URL.Path)):
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				return err // too large: the body limit's 413
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
			if !goodJSON(raw) {
				return errBadText
			}
		}
		return next(c)
	}
}

func goodText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func goodValues(v url.Values) bool {
	for k, vs := range v {
		if !goodText(k) {
			return false
		}
		for _, s := range vs {
			if !goodText(s) {
				return false
			}
		}
	}
	return true
}

// goodJSON says whether raw is UTF-8 with no string (key or value) holding a NUL,
// escaped as \u0000 or not. Malformed JSON is left to the handler to refuse.
func goodJSON(raw []byte) bool {
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return false
	}
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return true
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := d.Token()
		if err != nil {
			return true
		}
		if s, ok := tok.(string); ok && strings.ContainsRune(s, 0) {
			return false
		}
	}
}

// queryInt reads the whole number name from a query string: def when absent, and a
// 400 naming the parameter when it is not a number from lo to hi (ASVS V5.1.3).
func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("%q in the web address must be a whole number from %d to %d.", name, lo, hi))
	}
	return n, nil
}
