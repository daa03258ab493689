package ipamsim

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Defaults used when Options.Accounts is empty.
const (
	DefaultAccessKeyID     = "sim-access-key"
	DefaultAccessKeySecret = "sim-secret"
	DefaultAccount         = "1000000000000001"
)

// Account is one Alibaba Cloud account the emulator knows, with the access key that signs its requests.
type Account struct {
	ID              string // an Alibaba UID, decimal digits (emitted as a JSON number in OwnerId fields)
	AccessKeyID     string
	AccessKeySecret string
	// Denied lists action names ("DeleteIpamPool", or "vpc:DeleteIpamPool") that this account's RAM policy
	// lacks; such calls answer 403 with an AccessDeniedDetail, dry run included.
	Denied []string
	// Roles are the account's RAM roles that Sts AssumeRole can assume.
	Roles []Role
}

// Role is a RAM role of an account. Its trust policy names whole accounts: any key of a trusted account
// (temporary ones included) may assume it. The session acts as the role's account, with that account's
// Denied list; role permission policies are not modelled.
type Role struct {
	Name  string   // 1-64 letters, digits, '.', '-'; the ARN is acs:ram::<account>:role/<name>
	Trust []string // account ids of the emulator allowed to assume the role
}

// ResourceDirectory describes the resource directory the accounts belong to, for the IPAM member calls.
type ResourceDirectory struct {
	DelegatedAdmin string              // account id of the delegated IPAM administrator
	Accounts       []string            // every account id in the directory
	Folders        map[string][]string // folder id -> account ids
}

// Options configure a Sim.
type Options struct {
	Accounts          []Account          // empty: one DefaultAccount with the default keys
	ResourceDirectory *ResourceDirectory // nil: no resource directory (AddIpamMembers refused)
	// Regions the emulator serves; empty: every region of catalog.AllRegions. Each product answers only in
	// its own regions among these (catalog.Regions: VpcIpam its endpoint map's 33, Vpc and ResourceSharing
	// the public list). Other RegionIds are refused.
	Regions []string
	// DeleteDelay 0 makes deletes synchronous; >0 opens a Deleting window (pools, scopes, IPAMs, share
	// disassociation) during which lists show Deleting and conflicting calls are refused.
	DeleteDelay time.Duration
	// DeleteDelayTail makes the window heavy-tailed: real asynchronous deletions vary, and a strategy that
	// waits for the slowest member of a group pays for it. The zero value leaves every window DeleteDelay.
	DeleteDelayTail DeleteDelayTail
	Now             func() time.Time // default time.Now; Deleting windows are evaluated lazily against it (no goroutines)
	IDSeed          int64            // ids are deterministic for a given seed and call sequence (golden files depend on it)
}

// DeleteDelayTail stretches a share of the Deleting windows: a window lasts Factor times DeleteDelay for a
// share Ratio of the resources, which ones drawn by a hash of Options.IDSeed and the resource's id
// (DeleteWindow). The same seed gives the same resource the same window whatever order the deletes come
// in, so that strategies compared on one topology meet the same slow deletes, and a bound can count them.
type DeleteDelayTail struct {
	Ratio  float64 // share of slow deletes, in (0, 1]; 0: none
	Factor float64 // how many times DeleteDelay a slow delete takes, at least 1
}

// Validate says what is wrong with a tail, naming its fields.
func (t DeleteDelayTail) Validate() error {
	if t == (DeleteDelayTail{}) {
		return nil
	}
	switch {
	case !(t.Ratio > 0 && t.Ratio <= 1):
		return fmt.Errorf("ratio %v: want a share in (0, 1]", t.Ratio)
	case !(t.Factor >= 1):
		return fmt.Errorf("factor %v: want at least 1", t.Factor)
	}
	return nil
}

// Sim is the emulated service: VpcIpam, the Resource Sharing and Vpc calls that touch IPAM, and Sts.
// All state sits behind one mutex; every call runs to completion under it, which makes the emulator
// linearizable and its id sequence deterministic for a given call order.
type Sim struct {
	opts     Options
	accounts map[string]*Account // by account id
	order    []string            // account ids in Options order
	regions  map[string]bool
	handlers handlerSet

	mu       sync.Mutex
	st       *state
	ids      *idGen
	sessions map[string]*stsSession // Sts temporary credentials by access key id; never purged
}

