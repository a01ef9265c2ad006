package frontend

import (
	"net/url"
	"strconv"

	"gorm.io/gorm"
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

// scope limits a gorm query to the page: the one place lists are paged in SQL.
func (p pager) scope(db *gorm.DB) *gorm.DB { return db.Offset(p.Offset()).Limit(p.Size) }

// window cuts the page out of a list already in memory, for lists built by a domain
// service rather than a single query.
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

// apiPage is the paging metadata of a JSON list: added beside the list, so existing
// clients that read only the list keep working.
type apiPage struct {
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Total   int64  `json:"total"`
	Next    string `json:"next,omitempty"`
}

func (p pager) api() apiPage {
	return apiPage{Page: p.Page, PerPage: p.Size, Total: p.Total, Next: p.Next}
}
