package collect_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

// listingKeys are the listings Collect makes and the key each answer holds its rows under.
var listingKeys = map[string]string{
	"ListIpams":                             "Ipams",
	"ListIpamScopes":                        "IpamScopes",
	"ListIpamPools":                         "IpamPools",
	"ListIpamPoolCidrs":                     "IpamPoolCidrs",
	"ListIpamPoolAllocations":               "IpamPoolAllocations",
	"ListIpamResourceDiscoveries":           "IpamResourceDiscoveries",
	"ListIpamResourceDiscoveryAssociations": "IpamResourceDiscoveryAssociations",
	"ListIpamMembers":                       "MemberInfos",
	"ListResourceShareAssociations":         "ResourceShareAssociations",
}

// errRunaway stops a listing that the collector keeps paging through, so that a collector without a loop
// check fails the test in a few calls instead of paging 100,000 times.
var errRunaway = errors.New("fake API: one listing read 10 times")

// faultAPI is a fake API: the emulator in process, with the answers of one action changed by fault. fault
// sees each answer of that action (page counts from 1) and the call; it may rewrite the answer in place.
type faultAPI struct {
	*simAPI
	action string
	fault  func(page int, call cloudapi.Call, out map[string]any) (applied bool)

	mu       sync.Mutex
	pages    map[string]int // listing (the call's parameters but the page ones) -> pages read
	applied  bool
	resource string // the Resource of the call the fault changed
}

func (f *faultAPI) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	if call.Action != f.action {
		return f.simAPI.Read(ctx, call)
	}
	listing := listingID(call)
	f.mu.Lock()
	if f.pages == nil {
		f.pages = map[string]int{}
	}
	f.pages[listing]++
	page := f.pages[listing]
	f.mu.Unlock()
	if page > 10 {
		return nil, errRunaway
	}
	// The fake tokens below mean nothing to the emulator: ask it for the first page again.
	if tok := call.Params["NextToken"]; strings.HasPrefix(tok, "fake-") {
		call.Params = maps.Clone(call.Params)
		delete(call.Params, "NextToken")
	}
	out, err := f.simAPI.Read(ctx, call)
	if err != nil {
		return nil, err
	}
	if f.fault(page, call, out) {
		f.mu.Lock()
		if !f.applied {
			f.applied, f.resource = true, call.Resource
		}
		f.mu.Unlock()
	}
	return out, nil
}

// listingID names one listing: the action and its parameters other than the page ones.
func listingID(call cloudapi.Call) string {
	var b strings.Builder
	b.WriteString(call.Action)
	keys := make([]string, 0, len(call.Params))
	for k := range call.Params {
		if k != "NextToken" && k != "MaxResults" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(" " + k + "=" + call.Params[k])
	}
	return b.String()
}

// mostPages is the largest number of pages read of one listing.
func (f *faultAPI) mostPages() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.pages {
		n = max(n, p)
	}
	return n
}

func rows(out map[string]any, action string) []any {
	arr, _ := out[listingKeys[action]].([]any)
	return arr
}

// TestCollectRefusesBrokenListings: a listing whose NextToken comes back, whose rows are under another key,
// or whose rows do not add up to its TotalCount fails the collection with an error naming the action (and
// the resource listed), instead of paging for hours or leaving resources out of the snapshot.
func TestCollectRefusesBrokenListings(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	type fault = func(page int, call cloudapi.Call, out map[string]any) bool
	// tokens answers the given NextTokens on pages 1, 2, ... and then repeats the last.
	tokens := func(toks ...string) fault {
		return func(page int, _ cloudapi.Call, out map[string]any) bool {
			out["NextToken"] = toks[min(page, len(toks))-1]
			return true
		}
	}
	renamed := func(page int, call cloudapi.Call, out map[string]any) bool {
		key := listingKeys[call.Action]
		out[key+"List"] = out[key]
		delete(out, key)
		return true
	}
	dropRow := func(page int, call cloudapi.Call, out map[string]any) bool {
		arr := rows(out, call.Action)
		if len(arr) == 0 {
			return false
		}
		out[listingKeys[call.Action]] = arr[1:]
		return true
	}
	extraCount := func(page int, call cloudapi.Call, out map[string]any) bool {
		if out["NextToken"] != "" {
			return false
		}
		out["TotalCount"] = len(rows(out, call.Action)) + 1 // a single page short of its count
		return true
	}
	noCount := func(page int, call cloudapi.Call, out map[string]any) bool {
		delete(out, "TotalCount")
		return true
	}
	type tc struct {
		name, action string
		fault        fault
		want         string
		maxPages     int // the pages of the action the collector may read before it stops; 0: any
	}
	var tests []tc
	for action := range listingKeys {
		tests = append(tests,
			tc{"token repeats at once", action, tokens("fake-a"), "NextToken \"fake-a\"", 2},
			tc{"token cycle a b a", action, tokens("fake-a", "fake-b", "fake-a"), "NextToken \"fake-a\"", 3},
			tc{"key renamed", action, renamed, "has no " + listingKeys[action], 1},
		)
		if action != "ListResourceShareAssociations" { // Resource Sharing answers carry no counts
			tests = append(tests,
				tc{"row dropped", action, dropRow, "but the answer's TotalCount is", 0},
				tc{"count above the rows", action, extraCount, "but the answer's TotalCount is", 0},
				tc{"count missing", action, noCount, "has no TotalCount", 1},
			)
		}
	}
	slices.SortFunc(tests, func(a, b tc) int { return strings.Compare(a.action+a.name, b.action+b.name) })
	for _, tt := range tests {
		api := &faultAPI{simAPI: &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, action: tt.action, fault: tt.fault}
		snap, err := collect.Collect(context.Background(), api, inventory.Selector{All: true}, collect.Options{Parallelism: 1})
		if !api.applied {
			t.Errorf("%s %s: the fault never applied; the test does not exercise it", tt.action, tt.name)
			continue
		}
		if err == nil || snap != nil {
			t.Errorf("%s %s: Collect succeeded", tt.action, tt.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, tt.action) || api.resource != "" && !strings.Contains(msg, api.resource) {
			t.Errorf("%s %s: err = %v\nwant it to name the action, the resource %q and %q", tt.action, tt.name, err, api.resource, tt.want)
		}
		if n := api.mostPages(); tt.maxPages > 0 && n > tt.maxPages {
			t.Errorf("%s %s: %d pages of one listing read; want the collector to stop after %d", tt.action, tt.name, n, tt.maxPages)
		}
	}
}

// TestCollectEmptyAndNullLists: a listing whose key is present but empty ([] or null) is an empty listing,
// not an error; only an absent key is.
func TestCollectEmptyAndNullLists(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	want := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	for _, empty := range []any{nil, []any{}} {
		api := &faultAPI{simAPI: &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, action: "ListIpamMembers",
			fault: func(_ int, _ cloudapi.Call, out map[string]any) bool {
				out["MemberInfos"], out["TotalCount"] = empty, 0
				return true
			}}
		got := collectAll(t, api, inventory.Selector{All: true})
		if len(want.IPAMs[0].Members) == 0 || len(got.IPAMs[0].Members) != 0 {
			t.Errorf("MemberInfos %v: members %+v (the clean collection has %d)", empty, got.IPAMs[0].Members, len(want.IPAMs[0].Members))
		}
		got.IPAMs[0].Members = want.IPAMs[0].Members
		if got.Fingerprint() != want.Fingerprint() {
			t.Errorf("MemberInfos %v: the rest of the snapshot changed", empty)
		}
	}
}
