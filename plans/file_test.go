package plans

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sealed returns the file for p exactly as it is, with a checksum that matches, bypassing Marshal's
// canonicalization and validation: a file a careless (or malicious) writer could produce.
func sealed(t *testing.T, p *Plan) []byte {
	t.Helper()
	sum, err := checksumOf(p)
	if err != nil {
		t.Fatal(err)
	}
	p.Checksum = sum
	b, err := encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustMarshal(t *testing.T, p *Plan) []byte {
	t.Helper()
	b, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMarshalReadRoundTrip(t *testing.T) {
	t.Parallel()
	for name, p := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			b := mustMarshal(t, p)
			got, err := Read(bytes.NewReader(b), "plan.json")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, got); diff != "" {
				t.Errorf("Read(Marshal(p)) differs from p (-p +read):\n%s", diff)
			}
			if again := mustMarshal(t, got); !bytes.Equal(again, b) {
				t.Errorf("re-marshalling the plan read back changed the file:\n%s", cmp.Diff(string(b), string(again)))
			}
		})
	}
}

func TestMarshalIsCanonical(t *testing.T) {
	t.Parallel()
	want := mustMarshal(t, multiIPAMPlan(t))

	// The same plan built in another order, with a local creation time, nil slices and an unsorted selector,
	// writes the same bytes.
	p := multiIPAMPlan(t)
	for i, j := 0, len(p.Steps)-1; i < j; i, j = i+1, j-1 {
		p.Steps[i], p.Steps[j] = p.Steps[j], p.Steps[i]
	}
	for i := range p.Steps {
		d := p.Steps[i].DependsOn
		for a, b := 0, len(d)-1; a < b; a, b = a+1, b-1 {
			d[a], d[b] = d[b], d[a]
		}
	}
	p.Blockers[0], p.Blockers[2] = p.Blockers[2], p.Blockers[0]
	p.CreatedAt = p.CreatedAt.In(time.FixedZone("CST", 8*3600))
	p.FormatVersion = 0
	p.Summary = Summary{}
	if got := mustMarshal(t, p); !bytes.Equal(got, want) {
		t.Errorf("Marshal depends on the order it was given:\n%s", cmp.Diff(string(want), string(got)))
	}
	if !bytes.HasSuffix(want, []byte("}\n")) || bytes.Contains(want, []byte("null")) || bytes.Contains(want, []byte("\t")) {
		t.Errorf("want a trailing newline, two-space indent and no null in the file")
	}
	if !strings.HasPrefix(string(want), "{\n  \"format_version\": 1,\n  \"plan_id\": ") {
		t.Errorf("file does not start with format_version then plan_id:\n%.80s", want)
	}
}

// TestTwoPlansDifferOnlyInIDAndTime is the DESIGN promise: two plans of the same snapshot differ only in
// plan_id, created_at and so the checksum.
func TestTwoPlansDifferOnlyInIDAndTime(t *testing.T) {
	t.Parallel()
	a, b := multiIPAMPlan(t), multiIPAMPlan(t)
	b.PlanID = "plan-20261124-999999"
	b.CreatedAt = b.CreatedAt.Add(26 * time.Hour)
	la := strings.Split(string(mustMarshal(t, a)), "\n")
	lb := strings.Split(string(mustMarshal(t, b)), "\n")
	if len(la) != len(lb) {
		t.Fatalf("line counts differ: %d and %d", len(la), len(lb))
	}
	var differ []string
	for i := range la {
		if la[i] != lb[i] {
			key, _, _ := strings.Cut(strings.TrimSpace(la[i]), ":")
			differ = append(differ, key)
		}
	}
	want := []string{`"plan_id"`, `"created_at"`, `"checksum"`}
	if diff := cmp.Diff(want, differ); diff != "" {
		t.Errorf("lines that differ (-want +got):\n%s", diff)
	}
}

