package plans

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// canonicalFixture returns the multi-IPAM plan in canonical order (as Marshal leaves it) with the index of
// each step id, so a test can break one thing at a known place.
func canonicalFixture(t *testing.T) (*Plan, map[string]int) {
	t.Helper()
	p := multiIPAMPlan(t)
	mustMarshal(t, p)
	idx := map[string]int{}
	for i, s := range p.Steps {
		idx[s.ID] = i
	}
	return p, idx
}

func TestValidateRefuses(t *testing.T) {
	t.Parallel()
	const (
		pool       = "delete-pool/ipam-pool-prod"
		ipam       = "delete-ipam/ipam-0a1b2c3d4e5f6a7b8c"
		scope      = "delete-scope/ipam-scope-custom42"
		alloc      = "delete-allocation/ipam-pool-alloc-dev3"
		member     = "remove-members/ipam-0a1b2c3d4e5f6a7b8c"
		cidr       = "delete-cidr/ipam-pool-prod/10.0.0.0/16"
		dissociate = "dissociate-discovery/ipam-res-disco-assoc-f00d"
		share      = "disassociate-share/rs-8d1f2e3a/ipam-pool-prod"
		devCIDR    = "delete-cidr/ipam-pool-dev/192.168.0.0/20"
	)
	tests := []struct {
		name   string
		breakf func(p *Plan, idx map[string]int)
		want   []string // substrings of the error; "#name" is replaced by steps[i] of that step id
		is     error
		// fixed: Marshal repairs this (order, summary), so it writes the plan rather than refusing it.
		fixed bool
		// validateOnly: the problem cannot be written to a file at all (encoding/json replaces invalid
		// UTF-8), so only Validate sees it.
		validateOnly bool
	}{
		{"unknown action", func(p *Plan, idx map[string]int) { p.Steps[idx[pool]].Action = "DeleteVpc" },
			[]string{"#" + pool + ".action", `"DeleteVpc"`, "known: RemoveIpamMembers"}, nil, false, false},
		{"product mismatch", func(p *Plan, idx map[string]int) { p.Steps[idx[pool]].Product = "Vpc" },
			[]string{"#" + pool + ".product", `"Vpc"`, "VpcIpam"}, nil, false, false},
		{"duplicate id", func(p *Plan, idx map[string]int) { p.Steps[idx[scope]].ID = pool },
			[]string{"#" + scope + ".id", `"` + pool + `" is already the id of #` + pool}, nil, false, false},
		{"empty id", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].ID = "" },
			[]string{"#" + alloc + ".id: is empty"}, nil, false, false},
		{"dangling depends_on", func(p *Plan, idx map[string]int) {
			p.Steps[idx[ipam]].DependsOn[1].ID = "delete-scope/ipam-scope-zzz"
		}, []string{"#" + ipam + ".depends_on[1].id", `"delete-scope/ipam-scope-zzz" names no step`}, nil, false, false},
		{"self dependency", func(p *Plan, idx map[string]int) { p.Steps[idx[ipam]].DependsOn[3].ID = ipam },
			[]string{"#" + ipam + ".depends_on[3].id", "is the step itself"}, nil, false, false},
		{"unsorted depends_on", func(p *Plan, idx map[string]int) {
			d := p.Steps[idx[ipam]].DependsOn
			d[0], d[1] = d[1], d[0]
		}, []string{"#" + ipam + ".depends_on[1].id", "out of order"}, nil, true, false},
		{"cycle", func(p *Plan, idx map[string]int) {
			// The scope waits for the pool; make the pool wait for the scope too.
			s := &p.Steps[idx[pool]]
			s.DependsOn = append(s.DependsOn, Dependency{ID: scope, Rule: "9.9"})
		}, []string{"dependency cycle", `"` + pool + `" -> "` + scope + `" -> "` + pool + `"`}, nil, false, false},
		{"two cycles", func(p *Plan, idx map[string]int) {
			// Each cycle is named once, at its first step in the file, from that step on.
			s := &p.Steps[idx[pool]]
			s.DependsOn = append(s.DependsOn, Dependency{ID: scope, Rule: "9.9"})
			a := &p.Steps[idx[alloc]]
			a.DependsOn = append(a.DependsOn, Dependency{ID: devCIDR, Rule: "9.9"})
		}, []string{"#" + alloc + ".depends_on: dependency cycle: \"" + alloc + `" -> "` + devCIDR + `" -> "` + alloc + `"`,
			"#" + pool + ".depends_on: dependency cycle: \"" + pool + `" -> "` + scope + `" -> "` + pool + `"`}, nil, false, false},
		{"level not above dependency", func(p *Plan, idx map[string]int) { p.Steps[idx[scope]].Level = 3 },
			[]string{"#" + scope + ".level", "3 is not above 3", `"` + pool + `" (depends_on[0])`}, nil, false, false},
		{"negative level", func(p *Plan, idx map[string]int) {
			for i := range p.Steps {
				p.Steps[i].Level--
			}
		}, []string{"#" + alloc + ".level: -1 is negative"}, nil, false, false},
		{"unsorted steps", func(p *Plan, idx map[string]int) {
			p.Steps[0], p.Steps[1] = p.Steps[1], p.Steps[0]
		}, []string{"steps[1]", "steps are sorted by (level, id)"}, nil, true, false},
		{"empty region", func(p *Plan, idx map[string]int) { p.Steps[idx[member]].Region = "" },
			[]string{"#" + member + ".region: is empty"}, nil, false, false},
		{"empty resource id", func(p *Plan, idx map[string]int) { p.Steps[idx[member]].ResourceID = "" },
			[]string{"#" + member + ".resource_id: is empty"}, nil, false, false},
		{"params RegionId", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].Params["RegionId"] = "cn-beijing" },
			[]string{"#" + alloc + ".params.RegionId", `"cn-beijing" differs`}, nil, false, false},
		{"params DryRun", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].Params["DryRun"] = "true" },
			[]string{"#" + alloc + ".params.DryRun", "executor adds DryRun"}, nil, false, false},
		{"params ClientToken", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].Params["ClientToken"] = "x" },
			[]string{"#" + alloc + ".params.ClientToken"}, nil, false, false},
		{"dry run codes on an action without DryRun", func(p *Plan, idx map[string]int) {
			p.Steps[idx["disassociate-share/rs-8d1f2e3a/ipam-pool-prod"]].DryRunCodes = []string{"X"}
		}, []string{"#disassociate-share/rs-8d1f2e3a/ipam-pool-prod.dry_run_codes", "takes no DryRun"}, nil, false, false},
		// Each step against its action in the catalogue.
		{"params name another pool than resource_id", func(p *Plan, idx map[string]int) { p.Steps[idx[pool]].Params["IpamPoolId"] = "ipam-pool-dev" },
			[]string{"#" + pool + ".resource_id", `"ipam-pool-prod" is not the resource the call acts on, which is "ipam-pool-dev" (IpamPoolId of its params)`}, nil, false, false},
		{"cidr resource id", func(p *Plan, idx map[string]int) { p.Steps[idx[cidr]].ResourceID = "ipam-pool-prod/10.0.0.0/8" },
			[]string{"#" + cidr + ".resource_id", `which is "ipam-pool-prod/10.0.0.0/16" (IpamPoolId/Cidr of its params)`}, nil, false, false},
		{"dissociation names another discovery", func(p *Plan, idx map[string]int) {
			p.Steps[idx[dissociate]].Params["IpamResourceDiscoveryId"] = "ipam-res-disco-other"
		}, []string{"#" + dissociate + ".resource_id", `which is "ipam-0a1b2c3d4e5f6a7b8c/ipam-res-disco-other" (IpamId/IpamResourceDiscoveryId of its params)`}, nil, false, false},
		{"members of another IPAM", func(p *Plan, idx map[string]int) { p.Steps[idx[member]].ResourceID = "ipam-9f8e7d6c5b4a3f2e1d" },
			[]string{"#" + member + ".resource_id", `"ipam-9f8e7d6c5b4a3f2e1d" is not the step's ipam_id "ipam-0a1b2c3d4e5f6a7b8c"`}, nil, false, false},
		{"extra param", func(p *Plan, idx map[string]int) { p.Steps[idx[pool]].Params["Force"] = "true" },
			[]string{"#" + pool + `.params["Force"]`, "is not a parameter of DeleteIpamPool (it takes RegionId, IpamPoolId)"}, nil, false, false},
		{"list index 0", func(p *Plan, idx map[string]int) {
			s := p.Steps[idx[member]].Params
			s["Members.0.MemberId"], s["Members.0.MemberType"] = s["Members.1.MemberId"], s["Members.1.MemberType"]
			delete(s, "Members.1.MemberId")
			delete(s, "Members.1.MemberType")
		}, []string{"#" + member + ".params.Members.1.MemberId: is missing; RemoveIpamMembers requires Members.N.MemberId",
			"#" + member + `.params["Members.0.MemberId"]: is not a parameter of RemoveIpamMembers`}, nil, false, false},
		{"RegionId on a Resource Sharing call", func(p *Plan, idx map[string]int) { p.Steps[idx[share]].Params["RegionId"] = "cn-hangzhou" },
			[]string{"#" + share + `.params["RegionId"]: is not a parameter of DisassociateResourceShare`}, nil, false, false},
		{"required param missing", func(p *Plan, idx map[string]int) { delete(p.Steps[idx[alloc]].Params, "IpamPoolAllocationId") },
			[]string{"#" + alloc + ".params.IpamPoolAllocationId: is missing; DeleteIpamPoolAllocation requires it"}, nil, false, false},
		{"required param empty", func(p *Plan, idx map[string]int) { p.Steps[idx[cidr]].Params["Cidr"] = "" },
			[]string{"#" + cidr + ".params.Cidr: is empty; DeleteIpamPoolCidr requires it"}, nil, false, false},
		{"unknown wait_for", func(p *Plan, idx map[string]int) { p.Steps[idx[pool]].WaitFor = "Deleted" },
			[]string{"#" + pool + `.wait_for: "Deleted" is not a state of DeleteIpamPool (it has gone)`}, nil, false, false},
		{"wait_for on a synchronous action", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].WaitFor = "gone" },
			[]string{"#" + alloc + `.wait_for: "gone": DeleteIpamPoolAllocation has no state to wait for`}, nil, false, false},
		{"resource type", func(p *Plan, idx map[string]int) { p.Steps[idx[pool]].ResourceType = "scope" },
			[]string{"#" + pool + `.resource_type: "scope" is not what DeleteIpamPool removes; its steps say "pool"`}, nil, false, false},
		{"format version", func(p *Plan, idx map[string]int) { p.FormatVersion = 7 },
			[]string{"format_version: 7 is not supported; this build reads version 1 only"}, ErrUnsupportedVersion, false, false},
		{"plan id", func(p *Plan, idx map[string]int) { p.PlanID = "" }, []string{"plan_id: is empty"}, nil, false, false},
		{"plan region", func(p *Plan, idx map[string]int) { p.Region = "" }, []string{"region: is empty"}, nil, false, false},
		{"held back step in the plan", func(p *Plan, idx map[string]int) { p.Blockers[2].HeldBack = append(p.Blockers[2].HeldBack, pool) },
			[]string{"blockers[2].held_back[2]", `"` + pool + `" is #` + pool}, nil, false, false},
		{"blocker without reason", func(p *Plan, idx map[string]int) { p.Blockers[1].Reason = "" },
			[]string{"blockers[1].reason: is empty"}, nil, false, false},
		{"unsorted blockers", func(p *Plan, idx map[string]int) { p.Blockers[0], p.Blockers[1] = p.Blockers[1], p.Blockers[0] },
			[]string{"blockers[1]", "out of order"}, nil, true, false},
		{"summary steps", func(p *Plan, idx map[string]int) { p.Summary.Steps = 99 },
			[]string{"summary.steps: 99 does not match the plan, which has 15 steps"}, nil, true, false},
		{"summary by action", func(p *Plan, idx map[string]int) { p.Summary.ByAction["DeleteVpc"] = 1 },
			[]string{`summary.by_action["DeleteVpc"]: 1`}, nil, true, false},
		{"AccessKey ID in a param", func(p *Plan, idx map[string]int) {
			p.Steps[idx[alloc]].Params["Description"] = "made with LTAI5tQwErTyUiOpAsDf"
		}, []string{"#" + alloc + ".params.Description", "looks like a credential"}, nil, false, false},
		{"STS key in a reason", func(p *Plan, idx map[string]int) { p.Blockers[0].Reason = "STS.NUz4fKqA2bC3dE4fG5hJ6k" },
			[]string{"blockers[0].reason", "looks like a credential"}, nil, false, false},
		{"secret key name", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].Params["AccessKeySecret"] = "x" },
			[]string{"#" + alloc + ".params.AccessKeySecret", "names a credential"}, nil, false, false},
		{"security token assignment", func(p *Plan, idx map[string]int) { p.ToolVersion = "v1 SecurityToken=abc" },
			[]string{"tool_version", "looks like a credential"}, nil, false, false},
		{"secret tag in the selector", func(p *Plan, idx map[string]int) {
			p.Selector.Tags = map[string]string{"db_password": "x"}
		}, []string{"selector.tags.db_password", "names a credential"}, nil, false, false},
		{"invalid UTF-8", func(p *Plan, idx map[string]int) { p.Steps[idx[alloc]].Rule = "8.\xff" },
			[]string{"#" + alloc + ".rule", "not valid UTF-8"}, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, idx := canonicalFixture(t)
			tt.breakf(p, idx)
			var want []string
			for _, w := range tt.want {
				for id, i := range idx {
					w = strings.ReplaceAll(w, "#"+id, "steps["+itoa(i)+"]")
				}
				want = append(want, w)
			}
			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s accepted the plan", what)
				}
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not contain %q", what, err, w)
					}
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("%s: error %v is not %v", what, err, tt.is)
				}
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Errorf("%s: error %v holds no *FieldError", what, err)
				}
				if strings.Contains(err.Error(), "LTAI5tQwErTyUiOpAsDf") || strings.Contains(err.Error(), "NUz4fKqA2bC3dE4fG5hJ6k") {
					t.Errorf("%s: the error repeats the credential: %v", what, err)
				}
			}
			check("Validate", Validate(p))
			if !tt.validateOnly {
				// The same plan as a file with a matching checksum: Read refuses it too, naming the file.
				_, err := Read(bytes.NewReader(sealed(t, p)), "plan.json")
				check("Read", err)
				if err != nil && !strings.HasPrefix(err.Error(), "plan.json: ") {
					t.Errorf("Read error %q does not start with the file name", err)
				}
			}
			switch _, err := Marshal(p); {
			case tt.fixed && err != nil:
				t.Errorf("Marshal should have put the plan in order and written it: %v", err)
			case !tt.fixed && err == nil:
				t.Errorf("Marshal wrote a plan Validate refuses")
			}
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	p, _ := canonicalFixture(t)
	for i := range p.Steps {
		p.Steps[i].Region = ""
	}
	err := Validate(p)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want a *ValidationError", err)
	}
	if len(ve.Problems) != len(p.Steps) || ve.Omitted != 0 {
		t.Errorf("got %d problems (+%d omitted), want one per step (%d)", len(ve.Problems), ve.Omitted, len(p.Steps))
	}
	if !strings.Contains(err.Error(), "15 problems") {
		t.Errorf("error %q does not count the problems", err)
	}
	for i := range p.Steps {
		p.Steps[i].ResourceID = ""
	}
	if err := Validate(p); !errors.As(err, &ve) || len(ve.Problems) != maxProblems || ve.Omitted != 2*len(p.Steps)-maxProblems ||
		!strings.Contains(err.Error(), "and 10 more") {
		t.Errorf("Validate = %v, want %d problems listed and the rest counted", err, maxProblems)
	}
}

