package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var jobsDesc = prometheus.NewDesc("hearth_jobs", "River jobs in the database by kind and state (completed ones are kept 24 hours).",
	[]string{"kind", "state"}, nil)

// Collector returns a Prometheus collector of the jobs in the database by kind and
// state, counted at each scrape: a growing "retryable" or "discarded" count is work
// that keeps failing; a growing "available" one, work no replica is taking.
func (q *Queue) Collector() prometheus.Collector { return collector{q} }

type collector struct{ q *Queue }

func (c collector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.q.db.QueryContext(ctx, "SELECT kind, state::text, count(*) FROM river_job GROUP BY 1, 2")
	if err != nil {
		slog.Warn("jobs metrics", "err", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n float64
		if err := rows.Scan(&kind, &state, &n); err != nil {
			slog.Warn("jobs metrics", "err", err)
			return
		}
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, n, kind, state)
	}
	if err := rows.Err(); err != nil {
		slog.Warn("jobs metrics", "err", err)
	}
}
