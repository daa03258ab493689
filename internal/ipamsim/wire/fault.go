package wire

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// FaultRule injects faults into the calls it matches. Empty Action or Account match every call. Several rules
// may match one call: latencies add up, and the first rule that decides to fail the call wins.
type FaultRule struct {
	Action   string        `json:"action,omitempty"`
	Account  string        `json:"account,omitempty"`
	Throttle float64       `json:"throttle,omitempty"` // ratio of calls answered 400 Throttling.User
	Error    float64       `json:"error,omitempty"`    // ratio of calls answered 503 ServiceUnavailable or 500 InternalError
	Latency  time.Duration `json:"latency,omitempty"`  // added before the call is answered
	Jitter   time.Duration `json:"jitter,omitempty"`   // uniform extra latency in [0, Jitter)
	QPS      float64       `json:"qps,omitempty"`      // per-account cap; calls above it are throttled
}

func (f FaultRule) matches(account, action string) bool {
	return (f.Action == "" || f.Action == action) && (f.Account == "" || f.Account == account)
}

// ParseFault reads a fault rule from its command-line form: comma-separated key=value pairs with the keys
// throttle, error (ratios in [0,1]), latency, jitter (Go durations), qps (calls per second), action and account.
// Examples: "throttle=0.3", "error=0.1,action=DeleteIpamPool", "latency=20ms,jitter=10ms", "qps=5,account=1000000000000001".
func ParseFault(spec string) (FaultRule, error) {
	var f FaultRule
	if strings.TrimSpace(spec) == "" {
		return f, fmt.Errorf("fault %q: empty; want key=value pairs such as throttle=0.3", spec)
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, fmt.Errorf("fault %q: %q is not key=value", spec, part)
		}
		var err error
		switch k {
		case "throttle":
			f.Throttle, err = parseRatio(v)
		case "error":
			f.Error, err = parseRatio(v)
		case "latency":
			f.Latency, err = parseNonNegDuration(v)
		case "jitter":
			f.Jitter, err = parseNonNegDuration(v)
		case "qps":
			f.QPS, err = strconv.ParseFloat(v, 64)
			if err == nil && f.QPS <= 0 {
				err = fmt.Errorf("must be positive")
			}
		case "action":
			f.Action = v
		case "account":
			f.Account = v
		default:
			return f, fmt.Errorf("fault %q: unknown key %q (want throttle, error, latency, jitter, qps, action, account)", spec, k)
		}
		if err != nil {
			return f, fmt.Errorf("fault %q: %s=%q: %w", spec, k, v, err)
		}
	}
	return f, nil
}

func parseRatio(v string) (float64, error) {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, err
	}
	if r < 0 || r > 1 {
		return 0, fmt.Errorf("ratio must be between 0 and 1")
	}
	return r, nil
}

func parseNonNegDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}

// draw returns a deterministic number in [0,1) for the n-th call of (account, action) under seed, for the
// purpose named by salt. Deciding faults from a hash rather than a shared random stream keeps them reproducible
// when calls to different actions interleave differently from run to run.
func draw(seed int64, account, action string, n uint64, salt string) float64 {
	h := fnv.New64a()
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(seed))
	binary.LittleEndian.PutUint64(buf[8:], n)
	h.Write(buf[:])
	h.Write([]byte(account))
	h.Write([]byte{0})
	h.Write([]byte(action))
	h.Write([]byte{0})
	h.Write([]byte(salt))
	// FNV's low bits mix poorly; finish with a splitmix64 round.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