func TestValidateAcceptsFixtures(t *testing.T) {
	t.Parallel()
	for name, p := range fixtures(t) {
		mustMarshal(t, p)
		if err := Validate(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	p := multiIPAMPlan(t)
	p.Summarize()
	s := p.Summary
	if s.Steps != 15 || s.Levels != 6 || s.Blockers != 3 || s.HeldBack != 4 {
		t.Errorf("Summary = %+v, want 15 steps, 6 levels, 3 blockers, 4 held back (delete-ipam counted once)", s)
	}
	if s.ByAction["DeleteIpamPool"] != 3 || s.ByAction["DeleteIpam"] != 1 || len(s.ByAction) != 9 {
		t.Errorf("ByAction = %v", s.ByAction)
	}
	empty := &Plan{}
	empty.Summarize()
	if empty.Summary.Levels != 0 || empty.Summary.ByAction == nil {
		t.Errorf("empty plan summary = %+v, want 0 levels and an empty (non-nil) map", empty.Summary)
	}
}

// TestPlannerGoldenPlansRead: the plans the planner writes for its golden topologies read under every check
// of this package (the catalogue's included).
func TestPlannerGoldenPlansRead(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("..", "planner", "testdata", "golden", "*.plan.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden plans found (%v)", err)
	}
	for _, path := range paths {
		if _, err := ReadFile(path); err != nil {
			t.Error(err)
		}
	}
}