// New validates opts and returns an empty emulator.
func New(opts Options) (*Sim, error) {
	if len(opts.Accounts) == 0 {
		opts.Accounts = []Account{{ID: DefaultAccount, AccessKeyID: DefaultAccessKeyID, AccessKeySecret: DefaultAccessKeySecret}}
	}
	if len(opts.Regions) == 0 {
		opts.Regions = catalog.AllRegions()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DeleteDelay < 0 {
		return nil, fmt.Errorf("ipamsim: Options.DeleteDelay %v is negative", opts.DeleteDelay)
	}
	if err := opts.DeleteDelayTail.Validate(); err != nil {
		return nil, fmt.Errorf("ipamsim: Options.DeleteDelayTail: %w", err)
	}
	s := &Sim{
		opts:     opts,
		accounts: map[string]*Account{},
		regions:  map[string]bool{},
		st:       newState(),
		sessions: map[string]*stsSession{},
		ids:      newIDGen(opts.IDSeed),
	}
	keys := map[string]bool{}
	for i := range opts.Accounts {
		a := opts.Accounts[i]
		if _, err := strconv.ParseInt(a.ID, 10, 64); err != nil || a.ID == "" {
			return nil, fmt.Errorf("ipamsim: Options.Accounts[%d].ID %q is not a decimal account id", i, a.ID)
		}
		if a.AccessKeyID == "" || a.AccessKeySecret == "" {
			return nil, fmt.Errorf("ipamsim: Options.Accounts[%d] (%s): AccessKeyID and AccessKeySecret are required", i, a.ID)
		}
		if _, dup := s.accounts[a.ID]; dup {
			return nil, fmt.Errorf("ipamsim: Options.Accounts[%d].ID %q is listed twice", i, a.ID)
		}
		if keys[a.AccessKeyID] {
			return nil, fmt.Errorf("ipamsim: Options.Accounts[%d].AccessKeyID %q is used by two accounts", i, a.AccessKeyID)
		}
		keys[a.AccessKeyID] = true
		a.Denied = slices.Clone(a.Denied)
		a.Roles = slices.Clone(a.Roles)
		for j := range a.Roles {
			a.Roles[j].Trust = slices.Clone(a.Roles[j].Trust)
		}
		s.accounts[a.ID] = &a
		s.order = append(s.order, a.ID)
	}
	for i, a := range opts.Accounts {
		if err := checkRoles(i, a, s.accounts); err != nil {
			return nil, err
		}
	}
	for i, r := range opts.Regions {
		if r == "" {
			return nil, fmt.Errorf("ipamsim: Options.Regions[%d] is empty", i)
		}
		s.regions[r] = true
	}
	if rd := opts.ResourceDirectory; rd != nil {
		if rd.DelegatedAdmin != "" && !slices.Contains(rd.Accounts, rd.DelegatedAdmin) {
			return nil, fmt.Errorf("ipamsim: Options.ResourceDirectory.DelegatedAdmin %q is not in ResourceDirectory.Accounts", rd.DelegatedAdmin)
		}
		for f, ids := range rd.Folders {
			for _, id := range ids {
				if !slices.Contains(rd.Accounts, id) {
					return nil, fmt.Errorf("ipamsim: Options.ResourceDirectory.Folders[%s]: account %q is not in ResourceDirectory.Accounts", f, id)
				}
			}
		}
	}
	s.handlers = handlerSet{}
	s.registerIpam(s.handlers)
	s.registerDiscovery(s.handlers)
	s.registerSharing(s.handlers)
	s.registerVpc(s.handlers)
	s.registerSts(s.handlers)
	return s, nil
}

// Serve implements wire.Backend: it executes one decoded, authenticated request.
func (s *Sim) Serve(ctx context.Context, req *wire.Request) (any, error) {
	out, err := s.dispatch(ctx, req)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Invoke runs one call as account, through the same path as Serve but without HTTP. Topology loaders and
// tests use it. The response map does not hold RequestId (the wire layer adds it).
func (s *Sim) Invoke(ctx context.Context, account, product, action string, params wire.Params) (map[string]any, error) {
	a, ok := s.accounts[account]
	if !ok {
		return nil, fmt.Errorf("ipamsim: Invoke: unknown account %q", account)
	}
	p := make(wire.Params, len(params))
	for k, v := range params {
		p[k] = v
	}
	req := &wire.Request{
		RequestID: newRequestID(),
		Account:   a.ID,
		AccessKey: a.AccessKeyID,
		Product:   product,
		Action:    action,
		Params:    p,
		Received:  s.opts.Now(),
	}
	return s.dispatch(ctx, req)
}

// newRequestID returns an uppercase UUID-shaped id, as the service's RequestId. Request ids are not part of
// the deterministic state (the wire layer makes its own), so crypto/rand is fine here.
func newRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("ipamsim: crypto/rand failed: " + err.Error()))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// DeleteWindow is how long the Deleting window of the resource key lasts: DeleteDelay, or Factor times it
// for the resources DeleteDelayTail draws. key is the resource's id; for a share's resource or principal,
// ShareWindowKey. It reads only the options: tests and benchmarks call it to know the windows a run meets.
func (s *Sim) DeleteWindow(key string) time.Duration {
	d, t := s.opts.DeleteDelay, s.opts.DeleteDelayTail
	if t.Ratio <= 0 {
		return d
	}
	h := fnv.New64a()
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(s.opts.IDSeed))
	h.Write(seed[:])
	h.Write([]byte(key))
	// FNV's high bits are poorly mixed for short, similar ids: finish with splitmix64's mixer.
	x := h.Sum64()
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	if float64(x>>11)/(1<<53) < t.Ratio {
		return time.Duration(float64(d) * t.Factor)
	}
	return d
}

// ShareWindowKey is the DeleteWindow key of a resource's or principal's (entity's) association with a share.
func ShareWindowKey(shareID, entity string) string { return shareID + "/" + entity }