// TestChecksumRecomputable follows the recipe in Marshal's comment, as a reviewer would with sed and
// sha256sum.
func TestChecksumRecomputable(t *testing.T) {
	t.Parallel()
	p := multiIPAMPlan(t)
	b := mustMarshal(t, p)
	re := regexp.MustCompile(`(?m)^  "checksum": ".*"$`)
	if n := len(re.FindAll(b, -1)); n != 1 {
		t.Fatalf("the recipe's pattern matches %d lines, want 1", n)
	}
	sum := sha256.Sum256(re.ReplaceAll(b, []byte(`  "checksum": ""`)))
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != p.Checksum {
		t.Errorf("recomputed checksum %s, file says %s", got, p.Checksum)
	}
}

// TestReadRefusesReformattedFile: the checksum covers the file's bytes, so a file whose layout changed no
// longer verifies, even though it holds the same plan.
func TestReadRefusesReformattedFile(t *testing.T) {
	t.Parallel()
	b := mustMarshal(t, multiIPAMPlan(t))
	var indented, compact bytes.Buffer
	if err := json.Indent(&indented, b, "", "    "); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"crlf":                    bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")), // a Windows checkout with autocrlf
		"four-space indent":       indented.Bytes(),
		"compact":                 compact.Bytes(),
		"one more space":          bytes.Replace(b, []byte(`"level": 0`), []byte(`"level":  0`), 1),
		"without the newline":     b[:len(b)-1],
		"escaped the same string": bytes.Replace(b, []byte(`"cn-hangzhou"`), []byte(`"cn-hangzho\u0075"`), 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Read(bytes.NewReader(data), "plan.json"); !errors.Is(err, ErrChecksumMismatch) {
				t.Errorf("Read = %v, want ErrChecksumMismatch", err)
			}
		})
	}
}

