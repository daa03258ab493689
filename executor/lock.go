package executor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The lock is a tag on each planned IPAM, key LockTagKey, value "<plan id>/<nonce>/<expiry RFC 3339>". It keeps
// two runs (two operators, or a scheduled job and an operator) off the same IPAM. The nonce is drawn at random
// by each run: a lock is this run's when it carries this run's nonce, and an earlier run's of the same plan
// when it carries the nonce the journal recorded (a resume takes it over); any other live value is another
// run's, of this plan or another. The tag API has no compare-and-set, so taking it is read, write, wait a
// moment, read again: of two runs that write at once, the one whose value is read back wins, and the other
// refuses. While the run lives a heartbeat renews the expiry (every third of the TTL), and the lock is read
// again before each IPAM's DeleteIpam: a run that finds another run's value there stops that IPAM's steps (the
// other IPAMs go on). The lock goes with the IPAM on success; it is removed on refusal, failure and interrupt.

// errLockLost is what a step of an IPAM whose lock another run holds fails with.
var errLockLost = errors.New("the IPAM's lock is held by another run")

// newNonce draws the run's nonce: 8 random bytes, in hex.
func newNonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics if the system has no randomness)
	return hex.EncodeToString(b[:])
}

// lockValue is the value a run writes: the plan id, the run's nonce and the expiry (to the second, rounded up
// so that the lock lasts at least the TTL: the nonce, not the clock, tells two runs apart).
func lockValue(planID, nonce string, expiry time.Time) string {
	return planID + "/" + nonce + "/" + expiry.Add(time.Second-1).Truncate(time.Second).UTC().Format(time.RFC3339)
}

// lockInfo is a lock value read back. nonce is "" for the value of an earlier version of the tool,
// "<plan id>/<expiry>", which only its exact value identifies.
type lockInfo struct {
	plan, nonce string
	expiry      time.Time
}

// parseLock splits a lock value; ok is false for a value this tool did not write. The plan id may itself hold
// a '/', so the value is split from its end.
func parseLock(v string) (l lockInfo, ok bool) {
	i := strings.LastIndexByte(v, '/')
	if i <= 0 {
		return lockInfo{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v[i+1:])
	if err != nil {
		return lockInfo{}, false
	}
	l.expiry, l.plan = t, v[:i]
	if j := strings.LastIndexByte(l.plan, '/'); j > 0 && isNonce(l.plan[j+1:]) {
		l.plan, l.nonce = l.plan[:j], l.plan[j+1:]
	}
	return l, true
}

func isNonce(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// lockState is the run's side of its locks. The heartbeat and the workers' checks before DeleteIpam use it
// concurrently with the run's own phases: mu guards it.
type lockState struct {
	nonce string
	mu    sync.Mutex
	held  []*heldLock // in the order taken (the IPAMs sorted)
}

// heldLock is one IPAM this run tagged.
type heldLock struct {
	ipam string
	// lost says why another run holds the IPAM now ("" while this run does); its steps are not sent.
	lost string
	// deleting: the IPAM's DeleteIpam was sent; a lock read that finds no tag finds the IPAM gone.
	deleting bool
}

// find returns the lock held on ipam, or nil (mu held).
func (s *lockState) find(ipam string) *heldLock {
	for _, l := range s.held {
		if l.ipam == ipam {
			return l
		}
	}
	return nil
}

// snapshot copies the held locks, to read them without mu held across calls.
func (s *lockState) snapshot() []heldLock {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]heldLock, len(s.held))
	for i, l := range s.held {
		out[i] = *l
	}
	return out
}

// mine reports whether a lock value read on ipam is this run's: its plan and nonce, or, from the journal, the
// value an earlier run of this plan wrote (prior; compared by nonce, and in full for an earlier version's
// value without one).
func (r *run) mine(cur, prior string) bool {
	l, ok := parseLock(cur)
	if !ok {
		return false
	}
	if l.plan == r.plan.PlanID && l.nonce != "" && l.nonce == r.lock.nonce {
		return true
	}
	if prior == "" {
		return false
	}
	if cur == prior {
		return true
	}
	p, ok := parseLock(prior)
	return ok && p.nonce != "" && p.plan == l.plan && p.nonce == l.nonce && l.plan == r.plan.PlanID
}

