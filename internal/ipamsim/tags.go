package ipamsim

import (
	"net/http"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Tag resource types (TagResources, UntagResources, ListTagResources; Terraform adds the discovery one).
const (
	tagTypeIpam      = "IPAM"
	tagTypeScope     = "IPAMSCOPE"
	tagTypePool      = "IPAMPOOL"
	tagTypeDiscovery = "IPAMRESOURCEDISCOVERY"
)

const (
	maxTagsPerResource = 20
	maxTagResourceIDs  = 20
	maxTagKeyLen       = 64
	maxTagValueLen     = 128
)

// tag is one key/value pair as sent in Tag.N / Tags.N.
type tag struct{ Key, Value string }

// validTagKey applies the seed 004 key rule to every key (UNKNOWN 5: TagResources' own rule is not
// documented as precisely; the stricter seed rule is used for both): at most 64 characters of letters,
// digits, '.', '_' and '-', starting with a letter, not starting with "aliyun" or "acs:", no URL scheme.
func validTagKey(k string) bool {
	if k == "" || len(k) > maxTagKeyLen {
		return false
	}
	lk := strings.ToLower(k)
	if strings.HasPrefix(lk, "aliyun") || strings.HasPrefix(lk, "acs:") ||
		strings.Contains(lk, "http://") || strings.Contains(lk, "https://") {
		return false
	}
	for i := 0; i < len(k); i++ {
		ch := k[i]
		letter := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
		switch {
		case i == 0 && !letter:
			return false
		case letter, ch >= '0' && ch <= '9', ch == '.', ch == '_', ch == '-':
		default:
			return false
		}
	}
	return true
}

func validTagValue(v string) bool {
	lv := strings.ToLower(v)
	return len(v) <= maxTagValueLen && !strings.Contains(lv, "http://") && !strings.Contains(lv, "https://")
}

// parseTags reads the Tag.N (create calls) or Tags.N (list filters) argument. For create calls a value is
// stored; for filters (filter=true) a key with no value matches every value of that key.
func parseTags(c *call, name string) ([]tag, error) {
	objs := c.params.Objects(name)
	if len(objs) > maxTagsPerResource {
		return nil, errf("IllegalParamSize.Tags", "The number of Parameter Tags exceeded the limit.")
	}
	seen := map[string]bool{}
	out := make([]tag, 0, len(objs))
	for _, o := range objs {
		k, v := o["Key"], o["Value"]
		if k == "" && v != "" {
			return nil, errMissing("TagKey")
		}
		if k == "" {
			continue
		}
		if !validTagKey(k) {
			return nil, errf("IllegalParam.TagKey", "The input parameter TagKey %q is invalid.", k)
		}
		if !validTagValue(v) {
			return nil, errf("IllegalParam.TagValue", "The input parameter TagValue %q is invalid.", v)
		}
		if seen[k] {
			return nil, errf("DuplicatedParam.TagKey", "TagKey duplicate.")
		}
		seen[k] = true
		out = append(out, tag{k, v})
	}
	return out, nil
}

// setTags merges tags into a resource's tags.
func (s *Sim) setTags(id string, tags []tag) {
	if len(tags) == 0 {
		return
	}
	m := s.st.Tags[id]
	if m == nil {
		m = map[string]string{}
		s.st.Tags[id] = m
	}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
}

// tagList renders a resource's tags as the List* responses do: [{Key, Value}] sorted by key.
func (s *Sim) tagList(id string) []map[string]any {
	m := s.st.Tags[id]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"Key": k, "Value": m[k]})
	}
	return out
}

// matchTags reports whether a resource carries every filter tag; a filter with an empty value matches any
// value of its key.
func (s *Sim) matchTags(id string, filter []tag) bool {
	m := s.st.Tags[id]
	for _, f := range filter {
		v, ok := m[f.Key]
		if !ok || (f.Value != "" && v != f.Value) {
			return false
		}
	}
	return true
}

