package main

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// client builds the run's API client from the global flags: one credential resolution, one token bucket of
// qps calls per second (0: the cloudapi default; auto: adaptive) shared by every call of the run.
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
		QPSAuto:          qps.auto,
		Logger:           log,
	})
}

// qpsFlag is the value of --qps: a number of calls per second (0: the default) or auto, a rate that adapts to
// the account's limit (cloudapi.Config.QPSAuto).
type qpsFlag struct {
	qps  float64
	auto bool
}

const qpsUsage = "API calls per second for the whole run, one bucket shared by every call (at least 0.1), or auto: " +
	"start at 10, rise while calls succeed, halve on throttling"

// showQPSDefaults makes --help print the rate a --qps left at 0 runs at, "(default 10)", on every command
// below c: pflag prints no default for 0, and demo's own default (50) would otherwise follow a usage that
// named 10.
func showQPSDefaults(c *cobra.Command) {
	if f := c.Flags().Lookup("qps"); f != nil && f.Value.Type() == (&qpsFlag{}).Type() && f.DefValue == "0" {
		f.DefValue = strconv.Itoa(cloudapi.DefaultQPS)
	}
	for _, sub := range c.Commands() {
		showQPSDefaults(sub)
	}
}

func (q *qpsFlag) String() string {
	if q.auto {
		return "auto"
	}
	return strconv.FormatFloat(q.qps, 'g', -1, 64)
}

// Set takes "auto" or a number; checkQPS judges the number, so that the message names the value as read.
func (q *qpsFlag) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		*q = qpsFlag{auto: true}
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

// logRate says, at the end of a run with --qps auto, the rate the adaptive bucket got to: the figure to pass
// as --qps next time against the same account.
func (g *globalOptions) logRate(qps qpsFlag, api *cloudapi.Client) {
	if !qps.auto || api == nil {
		return
	}
	if log, err := g.logger(); err == nil {
		log.Info().Float64("qps", math.Round(api.Rate()*10)/10).Msg("--qps auto: the rate the run settled at")
	}
}

// minQPS is the slowest --qps accepted: one call every 10 seconds. Below it a run of a few hundred calls
// would wait for hours without a word; a typo such as 0.001 for 1000 is likelier than that intent.
const minQPS = 0.1

// checkQPS checks a --qps value: auto, 0 (the default) or a finite rate of at least minQPS. NaN and +Inf
// would reach the token bucket as "no limit".
func checkQPS(q qpsFlag) error {
	if q.auto || q.qps == 0 {
		return nil
	}
	if qps := q.qps; math.IsNaN(qps) || math.IsInf(qps, 0) || qps < minQPS {
		return usagef("--qps %v: want 0 (the default, %d), auto, or a number of calls per second of at least %v", qps, cloudapi.DefaultQPS, minQPS)
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
