package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClientToken(t *testing.T) {
	a := ClientToken("plan-0123456789abcdef", "delete-pool/ipam-pool-abc")
	if a != ClientToken("plan-0123456789abcdef", "delete-pool/ipam-pool-abc") {
		t.Error("not stable")
	}
	if !strings.HasPrefix(a, "plan-0123456789abcdef-") {
		t.Errorf("%q does not name its plan", a)
	}
	for _, tc := range []struct{ plan, step string }{
		{"plan-0123456789abcdef", "delete-pool/ipam-pool-abc"},
		{"plan-0123456789abcdef", "delete-pool/ipam-pool-abd"},
		{"plan-other", "delete-pool/ipam-pool-abc"},
		{strings.Repeat("p", 80), "delete-pool/ipam-pool-abc"},
		{"plan-ü", "delete-cidr/ipam-pool-abc/10.0.0.0/8"},
	} {
		tok := ClientToken(tc.plan, tc.step)
		if len(tok) > 64 || !ascii(tok) {
			t.Errorf("ClientToken(%q, %q) = %q: want at most 64 printable ASCII characters", tc.plan, tc.step, tok)
		}
	}
	if ClientToken("plan-x", "a") == ClientToken("plan-x", "b") || ClientToken("plan-x", "a") == ClientToken("plan-y", "a") {
		t.Error("tokens collide across steps or plans")
	}
}

func TestJournalResumeAndRefusals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	now := func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }
	j, st, err := openJournal(path, "plan-a", "sha256:1", now)
	if err != nil || len(st.steps) != 0 {
		t.Fatalf("new journal: %v %v", st, err)
	}
	for _, r := range []journalRecord{
		{Event: recordLock, IPAM: "ipam-1", Lock: "plan-a/2026-12-02T02:00:00Z"},
		{Event: recordStart, Step: "s1"}, {Event: recordDone, Step: "s1", Outcome: OutcomeDone},
		{Event: recordStart, Step: "s2"}, {Event: recordCalled, Step: "s2"},
		{Event: recordStart, Step: "s3"},
	} {
		if err := j.append(r); err != nil {
			t.Fatal(err)
		}
	}
	// A second opener while the first holds it: another apply of this plan is running.
	if _, _, err := openJournal(path, "plan-a", "sha256:1", now); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second open while the first runs: %v", err)
	}
	j.close()

	// A torn last line (killed mid-write) is dropped.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"t":"2026-12-02T00:00:00Z","event":"done","st`)
	f.Close()
	j, st, err = openJournal(path, "plan-a", "sha256:1", now)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	j.close()
	want := map[string]string{"s1": recordDone, "s2": recordCalled, "s3": recordStart}
	for k, v := range want {
		if st.steps[k] != v {
			t.Errorf("step %s: %q, want %q", k, st.steps[k], v)
		}
	}
	if st.locks["ipam-1"] != "plan-a/2026-12-02T02:00:00Z" {
		t.Errorf("lock: %v", st.locks)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(data), "}\n") {
		t.Errorf("the torn line was not cut off: %q", data[len(data)-20:])
	}

	// Another plan's journal, and a damaged line, are refused with the file and line named.
	var refused *RefusedError
	if _, _, err := openJournal(path, "plan-b", "sha256:2", now); !errors.As(err, &refused) || !strings.Contains(err.Error(), "belongs to plan plan-a") {
		t.Errorf("foreign journal: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte(string(data[:strings.IndexByte(string(data), '\n')+1])+"not json\n"), 0o644)
	if _, _, err := openJournal(bad, "plan-a", "sha256:1", now); !errors.As(err, &refused) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("damaged journal: %v", err)
	}
}

