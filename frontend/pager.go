package frontend

import (
	"net/url"
	"strconv"
)

// pager is the one pagination helper: it reads ?page=, and builds links that keep
// the other query parameters.
type pager struct {
	Page, Pages, Size int
	Prev, Next        string
}

func newPager(q url.Values, size int) pager {
	p, _ := strconv.Atoi(q.Get("page"))
	if p < 1 {
		p = 1
	}
	return pager{Page: p, Size: size}
}

func (p pager) Offset() int { return (p.Page - 1) * p.Size }

// withTotal fills in the page count and the previous/next links for base?query.
func (p pager) withTotal(total int64, base string, q url.Values) pager {
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