// describeLock says whose a lock value is, for refusals and reports.
func (r *run) describeLock(cur string) string {
	l, ok := parseLock(cur)
	switch {
	case cur == "":
		return "no lock (the tag was removed)"
	case !ok:
		return fmt.Sprintf("the tag %s=%q, which this tool did not write", LockTagKey, cur)
	case l.plan == r.plan.PlanID && l.nonce != "":
		return fmt.Sprintf("another run of this plan %s (nonce %s, until %s)", l.plan, l.nonce, l.expiry.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("plan %s (until %s)", l.plan, l.expiry.UTC().Format(time.RFC3339))
}

// readLock returns the lock tag's value on an IPAM ("" when there is none, or the IPAM is gone). It asks for
// the lock's key only (Tag.1.Key) and follows NextToken to the last page: an IPAM may carry up to 20 tags, and
// what the service returns for a resource that matches the key (that tag alone, or every tag of it) is not
// documented, so the lock may be on any page. MaxResults is left at its default (10): an IPAM with fewer tags
// answers in one page either way.
func (r *run) readLock(ctx context.Context, ipamID string) (string, error) {
	params := map[string]string{"RegionId": r.plan.Region, "ResourceType": "IPAM", "ResourceId.1": ipamID, "Tag.1.Key": LockTagKey}
	do := func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
		return r.retrying(ctx, kindLock, c)
	}
	value := ""
	err := eachPage(ctx, do, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "ListTagResources", Region: r.plan.Region,
		Params: params, Resource: ipamID}, "TagResources", func(rows []map[string]any) bool {
		for _, m := range rows {
			if cloudapi.String(m["ResourceId"]) == ipamID && cloudapi.String(m["TagKey"]) == LockTagKey {
				value = cloudapi.String(m["TagValue"])
				return true
			}
		}
		return false
	})
	return value, err
}

// writeLock tags the IPAM with value.
func (r *run) writeLock(ctx context.Context, ipamID, value string) error {
	_, err := r.retrying(ctx, kindLock, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "TagResources", Region: r.plan.Region,
		Params: map[string]string{"RegionId": r.plan.Region, "ResourceType": "IPAM", "ResourceId.1": ipamID,
			"Tag.1.Key": LockTagKey, "Tag.1.Value": value}, Resource: ipamID})
	return err
}

// lockIPAMs takes the lock of every planned IPAM that still exists. prior are the values an earlier run of
// this plan wrote (from the journal): finding one of them is finding our own lock, and it is taken over.
func (r *run) lockIPAMs(ctx context.Context, ipams []string, prior map[string]string) error {
	if r.lock.nonce == "" {
		r.lock.nonce = newNonce()
	}
	value := lockValue(r.plan.PlanID, r.lock.nonce, r.now().Add(r.opts.LockTTL))
	wrote := false
	for _, id := range ipams {
		cur, err := r.readLock(ctx, id)
		if err != nil {
			return fmt.Errorf("read the lock of %s: %w", id, err)
		}
		if cur != "" && !r.mine(cur, prior[id]) {
			l, ok := parseLock(cur)
			switch {
			case !ok && !r.opts.BreakLock:
				return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
					"IPAM %s carries the tag %s=%q, which this tool did not write; remove it, or use --break-lock", id, LockTagKey, cur)}
			case ok && l.expiry.After(r.now()) && !r.opts.BreakLock:
				return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
					"IPAM %s is locked by %s: another apply is running (or was killed); wait for it, or use --break-lock if you are sure it is not running",
					id, r.describeLock(cur))}
			default:
				r.log.Warn().Str("ipam", id).Str("lock", cur).Bool("break_lock", r.opts.BreakLock).Msg("taking over an expired or broken lock")
			}
		}
		// The journal says which value we are about to write before we write it, so a run killed right after
		// the write recognises its own lock (by its nonce) when it resumes.
		if err := r.journal.append(journalRecord{Event: recordLock, IPAM: id, Lock: value}); err != nil {
			return err
		}
		if err := r.writeLock(ctx, id, value); err != nil {
			if isNotFound(err, catalog.ProductVpcIpam, "DeleteIpam") {
				continue // the IPAM is gone already (an earlier run deleted it)
			}
			return fmt.Errorf("lock %s: %w", id, err)
		}
		wrote = true
		r.lock.mu.Lock()
		r.lock.held = append(r.lock.held, &heldLock{ipam: id})
		r.lock.mu.Unlock()
	}
	if !wrote {
		return nil
	}
	if err := sleep(ctx, r.opts.LockSettle); err != nil {
		return err
	}
	return r.checkLocks(ctx)
}