func TestLockValue(t *testing.T) {
	exp := time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)
	nonce := newNonce()
	if !isNonce(nonce) || nonce == newNonce() {
		t.Fatalf("nonce %q: want 16 hex digits, new for every run", nonce)
	}
	cases := []struct {
		value       string
		plan, nonce string
	}{
		{lockValue("plan-abc", nonce, exp), "plan-abc", nonce},
		{lockValue("plan/with/slashes", nonce, exp), "plan/with/slashes", nonce},
		// An earlier version's value: no nonce.
		{"plan-abc/2026-12-02T19:00:00.000000123Z", "plan-abc", ""},
	}
	for _, tc := range cases {
		l, ok := parseLock(tc.value)
		if !ok || l.plan != tc.plan || l.nonce != tc.nonce || !l.expiry.Truncate(time.Second).Equal(exp) {
			t.Errorf("parseLock(%q) = %+v %v, want plan %q nonce %q", tc.value, l, ok, tc.plan, tc.nonce)
		}
		if len(tc.value) > 128 {
			t.Errorf("lock value %q is longer than a tag value may be", tc.value)
		}
	}
	for _, v := range []string{"", "plan", "plan/notatime", "/2026-12-02T19:00:00Z"} {
		if _, ok := parseLock(v); ok {
			t.Errorf("parseLock(%q) accepted", v)
		}
	}
}

func TestJournalRefusesTrailingTextAndLeavesARefusedFileAlone(t *testing.T) {
	dir := t.TempDir()
	now := func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }
	path := filepath.Join(dir, "j")
	j, _, err := openJournal(path, "plan-a", "sha256:1", now)
	if err != nil {
		t.Fatal(err)
	}
	j.close()
	header, _ := os.ReadFile(path)

	trailing := filepath.Join(dir, "trailing")
	os.WriteFile(trailing, append(append([]byte{}, header...), `{"t":"2026-12-02T00:00:00Z","event":"start","step":"s1"} {"event":"done"}`+"\n"...), 0o644)
	var refused *RefusedError
	if _, _, err := openJournal(trailing, "plan-a", "sha256:1", now); !errors.As(err, &refused) || !strings.Contains(err.Error(), "line 2: text after the record") {
		t.Errorf("a record with text after it: %v", err)
	}

	// Another plan's journal with a torn last line: refused, and not a byte changed.
	torn := append(append([]byte{}, header...), `{"t":"2026-12-02T00:00:00Z","ev`...)
	other := filepath.Join(dir, "other")
	os.WriteFile(other, torn, 0o644)
	if _, _, err := openJournal(other, "plan-b", "sha256:2", now); !errors.As(err, &refused) {
		t.Fatalf("another plan's journal: %v", err)
	}
	if got, _ := os.ReadFile(other); string(got) != string(torn) {
		t.Errorf("a refused journal was changed:\n%q\nwant\n%q", got, torn)
	}
}

// Records written by many workers at once (the start records, whose syncs are grouped) and by the
// coordinator (done records, written without waiting for the disk) are all in the file, each whole: a
// note is in the file when it returns, so that a killed process loses none, and an append also on disk.
func TestJournalConcurrentRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _, err := openJournal(path, "plan-a", "sha256:1", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				step := fmt.Sprintf("s%d-%d", w, i)
				if err := j.append(journalRecord{Event: recordStart, Step: step}); err != nil {
					t.Error(err)
				}
				if err := j.note(journalRecord{Event: recordDone, Step: step, Outcome: OutcomeDone}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	// Before close: every note is already in the file (another process reading it sees it).
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(string(data), `"event":"done"`), workers*each; got != want {
		t.Errorf("%d done records in the file before close, want %d", got, want)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	if j.onDisk != j.written {
		t.Errorf("close synced %d of %d records", j.onDisk, j.written)
	}
	j2, st, err := openJournal(path, "plan-a", "sha256:1", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.close()
	if len(st.steps) != workers*each {
		t.Fatalf("%d steps read back, want %d", len(st.steps), workers*each)
	}
	for id, ev := range st.steps {
		if ev != recordDone {
			t.Errorf("step %s: last record %s, want done", id, ev)
		}
	}
}