// reseal gives a hand-edited file the checksum the documented sed recipe computes, as someone editing it on
// purpose would.
func reseal(t *testing.T, b []byte) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?m)^  "checksum": ".*"$`)
	blank := re.ReplaceAll(b, []byte(`  "checksum": ""`))
	sum := sha256.Sum256(blank)
	return re.ReplaceAll(b, []byte(`  "checksum": "sha256:`+hex.EncodeToString(sum[:])+`"`))
}

// TestReadRefusesAmbiguousKeys: encoding/json matches keys ignoring case and keeps the last of two equal
// keys, so a file could show a reviewer one value and give the tool another. Read refuses such a file even
// when its checksum matches, naming the key, where it is and the object it is in.
func TestReadRefusesAmbiguousKeys(t *testing.T) {
	t.Parallel()
	b := mustMarshal(t, fixtures(t)["multi-ipam"])
	scope := `"action": "DeleteIpamScope",`
	// The line of that step's "action" key, so that the expected positions follow the fixture.
	line := bytes.Count(b[:bytes.Index(b, []byte(scope))], []byte("\n")) + 1
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"case variant of action", scope, scope + ` "ACTION": "DeleteIpam",`,
			[]string{"steps[13]", `key "ACTION" is not spelt as the format spells it, "action"`, fmt.Sprintf("line %d, column 36", line)}},
		{"escaped duplicate of action", scope, scope + ` "\u0061ction": "DeleteIpam",`,
			[]string{"steps[13]", fmt.Sprintf(`key "action" appears a second time (first at line %d, column 7)`, line)}},
		{"Kelvin sign", `"blockers": [`, `"bloc\u212aers": [`, []string{`"blockers"`}},
		{"duplicate top-level key", `"region": "cn-hangzhou",`, `"region": "cn-hangzhou", "region": "cn-beijing",`,
			[]string{`the plan: key "region" appears a second time`}},
		{"duplicate param", `"IpamScopeId": "ipam-scope-custom42"`, `"IpamScopeId": "ipam-scope-other", "IpamScopeId": "ipam-scope-custom42"`,
			[]string{"steps[13].params", `key "IpamScopeId" appears a second time`}},
		{"duplicate selector key", `"ipam_ids": [`, `"ipam_ids": [], "ipam_ids": [`, []string{"selector", `"ipam_ids" appears a second time`}},
		{"duplicate tag", `"selector": {`, `"selector": {"tags": {"a": "1", "a": "2"},`, []string{"selector.tags", `"a" appears a second time`}},
		{"duplicate dependency rule", `"rule": "8.7"
        }`, `"rule": "8.7", "rule": "8.9"
        }`, []string{"steps[13].depends_on[0]", `"rule" appears a second time`}},
		{"case variant in the summary", `"held_back": 4`, `"held_back": 4, "Held_Back": 4`, []string{"summary", `"Held_Back" is not spelt`}},
		{"case variant in a blocker", `"reason": "excluded`, `"Reason": "x", "reason": "excluded`, []string{"blockers[", `"Reason" is not spelt`}},
		{"case variant in options", `"exclude": [`, `"Exclude": [], "exclude": [`, []string{"options", `"Exclude" is not spelt`}},
		{"case variant in implies", `"reason": "its association`, `"REASON": "x", "reason": "its association`, []string{".implies[0]", `"REASON"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Contains(b, []byte(tt.old)) {
				t.Fatalf("fixture does not contain %q", tt.old)
			}
			bad := reseal(t, bytes.Replace(b, []byte(tt.old), []byte(tt.new), 1))
			_, err := Read(bytes.NewReader(bad), "plan.json")
			if err == nil {
				t.Fatal("accepted")
			}
			if errors.Is(err, ErrChecksumMismatch) {
				t.Fatalf("Read = %v; the file was resealed, so the key should be what it refuses", err)
			}
			for _, want := range append([]string{"plan.json: line "}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestReadRefusesTamperedFile(t *testing.T) {
	t.Parallel()
	b := mustMarshal(t, multiIPAMPlan(t))
	tests := []struct{ name, old, new string }{
		{"resource id", `"resource_id": "ipam-pool-dev"`, `"resource_id": "ipam-pool-prd"`},
		{"region", `"region": "cn-shanghai"`, `"region": "cn-beijing"`},
		{"edge rule", `"rule": "8.13"`, `"rule": "8.14"`},
		{"step id changed", `"id": "delete-allocation/ipam-pool-alloc-custom1",`, `"id": "delete-allocation/ipam-pool-alloc-vpc7",`},
		{"blocker reason", `excluded with --exclude`, `excluded by --exclude`},
	}
	// And the checksum itself: its last digit changed.
	i := bytes.LastIndex(b, []byte(`"`+"\n}"))
	last := string(b[i-1 : i+3])
	flipped := map[byte]string{'0': "1"}[b[i-1]]
	if flipped == "" {
		flipped = "0"
	}
	tests = append(tests, struct{ name, old, new string }{"checksum digit", last, flipped + last[1:]})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Contains(b, []byte(tt.old)) {
				t.Fatalf("fixture does not contain %q", tt.old)
			}
			bad := bytes.Replace(b, []byte(tt.old), []byte(tt.new), 1)
			_, err := Read(bytes.NewReader(bad), "reviewed/plan.json")
			if !errors.Is(err, ErrChecksumMismatch) {
				t.Fatalf("Read = %v, want ErrChecksumMismatch", err)
			}
			var ce *ChecksumError
			if !errors.As(err, &ce) || ce.Want == ce.Got || !strings.HasPrefix(ce.Got, "sha256:") {
				t.Fatalf("error %v is not a *ChecksumError with two different sums", err)
			}
			for _, want := range []string{"reviewed/plan.json", "checksum does not match", ce.Want, ce.Got} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestReadRefusesTruncatedFile(t *testing.T) {
	t.Parallel()
	b := mustMarshal(t, multiIPAMPlan(t))
	// Every cut refuses the file; cutting at a step boundary gives valid-looking JSON up to there.
	for n := 0; n < len(b)-1; n += 13 {
		if _, err := Read(bytes.NewReader(b[:n]), "plan.json"); err == nil {
			t.Fatalf("a file cut to %d of %d bytes was accepted", n, len(b))
		} else if !strings.HasPrefix(err.Error(), "plan.json: ") {
			t.Fatalf("cut at %d: error %q does not start with the file name", n, err)
		}
	}
	n := len(b) / 2
	_, err := Read(bytes.NewReader(b[:n]), "half.json")
	for _, want := range []string{"half.json", "truncated", "byte offset " + strconv.Itoa(n)} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read of half a file = %v, want an error containing %q", err, want)
		}
	}
	// Cut just before the final newline: the JSON is complete, but the checksum covers the newline.
	if _, err := Read(bytes.NewReader(b[:len(b)-1]), "plan.json"); !errors.Is(err, ErrChecksumMismatch) {
		t.Errorf("file without its trailing newline: %v, want ErrChecksumMismatch", err)
	}
}

func TestReadRefusesMalformedFiles(t *testing.T) {
	t.Parallel()
	good := mustMarshal(t, multiIPAMPlan(t))
	version2 := bytes.Replace(good, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1)
	version2 = bytes.Replace(version2, []byte(`"plan_id"`), []byte(`"new_field": true, "plan_id"`), 1)
	tests := []struct {
		name string
		data []byte
		want []string
		is   error
	}{
		{"empty", nil, []string{"empty file"}, nil},
		{"whitespace", []byte(" \n"), []string{"empty file"}, nil},
		{"not an object", []byte(`[1, 2]`), []string{"JSON array, not a plan", "line 1, column 2"}, nil},
		{"version 2", version2, []string{"format_version: 2 is not supported", "this build reads version 1"}, ErrUnsupportedVersion},
		{"version string", []byte(`{"format_version": "1"}`), []string{`format_version: "1" is not a version`}, ErrUnsupportedVersion},
		{"version missing", []byte(`{"plan_id": "x"}`), []string{"format_version is missing"}, nil},
		{"unknown field", bytes.Replace(good, []byte(`"plan_id"`), []byte(`"approved_by": "me", "plan_id"`), 1),
			[]string{`unknown field "approved_by"`, "line 3"}, nil},
		{"unknown step field", bytes.Replace(good, []byte(`"action": "DeleteIpamPoolAllocation"`), []byte(`"force": true, "action": "DeleteIpamPoolAllocation"`), 1),
			[]string{`unknown field "force"`}, nil},
		{"wrong type", bytes.Replace(good, []byte(`"level": 1,`), []byte(`"level": "1",`), 1),
			[]string{"steps.level", "a JSON string where the format wants int"}, nil},
		{"trailing data", append(slices.Clone(good), []byte("{}\n")...), []string{"unexpected data after the plan"}, nil},
		{"syntax", bytes.Replace(good, []byte(`"region": "cn-hangzhou",`), []byte(`"region": "cn-hangzhou",,`), 1),
			[]string{"line 6, column 28", "invalid character ','"}, nil},
		{"byte order mark", append([]byte("\xef\xbb\xbf"), good...), []string{"byte order mark"}, nil},
		{"invalid utf-8", bytes.Replace(good, []byte("cn-hangzhou"), []byte("cn-hang\xffzhou"), 1),
			[]string{"not valid UTF-8", "line 6"}, nil},
		{"no checksum", bytes.Replace(good, good[bytes.Index(good, []byte(`"checksum": "`)):len(good)-3], []byte(`"checksum": ""`), 1),
			[]string{"checksum is missing"}, nil},
		{"bad checksum form", bytes.Replace(good, []byte(`"checksum": "sha256:`), []byte(`"checksum": "md5:`), 1),
			[]string{`checksum "md5:`, "64 lowercase hex digits"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read(bytes.NewReader(tt.data), "in/plan.json")
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range append([]string{"in/plan.json: "}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestWriteFileAndReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	p := multiIPAMPlan(t)
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("ReadFile(WriteFile(p)) differs (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("plan file mode %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("WriteFile left %d files in the directory, want 1", len(entries))
	}

	// An invalid plan is not written, and an existing file stays as it was.
	bad := multiIPAMPlan(t)
	bad.Steps[0].Action = "DeleteVpc"
	if err := WriteFile(path, bad); err == nil || !strings.Contains(err.Error(), "DeleteVpc") {
		t.Errorf("WriteFile of an invalid plan = %v, want an error naming DeleteVpc", err)
	}
	if _, err := ReadFile(path); err != nil {
		t.Errorf("the earlier plan file was damaged: %v", err)
	}

	if _, err := ReadFile(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("ReadFile of a missing file = %v, want an error naming it", err)
	}
}
