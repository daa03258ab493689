package ipamsim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
)

// pageLimits are an action's MaxResults range and default (reference 1.8).
type pageLimits struct{ min, max, def int }

// The ranges of reference 1.8. These are values, never changed after start-up.
var (
	limitsList    = pageLimits{1, 100, 10} // every VpcIpam List* action except ListTagResources
	limitsTags    = pageLimits{1, 50, 10}  // ListTagResources
	limitsSharing = pageLimits{1, 100, 20} // Resource Sharing lists
)

// paginate returns the page of items (already in Seq order) the call asks for, the NextToken of the next page
// ("" on the last one) and the MaxResults in effect. NextToken is opaque: it names the action and the Seq of
// the last item returned, with a checksum, so a page after concurrent deletions still returns every remaining
// item exactly once. A MaxResults outside the range, or a NextToken this emulator did not issue for this
// action, is refused.
func paginate[T any](s *Sim, c *call, items []T, seq func(T) int64, lim pageLimits) (page []T, next string, maxResults int, err error) {
	maxResults = lim.def
	if v := c.params.Get("MaxResults"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < lim.min || n > lim.max {
			// UNKNOWN 4: the code for an out-of-range MaxResults.
			return nil, "", 0, errf("IllegalParam.MaxResults", "The parameter MaxResults %q must be an integer from %d to %d.", v, lim.min, lim.max)
		}
		maxResults = n
	}
	start := 0
	if tok := c.params.Get("NextToken"); tok != "" {
		after, ok := s.parsePageToken(c.action, tok)
		if !ok {
			return nil, "", 0, errf("IllegalParam.NextToken", "The parameter NextToken %q is invalid.", tok)
		}
		for start < len(items) && seq(items[start]) <= after {
			start++
		}
	}
	end := min(start+maxResults, len(items))
	page = items[start:end]
	if end < len(items) {
		next = s.pageToken(c.action, seq(items[end-1]))
	}
	return page, next, maxResults, nil
}

func (s *Sim) pageMAC(action string, after int64) string {
	h := sha256.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(s.opts.IDSeed))
	binary.BigEndian.PutUint64(b[8:], uint64(after))
	h.Write(b[:])
	h.Write([]byte(action))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:6])
}

func (s *Sim) pageToken(action string, after int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(after, 36))) + "." + s.pageMAC(action, after)
}

func (s *Sim) parsePageToken(action, tok string) (int64, bool) {
	body, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return 0, false
	}
	after, err := strconv.ParseInt(string(raw), 36, 64)
	if err != nil || after < 0 || mac != s.pageMAC(action, after) {
		return 0, false
	}
	return after, true
}

// pageBody fills the page fields every VpcIpam List* response has.
func pageBody(out map[string]any, key string, items []map[string]any, next string, maxResults, total int) map[string]any {
	out[key] = items
	out["NextToken"] = next
	out["MaxResults"] = maxResults
	out["Count"] = len(items)
	out["TotalCount"] = total
	return out
}
