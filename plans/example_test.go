package plans_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// A plan that releases a pool CIDR and then deletes the pool, rendered for a pull request.
func ExampleRender() {
	p := &plans.Plan{
		PlanID:               "plan-example",
		CreatedAt:            time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC),
		ToolVersion:          "v1.0.0",
		Region:               "cn-hangzhou",
		InventoryFingerprint: "sha256:ab",
		Steps: []plans.Step{
			{ID: "delete-pool/ipam-pool-1", Action: "DeleteIpamPool", Product: "VpcIpam", ResourceType: "pool",
				ResourceID: "ipam-pool-1", Region: "cn-hangzhou", Level: 1, Rule: "8.5",
				DependsOn: []plans.Dependency{{ID: "delete-cidr/ipam-pool-1/10.0.0.0/8", Rule: "8.5"}}},
			{ID: "delete-cidr/ipam-pool-1/10.0.0.0/8", Action: "DeleteIpamPoolCidr", Product: "VpcIpam",
				ResourceType: "pool-cidr", ResourceID: "ipam-pool-1/10.0.0.0/8", Region: "cn-hangzhou", Rule: "8.1"},
		},
	}
	var b strings.Builder
	if err := plans.Render(&b, p, "markdown"); err != nil {
		fmt.Println(err)
		return
	}
	// Skip the header lines, which carry the checksum.
	fmt.Print(b.String()[strings.Index(b.String(), "| Level"):])
	// Output:
	// | Level | Step | Action | Resource | Region | Depends on | Rule |
	// |---:|---|---|---|---|---|---|
	// | 0 | `delete-cidr/ipam-pool-1/10.0.0.0/8` | DeleteIpamPoolCidr | pool-cidr `ipam-pool-1/10.0.0.0/8` | cn-hangzhou |  | 8.1 |
	// | 1 | `delete-pool/ipam-pool-1` | DeleteIpamPool | pool `ipam-pool-1` | cn-hangzhou | `delete-cidr/ipam-pool-1/10.0.0.0/8` | 8.5 |
}

// Reading a plan file that was edited after it was written.
func ExampleRead() {
	p := &plans.Plan{PlanID: "plan-example", Region: "cn-hangzhou", Steps: []plans.Step{{
		ID: "delete-ipam/ipam-1", Action: "DeleteIpam", Product: "VpcIpam", ResourceType: "ipam",
		ResourceID: "ipam-1", Region: "cn-hangzhou", Rule: "8.9", WaitFor: "gone",
		Params: map[string]string{"RegionId": "cn-hangzhou", "IpamId": "ipam-1"}}}}
	data, err := plans.Marshal(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	edited := strings.Replace(string(data), "ipam-1", "ipam-2", 1)
	_, err = plans.Read(strings.NewReader(edited), "plan.json")
	fmt.Println(err != nil && strings.Contains(err.Error(), "plan.json: checksum does not match"))
	_, err = plans.Read(strings.NewReader(string(data[:100])), "plan.json")
	fmt.Fprintln(os.Stdout, err)
	// Output:
	// true
	// plan.json: line 5, column 7 (byte offset 100): the file ends in the middle of the plan (truncated?)
}