// tagTarget finds a taggable resource of the given type owned by the caller in the call's region, or
// returns that type's not-found error.
func (s *Sim) tagTarget(c *call, typ, id string) error {
	switch typ {
	case tagTypeIpam:
		if ip, ok := s.st.Ipams[id]; ok && ip.Owner == c.account && ip.Region == c.region {
			return nil
		}
		return errIpamNotFound(id)
	case tagTypeScope:
		if sc, ok := s.st.Scopes[id]; ok && sc.Owner == c.account && sc.Region == c.region {
			return nil
		}
		return errScopeNotFound(id)
	case tagTypePool:
		if p, ok := s.st.Pools[id]; ok && p.Owner == c.account && p.Region == c.region {
			return nil
		}
		return errPoolNotFound404(id)
	case tagTypeDiscovery:
		if d, ok := s.st.Discoveries[id]; ok && d.Owner == c.account && d.Region == c.region {
			return nil
		}
		return errf("ResourceNotFound.IpamResourceDiscovery", "The dependent instance of IPAM resource discovery is not found.")
	}
	return errf("IllegalParam.ResourceType", "The input parameter ResourceType is invalid.")
}

// tagRequest reads and checks ResourceType and ResourceId.N, the part TagResources and UntagResources share.
func (s *Sim) tagRequest(c *call) (typ string, ids []string, err error) {
	ids = c.params.List("ResourceId")
	if len(ids) == 0 {
		return "", nil, errf("MissingParameter.ResourceIds", "The input parameter ResourceIds that is mandatory for processing this request is not supplied.")
	}
	typ = c.params.Get("ResourceType")
	if typ == "" {
		return "", nil, errf("MissingParameter.ResourceType", "The input parameter ResourceType that is mandatory for processing this request is not supplied.")
	}
	if len(ids) > maxTagResourceIDs {
		return "", nil, errf("IllegalParamSize.ResourceIds", "The number of Param ResourceIds exceeded the limit.")
	}
	switch typ {
	case tagTypeIpam, tagTypeScope, tagTypePool, tagTypeDiscovery:
	default:
		return "", nil, errf("IllegalParam.ResourceType", "The input parameter ResourceType is invalid.")
	}
	return typ, ids, nil
}

// TagResources adds or overwrites tags (reference 4.9). No DryRun parameter exists for it.
func (s *Sim) tagResources(c *call) (map[string]any, error) {
	typ, ids, err := s.tagRequest(c)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, errf("MissingParameter.Tags", "The input parameter Tags that is mandatory for processing this request is not supplied.")
	}
	for _, id := range ids {
		if err := s.tagTarget(c, typ, id); err != nil {
			return nil, err
		}
		n := len(s.st.Tags[id])
		for _, t := range tags {
			if _, ok := s.st.Tags[id][t.Key]; !ok {
				n++
			}
		}
		if n > maxTagsPerResource {
			return nil, errf("IllegalParamSize.Tags", "The number of Parameter Tags exceeded the limit: resource %s would have %d tags (at most %d).", id, n, maxTagsPerResource)
		}
	}
	for _, id := range ids {
		s.setTags(id, tags)
	}
	return map[string]any{}, nil
}

// UntagResources removes the named keys, or every tag with All=true (seed 004).
func (s *Sim) untagResources(c *call) (map[string]any, error) {
	typ, ids, err := s.tagRequest(c)
	if err != nil {
		return nil, err
	}
	keys := c.params.List("TagKey")
	all, err := c.params.Bool("All", false)
	if err != nil {
		return nil, errIllegal("All", c.params.Get("All"))
	}
	if len(keys) == 0 && !all {
		return nil, errf("MissingParameter.Tags", "The input parameter Tags that is mandatory for processing this request is not supplied.")
	}
	if len(keys) > maxTagsPerResource {
		return nil, errf("IllegalParamSize.Tags", "The number of Parameter Tags exceeded the limit.")
	}
	for _, k := range keys {
		if !validTagKey(k) {
			return nil, errf("IllegalParam.TagKey", "The input parameter TagKey %q is invalid.", k)
		}
	}
	for _, id := range ids {
		if err := s.tagTarget(c, typ, id); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if all {
			delete(s.st.Tags, id)
			continue
		}
		for _, k := range keys {
			delete(s.st.Tags[id], k)
		}
		if len(s.st.Tags[id]) == 0 {
			delete(s.st.Tags, id)
		}
	}
	return map[string]any{}, nil
}

