package main

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

// client builds the run's API client from the global flags: one credential resolution, one token bucket of
// qps calls per second (auto, the default: adaptive) shared by every call of the run.
func (g *globalOptions) client(ctx context.Context, qps qpsFlag) (*cloudapi.Client, error) {
	if g.region == "" {
		return nil, usagef("--region is required (or set ALIBABA_CLOUD_REGION_ID)")
	}
	if err := checkQPS(qps); err != nil {
		return nil, err
	}
	if g.endpoint != "" {
		if err := g.validateEndpoint(); err != nil {
			return nil, err
		}
	}
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	return cloudapi.New(ctx, cloudapi.Config{
		Region:           g.region,
		Endpoint:         g.endpoint,
		InsecureEndpoint: g.insecureEndpoint,
		Profile:          g.profile,
		QPS:              qps.qps,
		QPSAuto:          qps.auto(),
		QPSAutoStart:     g.pace.qpsAutoStart,
		RetryInitial:     g.pace.retryInitial,
		Logger:           log,
	})
}

// collectLive lists what sel selects through a client of its own (g.client at qps), with the listing's
// progress on the stderr log, and says the rate the calls reached: inventory, plan and export do the same
// from a selector.
func (g *globalOptions) collectLive(ctx context.Context, sel inventory.Selector, qps qpsFlag, parallelism int) (*inventory.Snapshot, error) {
	out, err := g.stderrLog()
	if err != nil {
		return nil, err
	}
	api, err := g.client(ctx, qps)
	if err != nil {
		return nil, err
	}
	defer g.logRate(qps, api)
	return collect.Collect(ctx, api, sel, collect.Options{Parallelism: parallelism, Progress: out.Lines(zerolog.InfoLevel)})
}

// qpsFlag is the value of --qps: auto, a rate that adapts to the account's limit (cloudapi.Config.QPSAuto),
// or a fixed number of calls per second for those who know their quota. Its zero value is auto: a fixed
// default rate set the pace of every run that was not tuned, whatever the account allowed (BENCHMARKS.md,
// "Default flags"), while auto starts at that same rate and only rises while the service says yes, so it is
// never faster at first than the fixed default was.
type qpsFlag struct {
	qps float64 // > 0: a fixed rate; 0: auto
}

const qpsUsage = "API calls per second for the whole run, one bucket shared by every call: auto (start at 10, " +
	"rise while calls succeed, halve on throttling) or a fixed rate such as 20 (0 is auto)"

// auto reports whether the rate adapts (the default).
func (q qpsFlag) auto() bool { return q.qps == 0 }

func (q *qpsFlag) String() string {
	if q.auto() {
		return "auto"
	}
	return strconv.FormatFloat(q.qps, 'g', -1, 64)
}

// Set takes "auto" or a number; checkQPS judges the number, so that the message names the value as read.
func (q *qpsFlag) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		*q = qpsFlag{}
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return errors.New("want a number of calls per second or auto")
	}
	*q = qpsFlag{qps: v}
	return nil
}

func (q *qpsFlag) Type() string { return "Q|auto" }

// logRate says, at the end of a run with --qps auto, the rate the run's calls really reached (not the
// bucket's fill rate at the end, which falls back when the calls thin out): the figure to pass as --qps next
// time against the same account.
func (g *globalOptions) logRate(qps qpsFlag, api *cloudapi.Client) {
	if !qps.auto() || api == nil {
		return
	}
	reached, throttled, ok := api.RateReached()
	if !ok {
		return
	}
	if log, err := g.logger(); err == nil {
		log.Info().Float64("qps", math.Round(reached*10)/10).Int("throttled", throttled).
			Msg("--qps auto: the rate the run's calls reached")
	}
}

// minQPS is the slowest --qps accepted: one call every 10 seconds. Below it a run of a few hundred calls
// would wait for hours without a word; a typo such as 0.001 for 1000 is likelier than that intent.
const minQPS = 0.1

// checkQPS checks a --qps value: auto (or 0) or a finite rate of at least minQPS. NaN and +Inf would reach
// the token bucket as "no limit".
func checkQPS(q qpsFlag) error {
	if q.auto() {
		return nil
	}
	if qps := q.qps; math.IsNaN(qps) || math.IsInf(qps, 0) || qps < minQPS {
		return usagef("--qps %v: want auto (the default) or a number of calls per second of at least %v", qps, minQPS)
	}
	return nil
}

// validateEndpoint checks --endpoint (see cloudapi.ValidateEndpoint); a bad one is a usage error.
func (g *globalOptions) validateEndpoint() error {
	if err := cloudapi.ValidateEndpoint(g.endpoint, g.insecureEndpoint); err != nil {
		return usagef("--endpoint: %v", err)
	}
	return nil
}
