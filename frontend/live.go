package frontend

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"html/template"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// hub relays PostgreSQL notifications on one channel to every open board in this
// process. Each Hearth process runs its own hub, so a change made through any process
// reaches the boards open on all of them.
type hub struct {
	pool    *pgxpool.Pool
	channel string
	mu      sync.Mutex
	subs    map[chan string]struct{}
	done    chan struct{}
	ready   chan struct{}
}

func newHub(pool *pgxpool.Pool, channel string) *hub {
	return &hub{pool: pool, channel: channel, subs: map[chan string]struct{}{}, done: make(chan struct{}), ready: make(chan struct{})}
}

// run listens until ctx ends, reconnecting after failures.
func (h *hub) run(ctx context.Context) {
	defer close(h.done)
	once := sync.Once{}
	for ctx.Err() == nil {
		if err := h.listen(ctx, func() { once.Do(func() { close(h.ready) }) }); err != nil && ctx.Err() == nil {
			slog.Warn("live updates: listener lost, reconnecting", "channel", h.channel, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (h *hub) listen(ctx context.Context, listening func()) error {
	conn, err := h.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+h.channel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			// The connection may hold a half-read message; never reuse it.
			conn.Hijack().Close(context.Background())
			return err
		}
		h.publish(n.Payload)
	}
}

func (h *hub) publish(payload string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- payload:
		default: // a slow client misses a beat; it refreshes on the next one
		}
	}
}

// subscribe returns a channel of payloads and a function to stop.
func (h *hub) subscribe() (<-chan string, func()) {
	c := make(chan string, 16)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}
}

// maxStreamsPerUser is how many live-update streams one user may hold open at once,
// across every board (ASVS V11.1.4): each holds a connection and a goroutine.
const maxStreamsPerUser = 5

// streamCounts counts each user's open live-update streams in this process.
type streamCounts struct {
	mu     sync.Mutex
	byUser map[int64]int
}

// acquire takes one of user's stream slots; ok is false when all are taken. release
// gives the slot back.
func (sc *streamCounts) acquire(user int64) (release func(), ok bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.byUser == nil {
		sc.byUser = map[int64]int{}
	}
	if sc.byUser[user] >= maxStreamsPerUser {
		return nil, false
	}
	sc.byUser[user]++
	var once sync.Once
	return func() {
		once.Do(func() {
			sc.mu.Lock()
			defer sc.mu.Unlock()
			if sc.byUser[user]--; sc.byUser[user] <= 0 {
				delete(sc.byUser, user)
			}
		})
	}, true
}

// version is a short digest of a live part's HTML: the page sends the versions it has,
// and the server sends back only the parts whose version differs.
func version(html []byte) string {
	sum := fnv.New64a()
	sum.Write(html)
	return strconv.FormatUint(sum.Sum64(), 36)
}

// parseHave reads the versions a live page has (?have=key.version,…).
func parseHave(have string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(have, ",") {
		if key, v, ok := strings.Cut(part, "."); ok {
			out[key] = v
		}
	}
	return out
}

// liveParts are the parts of a live region in page order, each rendered alone with
// its version set beside its data-part attribute.
type liveParts struct {
	Keys     []string
	HTML     map[string]template.HTML
	Versions map[string]string
}

// add renders block of page with data as the part key.
func (lp *liveParts) add(s *Server, page, block, key string, data any) error {
	var b bytes.Buffer
	if err := s.views.pages[page].ExecuteTemplate(&b, block, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	v := version(b.Bytes())
	if lp.HTML == nil {
		lp.HTML, lp.Versions = map[string]template.HTML{}, map[string]string{}
	}
	lp.Keys = append(lp.Keys, key)
	lp.HTML[key] = template.HTML(strings.Replace(b.String(), `data-part="`, `data-v="`+v+`" data-part="`, 1))
	lp.Versions[key] = v
	return nil
}

// partsDelta is a live region's answer to ?partial=delta: its parts' keys in order and
// the parts whose version differs from the page's. The page reloads the region when
// the keys differ, and otherwise swaps the parts.
type partsDelta struct {
	Keys  []string          `json:"keys"`
	Parts map[string]string `json:"parts"`
}

func (lp liveParts) delta(have map[string]string) partsDelta {
	d := partsDelta{Keys: lp.Keys, Parts: map[string]string{}}
	for _, k := range lp.Keys {
		if have[k] != lp.Versions[k] {
			d.Parts[k] = string(lp.HTML[k])
		}
	}
	return d
}
