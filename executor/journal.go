package executor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// The journal is a JSON-lines file beside the plan: a header naming the plan, then one record per lock taken
// and per step event, each written to the file before the executor acts on it (a killed process loses no
// record), and on disk (synced) before the next call that changes the cloud is sent: a "start" record is
// synced before its step's call, and a sync covers every record written before it. Concurrent syncs are
// grouped (one fsync for every record written while the previous one ran): one fsync per record serialized
// the whole run behind the disk (BENCHMARKS.md, "Teardown strategies", item 1). An apply of the same plan reads it back and resumes: steps it says are done
// (or called) are confirmed by a read instead of being sent again; steps it says were started are sent again
// with the same ClientToken (the service applies them once).

// Journal record kinds.
const (
	recordHeader = "plan"
	recordLock   = "lock"
	recordStart  = "start"
	recordCalled = "called" // the call succeeded; the step was waiting for its asynchronous state
	recordDone   = "done"
	recordFailed = "failed"
)

type journalRecord struct {
	Time     time.Time `json:"t"`
	Event    string    `json:"event"`
	PlanID   string    `json:"plan_id,omitempty"`
	Checksum string    `json:"checksum,omitempty"`
	Step     string    `json:"step,omitempty"`
	Outcome  Outcome   `json:"outcome,omitempty"`
	Code     string    `json:"code,omitempty"`
	IPAM     string    `json:"ipam,omitempty"`
	Lock     string    `json:"lock,omitempty"` // the lock tag value this run wrote
}

// journalState is what an earlier run's journal says.
type journalState struct {
	steps map[string]string // step id -> last event (start, called, done, failed)
	locks map[string]string // IPAM id -> the lock value written
}

// journal appends records to the journal file. A nil *journal writes nothing.
type journal struct {
	mu      sync.Mutex
	synced  *sync.Cond // broadcast when a sync ends
	path    string
	f       *os.File
	w       *bufio.Writer
	now     func() time.Time
	written uint64 // records written to the file
	onDisk  uint64 // records a finished sync covers
	syncing bool   // a sync is under way (without mu held)
}

// openJournal reads the journal at path (if any) and opens it for appending. It refuses a journal of another
// plan, and a journal another process is writing (an apply of this plan is running). A last line cut short
// (the process was killed mid-write) is dropped; any other malformed line is an error naming the line.
func openJournal(path, planID, checksum string, now func() time.Time) (*journal, journalState, error) {
	st := journalState{steps: map[string]string{}, locks: map[string]string{}}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, st, fmt.Errorf("journal %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, st, &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
			"journal %s is in use: another apply of this plan is running on this machine (%v)", path, err)}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, st, fmt.Errorf("journal %s: %w", path, err)
	}
	// A torn last record (killed mid-write) is left out of the reading, and cut off only once the rest has
	// been read as a journal of this plan: a journal that is refused is left as it was.
	complete := data[:bytes.LastIndexByte(data, '\n')+1]
	if len(complete) > 0 {
		if err := parseJournal(path, complete, planID, checksum, &st); err != nil {
			f.Close()
			return nil, st, err
		}
	}
	if len(complete) != len(data) {
		if err := f.Truncate(int64(len(complete))); err != nil {
			f.Close()
			return nil, st, fmt.Errorf("journal %s: %w", path, err)
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, st, fmt.Errorf("journal %s: %w", path, err)
	}
	j := &journal{path: path, f: f, w: bufio.NewWriter(f), now: now}
	j.synced = sync.NewCond(&j.mu)
	if len(complete) == 0 {
		if err := j.append(journalRecord{Event: recordHeader, PlanID: planID, Checksum: checksum}); err != nil {
			j.close()
			return nil, st, err
		}
	}
	return j, st, nil
}

func parseJournal(path string, data []byte, planID, checksum string, st *journalState) error {
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var r journalRecord
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return &RefusedError{Kind: RefusedJournal, Msg: fmt.Sprintf("journal %s line %d: not a journal record: %v", path, i+1, err)}
		}
		if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
			return &RefusedError{Kind: RefusedJournal, Msg: fmt.Sprintf("journal %s line %d: text after the record", path, i+1)}
		}
		if i == 0 {
			if r.Event != recordHeader {
				return &RefusedError{Kind: RefusedJournal, Msg: fmt.Sprintf("journal %s line 1: not a journal (no plan header)", path)}
			}
			if r.PlanID != planID || r.Checksum != checksum {
				return &RefusedError{Kind: RefusedJournal, Msg: fmt.Sprintf(
					"journal %s belongs to plan %s (checksum %s), not to this plan %s (checksum %s); use another --journal or remove it",
					path, r.PlanID, r.Checksum, planID, checksum)}
			}
			continue
		}
		switch r.Event {
		case recordLock:
			st.locks[r.IPAM] = r.Lock
		case recordStart, recordCalled, recordDone, recordFailed:
			if r.Step == "" {
				return &RefusedError{Kind: RefusedJournal, Msg: fmt.Sprintf("journal %s line %d: %s record without a step", path, i+1, r.Event)}
			}
			st.steps[r.Step] = r.Event
		default:
			return &RefusedError{Kind: RefusedJournal, Msg: fmt.Sprintf("journal %s line %d: unknown event %q", path, i+1, r.Event)}
		}
	}
	return nil
}

// append writes one record and returns once it is on disk: for the records the executor acts on by calling
// the cloud (the header, a lock, a step's start).
func (j *journal) append(r journalRecord) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.write(r); err != nil {
		return err
	}
	return j.syncTo(j.written)
}

// note writes one record to the file without waiting for the disk: a killed process loses nothing, and the
// next append's sync (before the next call is sent) or close takes it to disk. For called, done and failed
// records: what follows them is a read, or a dependent's start, whose append syncs them too.
func (j *journal) note(r journalRecord) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.write(r)
}

// write appends r to the file (mu held).
func (j *journal) write(r journalRecord) error {
	if r.Time.IsZero() {
		r.Time = j.now().UTC()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := j.w.Write(b); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	j.written++
	return nil
}

// syncTo returns once the first n records are on disk (mu held; released during the fsync). One caller
// syncs at a time, for every record written so far; the others wait for it and are done if it covered theirs.
func (j *journal) syncTo(n uint64) error {
	for j.onDisk < n {
		if j.syncing {
			j.synced.Wait()
			continue
		}
		j.syncing = true
		target := j.written
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		if err == nil {
			j.onDisk = max(j.onDisk, target)
		}
		j.synced.Broadcast()
		if err != nil {
			return fmt.Errorf("journal %s: %w", j.path, err)
		}
	}
	return nil
}

func (j *journal) close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.w.Flush()
	if err == nil {
		err = j.syncTo(j.written)
	}
	unlockFile(j.f)
	return errors.Join(err, j.f.Close())
}
