package collect_test

import (
	"context"
	"sync"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

// countingAPI counts the reads of a Collect and works out its listing depth: the number of calls that had to
// follow one another. Collect's phases run one after the other; within a phase the longest paginated listing
// sets the pace.
type countingAPI struct {
	collect.API
	mu    sync.Mutex
	pages map[string]int // listing -> pages
	phase map[string]int
	calls int
}

func (c *countingAPI) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages, c.phase, c.calls = map[string]int{}, map[string]int{}, 0
}

func (c *countingAPI) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	p := call.Params
	key := call.Action + "/" + p["IpamId"] + p["IpamScopeId"] + p["IpamPoolId"] + p["IsShared"]
	phase := 1
	switch {
	case call.Action == "GetCallerIdentity" || call.Action == "ListIpams":
		phase = 0
	case call.Action == "ListIpamPools" && p["IpamScopeId"] != "":
		phase = 2
	case call.Action == "ListIpamPoolCidrs" || call.Action == "ListIpamPoolAllocations":
		phase = 3
	}
	c.mu.Lock()
	c.calls++
	c.pages[key]++
	c.phase[key] = phase
	c.mu.Unlock()
	return c.API.Read(ctx, call)
}

func (c *countingAPI) CallerAccount(ctx context.Context) (string, error) {
	c.mu.Lock()
	c.calls++
	c.pages["GetCallerIdentity"]++
	c.phase["GetCallerIdentity"] = 0
	c.mu.Unlock()
	return c.API.CallerAccount(ctx)
}

func (c *countingAPI) stats() (calls, depth int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var longest [4]int
	for key, n := range c.pages {
		if p := c.phase[key]; p == 0 {
			longest[0] += n
		} else {
			longest[p] = max(longest[p], n)
		}
	}
	return c.calls, longest[0] + longest[1] + longest[2] + longest[3]
}
