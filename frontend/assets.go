package frontend

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// govukAssets are GOV.UK Frontend's fonts and images, which its stylesheet loads
// from /assets/.
func govukAssets() fs.FS {
	sub, err := fs.Sub(staticFS, "static/govuk/assets")
	if err != nil {
		return staticFiles()
	}
	return sub
}

// staticHandler serves embedded files under prefix with long-lived caching.
func staticHandler(prefix string, fsys fs.FS) echo.HandlerFunc {
	h := http.StripPrefix(prefix, http.FileServer(http.FS(fsys)))
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if strings.HasSuffix(p, "/") {
			return echo.ErrNotFound // no directory listings
		}
		if _, err := fs.Stat(fsys, strings.TrimPrefix(p, prefix)); err != nil {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