// taggable is one resource ListTagResources can report.
type taggable struct {
	seq int64
	id  string
}

// ListTagResources lists tags of the caller's resources of one type, filtered by ResourceId.N and/or Tag.N
// (intersection; tags ANDed; a Tag.N.Key without a value matches every value of its key), paged 1-50 (default
// 10) with NextToken. UNKNOWN: whether a Tag.N filter narrows the rows to the filter's tags or only the
// resources. The stricter reading is taken: a resource that matches is listed with every tag it carries, so a
// caller that reads one key (the apply lock) must pick its row out and follow NextToken (an IPAM with more
// than ten tags spans pages).
func (s *Sim) listTagResources(c *call) (map[string]any, error) {
	typ := c.params.Get("ResourceType")
	if typ == "" {
		return nil, errf("MissingParameter.ResourceType", "The input parameter ResourceType that is mandatory for processing this request is not supplied.")
	}
	ids := c.params.List("ResourceId")
	if len(ids) > maxTagResourceIDs {
		return nil, errf("IllegalParamSize.ResourceIds", "The number of Param ResourceIds exceeded the limit.")
	}
	filter, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 && len(filter) == 0 {
		// UNKNOWN 6: the code when neither ResourceId.N nor Tag.N is given.
		return nil, errf("MissingParameter.ResourceIds", "The input parameter ResourceIds or Tags is mandatory for processing this request.")
	}
	var res []taggable
	add := func(seq int64, id, owner, region string) {
		if owner == c.account && region == c.region {
			res = append(res, taggable{seq, id})
		}
	}
	switch typ {
	case tagTypeIpam:
		for _, x := range s.st.Ipams {
			add(x.Seq, x.ID, x.Owner, x.Region)
		}
	case tagTypeScope:
		for _, x := range s.st.Scopes {
			add(x.Seq, x.ID, x.Owner, x.Region)
		}
	case tagTypePool:
		for _, x := range s.st.Pools {
			add(x.Seq, x.ID, x.Owner, x.Region)
		}
	case tagTypeDiscovery:
		for _, x := range s.st.Discoveries {
			add(x.Seq, x.ID, x.Owner, x.Region)
		}
	default:
		return nil, errf("IllegalParam.ResourceType", "The input parameter ResourceType is invalid.")
	}
	slices.SortFunc(res, func(a, b taggable) int { return int(a.seq - b.seq) })
	type row struct {
		seq      int64 // resource seq * 64 + tag index: a stable, unique page key
		id, k, v string
	}
	var rows []row
	for _, r := range res {
		if len(ids) > 0 && !slices.Contains(ids, r.id) {
			continue
		}
		if !s.matchTags(r.id, filter) {
			continue
		}
		for i, t := range s.tagList(r.id) {
			rows = append(rows, row{r.seq*64 + int64(i), r.id, t["Key"].(string), t["Value"].(string)})
		}
	}
	page, next, _, err := paginate(s, c, rows, func(r row) int64 { return r.seq }, limitsTags)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, r := range page {
		items = append(items, map[string]any{"ResourceId": r.id, "ResourceType": typ, "TagKey": r.k, "TagValue": r.v})
	}
	return map[string]any{"TagResources": items, "NextToken": next}, nil
}

// errPoolNotFound404 is the pool not-found answer of the tag calls and of DeleteIpamPoolAllocation (seeds 001
// and 004: HTTP 404, "The dependent IPAM pool is not found.").
func errPoolNotFound404(id string) *wire.Error {
	return wire.Errorf(http.StatusNotFound, "ResourceNotFound.IpamPool", "The dependent IPAM pool is not found.")
}
