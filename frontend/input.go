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

// maxBody is the largest request body Hearth reads (a CSV upload of about 5,000 rows).
const maxBody = 2_000_000 // the BodyLimit of server.go, "2M"

// cutField is the context key of the form field an over-long form was cut in.
const cutField = "hearth.cut_field"

// formLimit keeps an ordinary form (URL-encoded, not the API) that is larger than the
// body limit from becoming an error page that loses what was typed (issue 14): the form
// is read up to the limit and cut there, and the handler runs with it; decodeForm then
// puts the problem beside the field that was cut (its own length rule, or "too long"),
// with the text kept. The rest of the body is read and dropped, up to a hard cap, so
// that the browser gets the page rather than a reset connection. Uploads and the API
// keep the body limit's 413.
func formLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		if r.Method != http.MethodPost || mt != echo.MIMEApplicationForm || isAPI(r.URL.Path) || r.Body == nil || r.Body == http.NoBody ||
			(r.ContentLength >= 0 && r.ContentLength <= maxBody) {
			return next(c)
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return err
		}
		if len(raw) > maxBody {
			if n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 16*maxBody)); n == 16*maxBody {
				return echo.ErrStatusRequestEntityTooLarge
			}
			raw = cutForm(raw[:maxBody])
			key, _, _ := strings.Cut(string(raw[bytes.LastIndexByte(raw, '&')+1:]), "=")
			if k, err := url.QueryUnescape(key); err == nil {
				c.Set(cutField, k)
			}
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		return next(c)
	}
}

// cutForm drops a %-escape or a UTF-8 character split by a cut at the end of raw, a
// URL-encoded form, so that what is left still decodes.
func cutForm(raw []byte) []byte {
	if i := bytes.LastIndexByte(raw, '%'); i >= 0 && i >= len(raw)-2 {
		raw = raw[:i]
	}
	for len(raw) >= 3 {
		s, err := url.QueryUnescape(string(raw[bytes.LastIndexByte(raw, '&')+1:]))
		if err == nil && utf8.ValidString(s) {
			return raw
		}
		raw = raw[:len(raw)-3] // the last escape of a character cut in two
	}
	return raw[:0]
}
