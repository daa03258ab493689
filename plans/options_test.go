package plans

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOptionsJSON: no exclusion is written [] and read back nil; an unknown option is refused, as an
// unknown field anywhere else in the plan is.
func TestOptionsJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   Options
		want string
	}{
		{"none", Options{}, `{"exclude":[]}`},
		{"empty", Options{Exclude: []string{}}, `{"exclude":[]}`},
		{"all", Options{Exclude: []string{"ipam-pool-a"}, ProtectTag: "keep=yes", KeepVPCAllocations: true, KeepDiscoveries: true},
			`{"exclude":["ipam-pool-a"],"protect_tag":"keep=yes","keep_vpc_allocations":true,"keep_discoveries":true}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data, err := json.Marshal(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != c.want {
				t.Errorf("Marshal = %s, want %s", data, c.want)
			}
			var back Options
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if len(c.in.Exclude) == 0 && back.Exclude != nil || len(back.Exclude) != len(c.in.Exclude) || back.ProtectTag != c.in.ProtectTag ||
				back.KeepVPCAllocations != c.in.KeepVPCAllocations || back.KeepDiscoveries != c.in.KeepDiscoveries {
				t.Errorf("read back %#v, want %#v (no exclusion as nil)", back, c.in)
			}
		})
	}
	var o Options
	if err := json.Unmarshal([]byte(`{"exclude":[],"keep_everything":true}`), &o); err == nil || !strings.Contains(err.Error(), "keep_everything") {
		t.Errorf("unknown option: err = %v, want one naming it", err)
	}
}
