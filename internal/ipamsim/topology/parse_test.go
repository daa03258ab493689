package topology

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// base is a valid topology the error cases below break one field at a time.
const base = `accounts:
  - id: "1000000000000001"
    ipams:
      - name: main
        region: cn-hangzhou
        pools:
          - name: top
            cidrs: [10.0.0.0/8]
            children:
              - name: child
                region: cn-hangzhou
                cidrs: [10.0.0.0/16]
`

func TestParseValid(t *testing.T) {
	t.Parallel()
	topo, err := Parse([]byte(base), "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := topo.Accounts[0].IPAMs[0].Pools[0].Children[0].Name; got != "child" {
		t.Errorf("child pool name = %q", got)
	}
	creds := topo.Credentials()
	if len(creds) != 1 || creds[0].AccessKeyID != "sim-access-key" || creds[0].AccessKeySecret != "sim-secret" {
		t.Errorf("default credentials = %+v", creds)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"syntax", "accounts:\n  - id: 1\n   bad: [", []string{"bad.yaml:"}},
		{"empty", "", []string{"bad.yaml: empty topology"}},
		{"unknown field", strings.Replace(base, "            cidrs: [10.0.0.0/8]", "            cidr: [10.0.0.0/8]", 1),
			[]string{"bad.yaml:8: accounts[0].ipams[0].pools[0].cidr: unknown field \"cidr\"", "known fields: name, description, scope"}},
		{"wrong type", strings.Replace(base, "region: cn-hangzhou\n        pools", "region: [cn-hangzhou]\n        pools", 1),
			[]string{"bad.yaml:5: accounts[0].ipams[0].region: cannot decode"}},
		{"no accounts", "regions: [cn-hangzhou]\n", []string{"accounts: a topology needs at least one account"}},
		{"bad account id", strings.Replace(base, `"1000000000000001"`, `"acct-1"`, 1), []string{"bad.yaml:2: accounts[0].id: account id \"acct-1\""}},
		{"unknown region", strings.Replace(base, "region: cn-hangzhou\n        pools", "region: mars-1\n        pools", 1),
			[]string{"bad.yaml:5: accounts[0].ipams[0].region: region mars-1 is not served"}},
		{"child outside parent", strings.Replace(base, "10.0.0.0/16", "11.0.0.0/16", 1),
			[]string{"bad.yaml:12: accounts[0].ipams[0].pools[0].children[0].cidrs[0]: 11.0.0.0/16 is not inside a CIDR of the parent pool top"}},
		{"host bits", strings.Replace(base, "10.0.0.0/16", "10.0.0.1/16", 1), []string{"has host bits set; did you mean 10.0.0.0/16?"}},
		{"child region differs", strings.Replace(base, "                region: cn-hangzhou", "                region: cn-shanghai", 1),
			[]string{"children[0].region: cn-shanghai is not an operating region of ipam main"}},
		{"duplicate pool", strings.Replace(base, "name: child", "name: top", 1), []string{"children[0].name: pool top is also declared at accounts[0].ipams[0].pools[0]"}},
		{"bad scope ref", strings.Replace(base, "          - name: top\n", "          - name: top\n            scope: scope/nope\n", 1),
			[]string{"pools[0].scope: scope/nope is not a scope of ipam main"}},
		{"ipv6 in private scope", strings.Replace(base, "          - name: top\n", "          - name: top\n            scope: default-private\n            ip_version: IPv6\n", 1),
			[]string{"pools[0].ip_version: private scopes hold IPv4 pools only"}},
		{"ipv6 needs region", strings.Replace(base, "          - name: top\n", "          - name: top\n            ip_version: IPv6\n", 1),
			[]string{"bad.yaml:7: accounts[0].ipams[0].pools[0].region: an IPv6 pool needs a region"}},
		{"overlapping siblings", base + "              - name: child2\n                cidrs: [10.0.128.0/17]\n",
			[]string{"children[1].cidrs[0]: 10.0.128.0/17 overlaps 10.0.0.0/16 (accounts[0].ipams[0].pools[0].children[0].cidrs[0]) inside pool top"}},
		{"allocation overlaps child", base + "            allocations:\n              - cidr: 10.0.1.0/24\n",
			[]string{"overlaps", "inside pool top"}},
		{"allocation needs cidr or mask", base + "            allocations:\n              - name: x\n", []string{"allocations[0]: give cidr or mask"}},
		{"share of a foreign pool", base + `  - id: "1000000000000002"
    shares:
      - name: s
        resources: [pool/top]
        targets: ["1000000000000001"]
`, []string{"accounts[1].shares[0].resources[0]: pool/top belongs to account 1000000000000001: only the owner can share it"}},
		{"external target", base + `    shares:
      - name: s
        resources: [pool/top]
        targets: ["1000000000000002"]
`, []string{"bad.yaml:16: accounts[0].shares[0].targets[0]: account 1000000000000002 is not in the resource directory with 1000000000000001: set allow_external_targets"}},
		{"vpc in an unshared pool", base + `  - id: "1000000000000002"
    vpcs:
      - name: v
        pool: pool/child
        mask: 24
`, []string{"bad.yaml:16: accounts[1].vpcs[0].pool: pool/child belongs to account 1000000000000001 and no share gives it to 1000000000000002"}},
		{"vpc from a pool without region", base + `    vpcs:
      - name: v
        region: cn-hangzhou
        pool: pool/top
        mask: 24
`, []string{"vpcs[0].region: vpc v is in cn-hangzhou but pool top has no region"}},
		{"bad reference syntax", base + `    vpcs:
      - name: v
        pool: child
        mask: 24
`, []string{"vpcs[0].pool: reference \"child\": want pool/NAME"}},
		{"members without directory", strings.Replace(base, "        pools:", "        members:\n          - id: \"1000000000000002\"\n        pools:", 1),
			[]string{"members: members need a resource_directory"}},
		{"denied action needed", strings.Replace(base, "    ipams:", "    denied: [CreateIpamPool]\n    ipams:", 1),
			[]string{"accounts[0].denied[0]: CreateIpamPool is denied but needed to build accounts[0].ipams[0].pools[0]"}},
		{"two ipams in a region", strings.Replace(base, "    ipams:\n", "    ipams:\n      - name: other\n        region: cn-hangzhou\n", 1),
			[]string{"account 1000000000000001 already has an IPAM in cn-hangzhou"}},
		{"discovery beside own ipam", base + "    discoveries:\n      - name: d\n        region: cn-hangzhou\n",
			[]string{"discoveries[0].region: account 1000000000000001 has an IPAM in cn-hangzhou"}},
		{"association of an unshared discovery", base + `    associations:
      - ipam: ipam/main
        discovery: discovery/d
  - id: "1000000000000002"
    discoveries:
      - name: d
        region: cn-hangzhou
`, []string{"bad.yaml:15: accounts[0].associations[0].discovery: discovery/d belongs to account 1000000000000002 and no share gives it to 1000000000000001"}},
		{"association of a foreign ipam", base + `  - id: "1000000000000002"
    discoveries:
      - name: d
        region: cn-hangzhou
    associations:
      - ipam: ipam/main
        discovery: discovery/d
`, []string{"accounts[1].associations[0].ipam: ipam/main belongs to account 1000000000000001; associate it from that account"}},
		{"member folder unknown", "resource_directory:\n  delegated_admin: \"1000000000000001\"\n  accounts: [\"1000000000000001\"]\n" +
			strings.Replace(base, "        pools:", "        members:\n          - id: fd-nope\n        pools:", 1),
			[]string{"members[0].id: folder fd-nope is not in the resource directory"}},
		{"delegated admin outside directory", "resource_directory:\n  delegated_admin: \"1000000000000009\"\n  accounts: [\"1000000000000001\"]\n" + base,
			[]string{"bad.yaml:2: resource_directory.delegated_admin: delegated admin \"1000000000000009\" must be one of resource_directory.accounts"}},
		{"ipv6 vpc without mask", base + `          - name: v6
            ip_version: IPv6
            region: cn-hangzhou
            netmasks: [52]
    vpcs:
      - name: v
        ipv6_pool: pool/v6
`, []string{"vpcs[0].ipv6_mask: an IPv6 pool allocation needs ipv6_mask 1-128"}},
		{"ipv4 pool as ipv6 pool", base + `    vpcs:
      - name: v
        ipv6_pool: pool/child
        ipv6_mask: 56
`, []string{"vpcs[0].ipv6_pool: pool/child is an IPv4 pool; want IPv6"}},
		{"top-level ipv6 with cidr", base + `          - name: v6
            ip_version: IPv6
            region: cn-hangzhou
            cidrs: ["2400:3200::/48"]
`, []string{"pools[1].cidrs: a top-level public IPv6 pool is provisioned with netmasks only"}},
		{"bad tag key", strings.Replace(base, "        pools:", "        tags: {aliyun-x: y}\n        pools:", 1),
			[]string{"bad.yaml:6: accounts[0].ipams[0].tags.aliyun-x: tag key \"aliyun-x\""}},
		{"vpc blocks overlap", base + `    vpcs:
      - name: a
        pool: pool/child
        cidr: 10.0.1.0/24
      - name: b
        pool: pool/child
        cidr: 10.0.0.0/23
`, []string{"accounts[0].vpcs[1].cidr: 10.0.0.0/23 overlaps 10.0.1.0/24 (accounts[0].vpcs[0].cidr) inside pool child"}},
		{"two documents", base + "---\naccounts: []\n", []string{"more than one YAML document"}},
		{"keys half set", strings.Replace(base, "    ipams:", "    access_key_id: k\n    ipams:", 1), []string{"set both access_key_id and access_key_secret"}},
		{"region off the public list", "regions: [cn-hangzhou, ap-south-1]\n" + base,
			[]string{"bad.yaml:1: regions[1]: ap-south-1 is a region of no product the emulator serves"}},
		{"an IPAM where VpcIpam is not served", strings.Replace(base, "region: cn-hangzhou\n        pools", "region: na-south-1\n        pools", 1),
			[]string{"accounts[0].ipams[0].region: VpcIpam is not served in region na-south-1"}},
		{"a VPC where Vpc is not served", base + "    vpcs:\n      - name: v\n        region: cn-wuhan-lr\n",
			[]string{"accounts[0].vpcs[0].region: Vpc is not served in region cn-wuhan-lr"}},
		{"region restricted away", "regions: [cn-shanghai]\n" + base, []string{"accounts[0].ipams[0].region: region cn-hangzhou is not served (served: cn-shanghai)"}},
		{"role trusts an unknown account", base + "    roles:\n      - name: cleanup\n        trust: [\"1000000000000009\"]\n",
			[]string{"bad.yaml:15: accounts[0].roles[0].trust[0]: account \"1000000000000009\" is not an account of this topology"}},
		{"role trusts nobody", base + "    roles:\n      - name: cleanup\n", []string{"accounts[0].roles[0].trust: role cleanup trusts no account"}},
		{"bad role name", base + "    roles:\n      - name: a/b\n        trust: [\"1000000000000001\"]\n", []string{"accounts[0].roles[0].name: role name \"a/b\""}},
		{"role declared twice", base + "    roles:\n      - name: r\n        trust: [\"1000000000000001\"]\n      - name: R\n        trust: [\"1000000000000001\"]\n",
			[]string{"accounts[0].roles[1].name: role R is also declared at accounts[0].roles[0]"}},
		{"role field unknown", base + "    roles:\n      - name: r\n        trusted: [\"1000000000000001\"]\n", []string{"unknown field \"trusted\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.yaml), "bad.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded; want an error containing %q", tt.want)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *topology.Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n  does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	topo, err := Parse([]byte(`regions: [cn-hangzhou, cn-shanghai]
resource_directory:
  delegated_admin: "1000000000000001"
  accounts: ["1000000000000001", "1000000000000002"]
  folders: {fd-a: ["1000000000000002"]}
accounts:
  - id: "1000000000000001"
    denied: [DeleteIpam]
  - id: "1000000000000002"
    roles:
      - name: ipam-cleanup
        trust: ["1000000000000001", "1000000000000003"]
  - id: "1000000000000003"
    access_key_id: k3
    access_key_secret: s3
`), "opts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := topo.Options()
	want := []struct{ id, key, secret string }{
		{"1000000000000001", "sim-access-key", "sim-secret"},
		{"1000000000000002", "sim-access-key-1000000000000002", "sim-secret-1000000000000002"},
		{"1000000000000003", "k3", "s3"},
	}
	if len(o.Accounts) != len(want) {
		t.Fatalf("%d accounts", len(o.Accounts))
	}
	for i, w := range want {
		a := o.Accounts[i]
		if a.ID != w.id || a.AccessKeyID != w.key || a.AccessKeySecret != w.secret {
			t.Errorf("account %d = %+v; want %+v", i, a, w)
		}
	}
	if len(o.Accounts[0].Denied) != 1 || o.Accounts[0].Denied[0] != "DeleteIpam" {
		t.Errorf("denied = %v", o.Accounts[0].Denied)
	}
	if strings.Join(o.Regions, ",") != "cn-hangzhou,cn-shanghai" {
		t.Errorf("regions = %v", o.Regions)
	}
	if r := o.Accounts[1].Roles; len(r) != 1 || r[0].Name != "ipam-cleanup" || strings.Join(r[0].Trust, ",") != "1000000000000001,1000000000000003" {
		t.Errorf("roles = %+v", r)
	}
	rd := o.ResourceDirectory
	if rd == nil || rd.DelegatedAdmin != "1000000000000001" || len(rd.Accounts) != 2 || rd.Folders["fd-a"][0] != "1000000000000002" {
		t.Errorf("resource directory = %+v", rd)
	}
	// Options are copies: changing them leaves the topology alone.
	rd.Folders["fd-a"][0] = "x"
	o.Accounts[0].Denied[0] = "y"
	o.Accounts[1].Roles[0].Trust[0] = "z"
	if topo.ResourceDirectory.Folders["fd-a"][0] != "1000000000000002" || topo.Accounts[0].Denied[0] != "DeleteIpam" || topo.Accounts[1].Roles[0].Trust[0] != "1000000000000001" {
		t.Error("Options shares memory with the topology")
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(%s) = %v; want a not-exist error naming the file", path, err)
	}
}

// The example files must parse and round-trip: Marshal of a parsed file parses to the same Marshal output.
func TestExamplesRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../../testdata/topologies/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example topologies: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			topo, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(topo)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(out, "marshalled")
			if err != nil {
				t.Fatalf("Marshal output does not parse: %v\n%s", err, out)
			}
			out2, err := Marshal(again)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != string(out2) {
				t.Errorf("Marshal is not stable:\n%s\n---\n%s", out, out2)
			}
		})
	}
}

// TestReadmeRolesExample: the roles example of testdata/topologies/README.md parses, and its role reaches the
// emulator's options.
func TestReadmeRolesExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "topologies", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## roles[]\n")
	if !ok {
		t.Fatal("README.md has no roles[] section")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal("the roles[] section has no yaml example")
	}
	topo, err := Parse([]byte(block), "README.md roles example")
	if err != nil {
		t.Fatal(err)
	}
	roles := topo.Options().Accounts[1].Roles
	if len(roles) != 1 || roles[0].Name != "ipam-cleanup" || len(roles[0].Trust) != 1 || roles[0].Trust[0] != "1000000000000001" {
		t.Errorf("roles = %+v", roles)
	}
}

// TestVpcIpamRegions: a topology may put an IPAM in any region of VpcIpam's endpoint map, those off the
// public list included, and the emulator builds it there.
func TestVpcIpamRegions(t *testing.T) {
	t.Parallel()
	for _, region := range []string{"cn-hangzhou-finance", "ap-southeast-2", "cn-wuhan-lr"} {
		topo, err := Parse([]byte(strings.ReplaceAll(base, "cn-hangzhou", region)), "regions.yaml")
		if err != nil {
			t.Fatalf("%s: %v", region, err)
		}
		applyFresh(t, topo)
	}
}