// checkLocks reads every lock this run holds back: another run that wrote after us has it now.
func (r *run) checkLocks(ctx context.Context) error {
	for _, l := range r.lock.snapshot() {
		if l.lost != "" {
			return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf("IPAM %s: %s", l.ipam, l.lost)}
		}
		cur, err := r.readLock(ctx, l.ipam)
		if err != nil {
			return fmt.Errorf("read the lock of %s: %w", l.ipam, err)
		}
		if cur != "" && !r.mine(cur, "") {
			r.loseLock(l.ipam, cur)
			return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
				"IPAM %s was locked by %s at the same moment; that run goes on, this one stops", l.ipam, r.describeLock(cur))}
		}
	}
	return nil
}

// loseLock records that another run holds ipam's lock (its value cur): this run neither renews nor removes it,
// and sends none of the IPAM's steps. It returns why, for the steps' reports.
func (r *run) loseLock(ipam, cur string) string {
	why := fmt.Sprintf("the lock of IPAM %s is now held by %s; this run sends none of its steps", ipam, r.describeLock(cur))
	r.lock.mu.Lock()
	defer r.lock.mu.Unlock()
	if l := r.lock.find(ipam); l != nil && l.lost == "" {
		l.lost = why
		r.log.Warn().Str("ipam", ipam).Str("lock", cur).Msg("lock lost: this IPAM's remaining steps are not sent")
	}
	return why
}

// heartbeat renews the run's locks every third of the TTL until ctx ends; stop ends it and waits for it. The
// timer is Options.After (with Options.Now, a seam for tests: a renewal without waiting the TTL).
func (r *run) heartbeat(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	every := max(r.opts.LockTTL/3, time.Millisecond)
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-r.opts.After(every):
			}
			r.renewLocks(ctx)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// renewLocks moves the expiry of every lock the run still holds to now + TTL. A lock that carries another
// value is lost (that IPAM's steps stop); one found removed is lost too, unless the IPAM's DeleteIpam was
// sent (the tag goes with the IPAM). A renewal that fails is retried at the next beat: the lock is still
// valid for two more thirds of the TTL, and the check before DeleteIpam reads it anyway.
func (r *run) renewLocks(ctx context.Context) {
	for _, l := range r.lock.snapshot() {
		if l.lost != "" {
			continue
		}
		cur, err := r.readLock(ctx, l.ipam)
		if err != nil {
			r.log.Warn().Err(err).Str("ipam", l.ipam).Msg("could not read the lock to renew it; trying again at the next renewal")
			continue
		}
		switch {
		case cur == "" && l.deleting:
			continue // the IPAM is gone, or going
		case !r.mine(cur, ""):
			r.loseLock(l.ipam, cur)
			continue
		}
		value := lockValue(r.plan.PlanID, r.lock.nonce, r.now().Add(r.opts.LockTTL))
		if err := r.writeLock(ctx, l.ipam, value); err != nil {
			// An IPAM whose delete was sent may refuse a tag in its Deleting window, or be gone.
			if !l.deleting && !isNotFound(err, catalog.ProductVpcIpam, "DeleteIpam") {
				r.log.Warn().Err(err).Str("ipam", l.ipam).Msg("could not renew the lock; trying again at the next renewal")
			}
			continue
		}
		r.log.Debug().Str("ipam", l.ipam).Str("lock", value).Msg("lock renewed")
	}
}

