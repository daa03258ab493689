package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// throttledCalls counts the calls answered Throttling.User.
func throttledCalls(calls []wire.Call) int {
	n := 0
	for _, c := range calls {
		if c.Code == "Throttling.User" {
			n++
		}
	}
	return n
}

// sdkClient is the real cloudapi client on the test server, as account, with short retry waits and a token
// bucket of one (so that a benchmark's rate bound is calls / QPS from the first call on).
func sdkClient(t testing.TB, s *simtest.Server, account string, qps float64) *cloudapi.Client {
	t.Helper()
	s.SetCredentialsEnv(t, account)
	c, err := cloudapi.New(context.Background(), cloudapi.Config{Region: hangzhou, Endpoint: s.URL, QPS: qps, Burst: 1, Logger: zerolog.Nop(),
		RetryInitial: time.Millisecond, RetryMax: 20 * time.Millisecond, MaxAttempts: 30})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
