package plans

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// FuzzRead: Read never panics, and a plan it accepts writes back to a file it accepts again, holding the
// same plan, byte for byte the same the second time.
func FuzzRead(f *testing.F) {
	for _, p := range fixtures(f) {
		b, err := Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(bytes.Replace(b, []byte(`"level": 1`), []byte(`"level": 0`), 1))
		f.Add(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
	}
	f.Add([]byte(`{"format_version": 1}`))
	f.Add([]byte(`{"format_version": 2, "x": []}`))
	f.Add([]byte(`{"format_version": 1, "steps": [{"id": "a", "depends_on": [{"id": "a"}]}], "checksum": "sha256:"}`))
	f.Add([]byte(`null`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		assertRoundTrip(t, p)
	})
}

// assertRoundTrip checks that an accepted or freshly built plan writes to a file Read accepts, holding the
// same plan, and that writing that again gives the same bytes.
func assertRoundTrip(t *testing.T, p *Plan) {
	t.Helper()
	want := clonePlan(p)
	b1, err := Marshal(p)
	if err != nil {
		t.Fatalf("Marshal of an accepted plan: %v", err)
	}
	p2, err := Read(bytes.NewReader(b1), "again.json")
	if err != nil {
		t.Fatalf("Read refuses what Marshal wrote: %v\n%s", err, b1)
	}
	canonicalize(want)
	want.Summarize()
	want.Checksum = p.Checksum
	if diff := cmp.Diff(want, p2, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Fatalf("the plan changed on the way through the file (-want +got):\n%s", diff)
	}
	b2, err := Marshal(p2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("writing the plan read back gives other bytes:\n%s", cmp.Diff(string(b1), string(b2)))
	}
}

// FuzzWriteRead builds plans from fuzzed strings and numbers: whatever Marshal agrees to write, Read
// accepts and gives back unchanged. This is the guarantee `plan` -> `apply` relies on. The steps are valid for
// their actions when the strings allow it (a CIDR step and its pool's), so the fuzzer reaches the file, and
// key and value go where the format takes any string: a selector tag, a reason.
func FuzzWriteRead(f *testing.F) {
	f.Add("delete-pool/ipam-pool-1", "ipam-pool-1", "cn-hangzhou", "8.3", "a <reason> & \"quoted\"", "env", "10.0.0.0/8", 0, 1, int64(0))
	f.Add("x", "y", "cn-shanghai", "", "\u2028", "\"k\\ey\"", "é", 2, 3, int64(-1e18))
	f.Add("a", "a", "r", "r", "LTAI0123456789abcd", "checksum", "v", -1, 0, int64(1))
	f.Fuzz(func(t *testing.T, id, resource, region, rule, reason, key, value string, level1, level2 int, nanos int64) {
		p := &Plan{
			PlanID:    "plan-" + id,
			CreatedAt: time.Unix(0, nanos).In(time.FixedZone("x", 3600)),
			Region:    region,
			Selector:  inventory.Selector{Tags: map[string]string{key: value}},
			Steps: []Step{
				{ID: id, Action: "DeleteIpamPoolCidr", Product: "VpcIpam", ResourceType: "pool-cidr", ResourceID: resource + "/" + value,
					Region: region, Params: map[string]string{"RegionId": region, "IpamPoolId": resource, "Cidr": value}, Level: level1, Rule: rule},
				{ID: id + "/next", Action: "DeleteIpamPool", Product: "VpcIpam", ResourceType: "pool", ResourceID: resource,
					Region: region, Params: map[string]string{"RegionId": region, "IpamPoolId": resource}, WaitFor: "gone",
					DependsOn: []Dependency{{ID: id, Rule: rule}}, Level: level2, Rule: rule,
					Implies: []Implied{{ResourceType: "x", ResourceID: value, Reason: reason}}},
			},
			Blockers: []Blocker{{ResourceType: "pool", ResourceID: resource + "-b", Reason: reason, HeldBack: []string{id + "/held"}}},
		}
		if _, err := Marshal(clonePlan(p)); err != nil {
			return // refused with a reason; the validation tests cover which
		}
		assertRoundTrip(t, p)
	})
}
