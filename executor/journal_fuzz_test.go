package executor

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// journalSeed is a real journal: the one `ipam-teardown demo` wrote for its plan (a lock, then every step's
// start, called and done records).
const journalSeed = "testdata/demo.journal"

// FuzzJournal feeds arbitrary bytes to openJournal as an existing journal file. It must never panic; what it
// refuses is a RefusedError of kind RefusedJournal; what it accepts reads back the same on a second open (the
// open wrote nothing but the cut of a torn last line), and a record appended to it is there on the next open.
func FuzzJournal(f *testing.F) {
	seed, err := os.ReadFile(journalSeed)
	if err != nil {
		f.Fatal(err)
	}
	var header journalRecord
	if err := json.Unmarshal(seed[:bytes.IndexByte(seed, '\n')], &header); err != nil {
		f.Fatal(err)
	}
	planID, checksum := header.PlanID, header.Checksum
	f.Add(seed)
	lines := bytes.SplitAfter(seed, []byte("\n"))
	f.Add(bytes.Join(lines[:3], nil))                        // header, lock, one start
	f.Add(append(bytes.Join(lines[:3], nil), `{"t":"20`...)) // killed mid-write
	f.Add(lines[0])
	f.Add([]byte{})
	f.Add([]byte(`{"event":"plan","plan_id":"other","checksum":"sha256:0"}` + "\n"))
	f.Add([]byte("not json\n"))
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "plan.json.journal")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		j, st, err := openJournal(path, planID, checksum, now)
		if err != nil {
			var refused *RefusedError
			if !errors.As(err, &refused) || refused.Kind != RefusedJournal {
				t.Fatalf("refusal is not a journal RefusedError: %T %v", err, err)
			}
			return
		}
		if err := j.close(); err != nil {
			t.Fatal(err)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// What the open kept is the input up to its last newline; if that is nothing (an empty file, or one
		// torn line), the open wrote a fresh header.
		if kept := data[:bytes.LastIndexByte(data, '\n')+1]; len(kept) > 0 && !bytes.Equal(after, kept) {
			t.Fatalf("the open changed the journal beyond cutting a torn last line:\nbefore %q\nafter  %q", data, after)
		} else if len(kept) == 0 {
			var r journalRecord
			if err := json.Unmarshal(after, &r); err != nil || r.Event != recordHeader || r.PlanID != planID {
				t.Fatalf("a journal with no whole line was not started afresh: %q", after)
			}
		}

		j2, st2, err := openJournal(path, planID, checksum, now)
		if err != nil {
			t.Fatalf("an accepted journal is refused on the next open: %v", err)
		}
		if !maps.Equal(st.steps, st2.steps) || !maps.Equal(st.locks, st2.locks) {
			t.Fatalf("the second open reads another state: %v %v, then %v %v", st.steps, st.locks, st2.steps, st2.locks)
		}
		const step = "delete-ipam/ipam-fuzz"
		if err := j2.append(journalRecord{Event: recordDone, Step: step}); err != nil {
			t.Fatal(err)
		}
		if err := j2.close(); err != nil {
			t.Fatal(err)
		}
		j3, st3, err := openJournal(path, planID, checksum, now)
		if err != nil {
			t.Fatalf("refused after one appended record: %v", err)
		}
		defer j3.close()
		if st3.steps[step] != recordDone {
			t.Fatalf("the appended record is not read back: step %s is %q", step, st3.steps[step])
		}
		delete(st3.steps, step)
		if _, had := st.steps[step]; !had && (!maps.Equal(st.steps, st3.steps) || !maps.Equal(st.locks, st3.locks)) {
			t.Fatalf("the appended record changed other state: %v, then %v", st.steps, st3.steps)
		}
	})
}
