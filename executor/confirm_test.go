package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

func poolStep(id string) *plans.Step {
	return &plans.Step{ID: "delete-pool/" + id, Product: catalog.ProductVpcIpam, Action: "DeleteIpamPool",
		Region: "cn-hangzhou", ResourceID: id, Params: map[string]string{"RegionId": "cn-hangzhou", "IpamPoolId": id}}
}

// One read looks at several pools' windows: their ids in IpamPoolIds.N, every one on one page, and a
// Presence for each in order.
func TestConfirmMany(t *testing.T) {
	steps := []*plans.Step{poolStep("ipam-pool-a"), poolStep("ipam-pool-b"), poolStep("ipam-pool-c")}
	var sent []map[string]string
	do := func(_ context.Context, c cloudapi.Call) (map[string]any, error) {
		sent = append(sent, c.Params)
		return map[string]any{"IpamPools": []any{
			map[string]any{"IpamPoolId": "ipam-pool-c"},
			map[string]any{"IpamPoolId": "ipam-pool-a"},
			map[string]any{"IpamPoolId": "ipam-pool-other"},
		}}, nil
	}
	ps, err := ConfirmMany(t.Context(), do, steps)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Presence{PresenceThere, PresenceGone, PresenceThere}; !slices.Equal(ps, want) {
		t.Errorf("presences %v, want %v", ps, want)
	}
	if len(sent) != 1 {
		t.Fatalf("%d reads, want one", len(sent))
	}
	for n, s := range steps {
		if got := sent[0][fmt.Sprintf("IpamPoolIds.%d", n+1)]; got != s.ResourceID {
			t.Errorf("IpamPoolIds.%d = %q, want %s", n+1, got, s.ResourceID)
		}
	}
	if sent[0]["MaxResults"] == "" || sent[0]["RegionId"] != "cn-hangzhou" {
		t.Errorf("read params %v: want MaxResults and RegionId", sent[0])
	}

	// Confirm is the read of one: no MaxResults, the resource's own id.
	sent = nil
	if p, err := Confirm(t.Context(), do, steps[1]); err != nil || p != PresenceGone || sent[0]["MaxResults"] != "" || sent[0]["IpamPoolIds.1"] != "ipam-pool-b" {
		t.Errorf("Confirm = %v, %v with %v", p, err, sent)
	}
}

func TestConfirmManyRefuses(t *testing.T) {
	notFound := func(context.Context, cloudapi.Call) (map[string]any, error) {
		return nil, &cloudapi.APIError{Code: "ResourceNotFound.IpamPool", Status: 404}
	}
	list := func(context.Context, cloudapi.Call) (map[string]any, error) {
		return map[string]any{"IpamPools": []any{}}, nil
	}
	scope := func(id string) *plans.Step {
		return &plans.Step{ID: "delete-scope/" + id, Product: catalog.ProductVpcIpam, Action: "DeleteIpamScope",
			Region: "cn-hangzhou", Params: map[string]string{"IpamScopeId": id}}
	}
	other := poolStep("ipam-pool-b")
	other.Region = "cn-beijing"
	var many []*plans.Step
	for n := range 101 {
		many = append(many, poolStep(fmt.Sprintf("ipam-pool-%d", n)))
	}
	for _, tc := range []struct {
		name  string
		do    func(context.Context, cloudapi.Call) (map[string]any, error)
		steps []*plans.Step
		want  string
	}{
		// A not-found code of a read of several does not say whose resource is gone.
		{"not-found code", notFound, []*plans.Step{poolStep("ipam-pool-a"), poolStep("ipam-pool-b")}, "not-found code"},
		{"another region", list, []*plans.Step{poolStep("ipam-pool-a"), other}, "different actions or regions"},
		{"more than the read takes", list, many, "at most"},
		// IpamScopeIds' limit is UNKNOWN: scopes are read one at a time.
		{"a read of one", list, []*plans.Step{scope("a"), scope("b")}, "reads 1 of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfirmMany(t.Context(), tc.do, tc.steps)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
			if tc.name == "not-found code" && !errors.Is(err, ErrBatchGoneCode) {
				t.Errorf("err = %v, want ErrBatchGoneCode", err)
			}
		})
	}
	// Read alone, the same code says the pool is gone.
	if p, err := Confirm(t.Context(), notFound, poolStep("ipam-pool-a")); err != nil || p != PresenceGone {
		t.Errorf("Confirm = %v, %v; want gone", p, err)
	}
}
