package executor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// The lock is a tag on each planned IPAM, key LockTagKey, value "<plan id>/<expiry RFC 3339>". It keeps two
// runs (two operators, or a scheduled job and an operator) off the same IPAM. The tag API has no
// compare-and-set, so taking it is read, write, wait a moment, read again: of two runs that write at once, the
// one whose value is read back wins, and the other refuses. It is checked again before the first deletion.
// The lock goes with the IPAM on success; it is removed on refusal, failure and interrupt.

// lockSettle is how long a run waits between writing its lock and reading it back, so that a competitor's
// write made at the same moment is seen.
const lockSettle = 300 * time.Millisecond

// lockValue is the value this run writes: the plan id and the expiry, with nanoseconds so that two runs of one
// plan write different values.
func lockValue(planID string, expiry time.Time) string {
	return planID + "/" + expiry.UTC().Format(time.RFC3339Nano)
}

// parseLock splits a lock value; ok is false for a value this tool did not write.
func parseLock(v string) (planID string, expiry time.Time, ok bool) {
	i := strings.LastIndexByte(v, '/')
	if i <= 0 {
		return "", time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v[i+1:])
	if err != nil {
		return "", time.Time{}, false
	}
	return v[:i], t, true
}

// readLock returns the lock tag's value on an IPAM ("" when there is none, or the IPAM is gone).
func (r *run) readLock(ctx context.Context, ipamID string) (string, error) {
	out, err := r.retrying(ctx, kindLock, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "ListTagResources", Region: r.plan.Region,
		Params:   map[string]string{"RegionId": r.plan.Region, "ResourceType": "IPAM", "ResourceId.1": ipamID},
		Resource: ipamID})
	if err != nil {
		return "", err
	}
	rows, _ := out["TagResources"].([]any)
	for _, row := range rows {
		m, _ := row.(map[string]any)
		if cloudapi.String(m["ResourceId"]) == ipamID && cloudapi.String(m["TagKey"]) == LockTagKey {
			return cloudapi.String(m["TagValue"]), nil
		}
	}
	return "", nil
}

// lockIPAMs takes the lock of every planned IPAM that still exists. prior are the values an earlier run of
// this plan wrote (from the journal): finding one of them is finding our own lock, and it is taken over.
func (r *run) lockIPAMs(ctx context.Context, ipams []string, prior map[string]string) error {
	expiry := r.now().Add(r.opts.LockTTL)
	value := lockValue(r.plan.PlanID, expiry)
	var written []string
	for _, id := range ipams {
		cur, err := r.readLock(ctx, id)
		if err != nil {
			return fmt.Errorf("read the lock of %s: %w", id, err)
		}
		if cur != "" && cur != prior[id] {
			plan, exp, ok := parseLock(cur)
			switch {
			case !ok && !r.opts.BreakLock:
				return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
					"IPAM %s carries the tag %s=%q, which this tool did not write; remove it, or use --break-lock", id, LockTagKey, cur)}
			case ok && exp.After(r.now()) && !r.opts.BreakLock:
				return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
					"IPAM %s is locked by plan %s until %s: another apply is running (or was killed); wait for it, or use --break-lock if you are sure it is not running",
					id, plan, exp.UTC().Format(time.RFC3339))}
			default:
				r.log.Warn().Str("ipam", id).Str("lock", cur).Bool("break_lock", r.opts.BreakLock).Msg("taking over an expired or broken lock")
			}
		}
		// The journal says which value we are about to write before we write it, so a run killed right after
		// the write recognises its own lock when it resumes.
		if err := r.journal.append(journalRecord{Event: recordLock, IPAM: id, Lock: value}); err != nil {
			return err
		}
		_, err = r.retrying(ctx, kindLock, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "TagResources", Region: r.plan.Region,
			Params: map[string]string{"RegionId": r.plan.Region, "ResourceType": "IPAM", "ResourceId.1": id,
				"Tag.1.Key": LockTagKey, "Tag.1.Value": value}, Resource: id})
		if err != nil {
			if isNotFound(err, catalog.ProductVpcIpam, "DeleteIpam") {
				continue // the IPAM is gone already (an earlier run deleted it)
			}
			return fmt.Errorf("lock %s: %w", id, err)
		}
		written = append(written, id)
		r.locked = append(r.locked, lockedIPAM{id: id, value: value})
	}
	if len(written) == 0 {
		return nil
	}
	if err := sleep(ctx, lockSettle); err != nil {
		return err
	}
	return r.checkLocks(ctx)
}

// checkLocks reads every lock this run holds back: another run that wrote after us has it now.
func (r *run) checkLocks(ctx context.Context) error {
	for _, l := range r.locked {
		cur, err := r.readLock(ctx, l.id)
		if err != nil {
			return fmt.Errorf("read the lock of %s: %w", l.id, err)
		}
		if cur != l.value && cur != "" {
			plan, exp, _ := parseLock(cur)
			r.lost = append(r.lost, l.id)
			return &RefusedError{Kind: RefusedLock, Msg: fmt.Sprintf(
				"IPAM %s was locked by plan %s (until %s) at the same moment; that run goes on, this one stops",
				l.id, plan, exp.UTC().Format(time.RFC3339))}
		}
	}
	return nil
}

// unlock removes the locks this run holds on IPAMs that still exist, unless another run has taken one over.
// It runs on its own short context: it must happen after an interrupt too.
func (r *run) unlock(ctx context.Context, gone func(ipamID string) bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.DrainTimeout)
	defer cancel()
	for _, l := range r.locked {
		if gone(l.id) || slices.Contains(r.lost, l.id) {
			continue
		}
		cur, err := r.readLock(ctx, l.id)
		if err != nil {
			r.log.Warn().Err(err).Str("ipam", l.id).Msg("could not read the lock to remove it; it expires by itself")
			continue
		}
		if cur != l.value {
			continue
		}
		_, err = r.retrying(ctx, kindLock, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "UntagResources", Region: r.plan.Region,
			Params:   map[string]string{"RegionId": r.plan.Region, "ResourceType": "IPAM", "ResourceId.1": l.id, "TagKey.1": LockTagKey},
			Resource: l.id})
		if err != nil && !isNotFound(err, catalog.ProductVpcIpam, "DeleteIpam") {
			r.log.Warn().Err(err).Str("ipam", l.id).Msg("could not remove the lock; it expires by itself")
		}
	}
}

type lockedIPAM struct{ id, value string }

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