// beforeCall is the driver's hook before a step's call is sent. A step of an IPAM whose lock another run
// holds is not sent; before a DeleteIpam the lock is read again, and the IPAM's delete is sent only if it is
// still this run's. The error fails the step (and skips what depends on it); the IPAMs whose locks this run
// holds go on.
func (r *run) beforeCall(ctx context.Context, s *plans.Step) error {
	r.lock.mu.Lock()
	l := r.lock.find(s.IPAMID)
	var lost string
	if l != nil {
		lost = l.lost
	}
	r.lock.mu.Unlock()
	switch {
	case l == nil:
		return nil // not locked by this run: the IPAM was gone when the run locked
	case lost != "":
		return fmt.Errorf("%w: %s", errLockLost, lost)
	case s.Action != "DeleteIpam" || s.ResourceID != s.IPAMID:
		return nil
	}
	cur, err := r.readLock(ctx, s.IPAMID)
	if err != nil {
		return fmt.Errorf("read the lock of %s again before deleting it: %w", s.IPAMID, err)
	}
	if cur == "" && l.deleting {
		return nil // an earlier attempt of this delete was sent: the IPAM may be going
	}
	if !r.mine(cur, "") {
		return fmt.Errorf("%w: %s", errLockLost, r.loseLock(s.IPAMID, cur))
	}
	r.lock.mu.Lock()
	l.deleting = true
	r.lock.mu.Unlock()
	return nil
}

// unlock removes the locks this run holds on IPAMs that still exist, unless another run has taken one over.
// It runs on its own short context: it must happen after an interrupt too.
func (r *run) unlock(ctx context.Context, gone func(ipamID string) bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.DrainTimeout)
	defer cancel()
	for _, l := range r.lock.snapshot() {
		if gone(l.ipam) || l.lost != "" {
			continue
		}
		cur, err := r.readLock(ctx, l.ipam)
		if err != nil {
			r.log.Warn().Err(err).Str("ipam", l.ipam).Msg("could not read the lock to remove it; it expires by itself")
			continue
		}
		if !r.mine(cur, "") {
			continue
		}
		_, err = r.retrying(ctx, kindLock, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "UntagResources", Region: r.plan.Region,
			Params:   map[string]string{"RegionId": r.plan.Region, "ResourceType": "IPAM", "ResourceId.1": l.ipam, "TagKey.1": LockTagKey},
			Resource: l.ipam})
		if err != nil && !isNotFound(err, catalog.ProductVpcIpam, "DeleteIpam") {
			r.log.Warn().Err(err).Str("ipam", l.ipam).Msg("could not remove the lock; it expires by itself")
		}
	}
}

// checkIPAMIDs refuses a plan with steps that name no IPAM: the lock and the drift check are both per IPAM, so
// such a step would run with neither. The one exception is the plan of orphaned discoveries (cleanup's), whose
// discoveries belong to no IPAM by definition and whose drift check finds the orphans again.
func checkIPAMIDs(p *plans.Plan) error {
	var bad []string
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.IPAMID != "" || p.Options.OrphanDiscoveries && s.Action == "DeleteIpamResourceDiscovery" {
			continue
		}
		bad = append(bad, s.ID)
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return &PlanError{Field: "steps[].ipam_id", Steps: bad, Msg: fmt.Sprintf(
		"plan %s: %d step(s) name no IPAM (ipam_id is empty), so neither the lock nor the drift check would cover them: %s; nothing was called. Make the plan again with this version of the tool",
		p.PlanID, len(bad), strings.Join(bad, ", "))}
}

// CheckPlan refuses a plan Apply would refuse as bad input (a *PlanError), before anything is called: the
// CLI asks it before its confirmation prompt.
func CheckPlan(p *plans.Plan) error { return checkIPAMIDs(p) }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
