package main

import (
	"context"
	"math"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// client builds the run's API client from the global flags: one credential resolution, one token bucket of
// qps calls per second (0: the cloudapi default) shared by every call of the run.
func (g *globalOptions) client(ctx context.Context, qps float64) (*cloudapi.Client, error) {
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
		QPS:              qps,
		Logger:           log,
	})
}

// minQPS is the slowest --qps accepted: one call every 10 seconds. Below it a run of a few hundred calls
// would wait for hours without a word; a typo such as 0.001 for 1000 is likelier than that intent.
const minQPS = 0.1

// checkQPS checks a --qps value: 0 (the default) or a finite rate of at least minQPS. NaN and +Inf would
// reach the token bucket as "no limit".
func checkQPS(qps float64) error {
	if qps == 0 {
		return nil
	}
	if math.IsNaN(qps) || math.IsInf(qps, 0) || qps < minQPS {
		return usagef("--qps %v: want 0 (the default, %d) or a number of calls per second of at least %v", qps, cloudapi.DefaultQPS, minQPS)
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
