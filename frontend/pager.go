package frontend

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Page sizes: every list, on a page or in the API, shows at most this many rows at a
// time (ASVS V11.1.4); ?per_page= asks for another size up to maxPerPage.
const (
	defaultPerPage = 50
	maxPerPage     = 200
	maxPage        = 1_000_000
)

// pager is the one pagination helper: it reads ?page= and ?per_page=, limits a query
// to its page, and builds links that keep the other query parameters.
type pager struct {
	Page, Pages, Size int
	Total             int64
	Prev, Next        string
}

// newPager reads the page and its size (size unless ?per_page= says otherwise) from
// q; a number out of range is a 400 naming it.
func newPager(q url.Values, size int) (pager, error) {
	p, err := queryInt(q, "page", 1, 1, maxPage)
	if err != nil {
		return pager{}, err
	}
	n, err := queryInt(q, "per_page", size, 1, maxPerPage)
	if err != nil {
		return pager{}, err
	}
	return pager{Page: p, Size: n}, nil
}

func (p pager) Offset() int { return (p.Page - 1) * p.Size }

// rows is the page for a domain service's list, which pages it in SQL.
func (p pager) rows() kernel.Page {
	return kernel.Page{Offset: p.Offset(), Limit: p.Size}
}

// listPager is the pager of a list route: ?page= and ?per_page=, 50 rows by default.
func listPager(c echo.Context) (pager, error) { return newPager(c.QueryParams(), defaultPerPage) }

// counted fills in the total and the links, to this route with its query.
func (p pager) counted(c echo.Context, total int64) pager {
	return p.withTotal(total, c.Request().URL.Path, c.QueryParams())
}

// window cuts the page out of a list that cannot be ordered in SQL (the waiting list
// is ordered by a priority computed in Go).
func window[T any](p pager, all []T) []T {
	lo := min(p.Offset(), len(all))
	hi := min(lo+p.Size, len(all))
	return all[lo:hi]
}

// withTotal fills in the page count and the previous/next links for base?query.
func (p pager) withTotal(total int64, base string, q url.Values) pager {
	p.Total = total
	p.Pages = int((total + int64(p.Size) - 1) / int64(p.Size))
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		return base + "?" + v.Encode()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	return p
}

// next is the link to the next page for a JSON list, nil on the last page. JSON lists
// carry page, per_page, total and next beside the list itself.
func (p pager) next() *string {
	if p.Next == "" {
		return nil
	}
	n := p.Next
	return &n
}
