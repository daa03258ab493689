package main

import (
	"context"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// client builds the run's API client from the global flags: one credential resolution, one token bucket of
// qps calls per second (0: the cloudapi default) shared by every call of the run.
func (g *globalOptions) client(ctx context.Context, qps float64) (*cloudapi.Client, error) {
	if g.region == "" {
		return nil, usagef("--region is required (or set ALIBABA_CLOUD_REGION_ID)")
	}
	if qps < 0 {
		return nil, usagef("--qps %v: must not be negative", qps)
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

// validateEndpoint checks --endpoint (see cloudapi.ValidateEndpoint); a bad one is a usage error.
func (g *globalOptions) validateEndpoint() error {
	if err := cloudapi.ValidateEndpoint(g.endpoint, g.insecureEndpoint); err != nil {
		return usagef("--endpoint: %v", err)
	}
	return nil
}
