package plans

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// encode writes p as it is (no sorting): two-space indent, no HTML escaping, trailing newline: exactly the
// bytes json.Encoder with SetIndent("", "  ") and SetEscapeHTML(false) writes for p (TestEncodeMatchesJSON).
//
// encoding/json spends most of a 100,000-step plan's write in reflection and in re-indenting its compact
// output, so the steps and blockers, which are all but a few hundred bytes of a large file, are written by
// hand here; the header (selector, options, summary) is small and stays with encoding/json, which writes
// `"steps": null` and `"blockers": null` in their place to be replaced.
func encode(p *Plan) ([]byte, error) {
	head := *p
	head.Steps, head.Blockers = nil, nil
	var hb bytes.Buffer
	enc := json.NewEncoder(&hb)
	enc.SetEscapeHTML(false) // a reason like "<none>" stays readable in a diff
	enc.SetIndent("", "  ")
	if err := enc.Encode(&head); err != nil {
		return nil, fmt.Errorf("plans: encode: %w", err)
	}
	h := hb.Bytes()
	// A JSON string holds no raw newline, so a line that starts with exactly two spaces and a key is a key of
	// the top-level object.
	const stepsKey, blockersKey = "\n  \"steps\": null,\n", "\n  \"blockers\": null,\n"
	si := bytes.Index(h, []byte(stepsKey))
	bi := bytes.Index(h, []byte(blockersKey))
	if si < 0 || bi < si+len(stepsKey)-1 {
		return nil, errors.New("plans: internal error: steps and blockers not found in the encoded header")
	}

	e := encoder{b: make([]byte, 0, len(h)+sizeHint(p))}
	e.b = append(e.b, h[:si+len("\n  \"steps\": ")]...)
	e.steps(p.Steps)
	e.b = append(e.b, h[si+len(stepsKey)-2:bi+len("\n  \"blockers\": ")]...) // ",\n" ... `"blockers": `
	e.blockers(p.Blockers)
	e.b = append(e.b, h[bi+len(blockersKey)-2:]...)
	return e.b, nil
}

// sizeHint is about the size of the steps and blockers as encode writes them, a little over rather than
// under for the plans the planner writes, so that the buffer is allocated once (a 100,000-step plan is
// about 56 MB); a larger plan costs one more copy, not a different file.
func sizeHint(p *Plan) int {
	n := 64 // room for the checksum Marshal puts in
	for i := range p.Steps {
		s := &p.Steps[i]
		n += 320 + len(s.ID) + len(s.Action) + len(s.Product) + len(s.ResourceType) + len(s.ResourceID) +
			len(s.IPAMID) + len(s.Region) + len(s.Rule) + len(s.WaitFor)
		n += 80 * len(s.Params) // not iterating the map: its keys and values are short
		for _, d := range s.DependsOn {
			n += 64 + len(d.ID) + len(d.Rule)
		}
		for _, c := range s.DryRunCodes {
			n += 16 + len(c)
		}
		for _, im := range s.Implies {
			n += 96 + len(im.ResourceType) + len(im.ResourceID) + len(im.Reason)
		}
	}
	for i := range p.Blockers {
		b := &p.Blockers[i]
		n += 160 + len(b.ResourceType) + len(b.ResourceID) + len(b.IPAMID) + len(b.Reason) + len(b.Rule)
		for _, id := range b.HeldBack {
			n += 16 + len(id)
		}
		for _, id := range b.Pruned {
			n += 16 + len(id)
		}
	}
	return n
}

// encoder appends indented JSON to b the way encoding/json's indenting encoder does.
type encoder struct {
	b []byte
}

// indent starts a new line at depth (two spaces each).
func (e *encoder) indent(depth int) {
	const lines = "\n                "
	if 1+2*depth <= len(lines) {
		e.b = append(e.b, lines[:1+2*depth]...)
		return
	}
	e.b = append(e.b, '\n')
	for range depth {
		e.b = append(e.b, ' ', ' ')
	}
}

// field starts member n (from 0) of an object whose members sit at depth: the comma, the line and the key.
// key is one of the format's own names, which need no escaping.
func (e *encoder) field(n, depth int, key string) {
	if n > 0 {
		e.b = append(e.b, ',')
	}
	e.indent(depth)
	e.b = append(e.b, '"')
	e.b = append(e.b, key...)
	e.b = append(e.b, '"', ':', ' ')
}

// end closes an object or array of n members whose opening bracket sits at depth.
func (e *encoder) end(n, depth int, closer byte) {
	if n > 0 {
		e.indent(depth)
	}
	e.b = append(e.b, closer)
}

func (e *encoder) str(s string) { e.b = appendString(e.b, s) }

// strings writes a []string at depth (nil as null, as encoding/json does).
func (e *encoder) strings(ss []string, depth int) {
	if ss == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.indent(depth + 1)
		e.str(s)
	}
	e.end(len(ss), depth, ']')
}

// steps writes the steps array, whose opening bracket sits at depth 1 (a key of the top-level object). The
// keys come with their line breaks and indents as literals: a 100,000-step plan has two million of them.
func (e *encoder) steps(steps []Step) {
	if steps == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	var keys []string // params keys, reused
	for i := range steps {
		s := &steps[i]
		if i > 0 {
			e.b = append(e.b, ',')
		}
		// A step's members sit at depth 3 (six spaces), a param or dependency at 4, a dependency's members at 5.
		e.b = append(e.b, "\n    {\n      \"id\": "...)
		e.str(s.ID)
		e.b = append(e.b, ",\n      \"action\": "...)
		e.str(s.Action)
		e.b = append(e.b, ",\n      \"product\": "...)
		e.str(s.Product)
		e.b = append(e.b, ",\n      \"resource_type\": "...)
		e.str(s.ResourceType)
		e.b = append(e.b, ",\n      \"resource_id\": "...)
		e.str(s.ResourceID)
		if s.IPAMID != "" {
			e.b = append(e.b, ",\n      \"ipam_id\": "...)
			e.str(s.IPAMID)
		}
		e.b = append(e.b, ",\n      \"region\": "...)
		e.str(s.Region)
		e.b = append(e.b, ",\n      \"params\": "...)
		switch {
		case s.Params == nil:
			e.b = append(e.b, "null"...)
		case len(s.Params) == 0:
			e.b = append(e.b, "{}"...)
		default:
			// encoding/json writes map keys sorted by their bytes.
			keys = keys[:0]
			for k := range s.Params {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			e.b = append(e.b, '{')
			for j, k := range keys {
				if j > 0 {
					e.b = append(e.b, ',')
				}
				e.b = append(e.b, "\n        "...)
				e.str(k)
				e.b = append(e.b, ':', ' ')
				e.str(s.Params[k])
			}
			e.b = append(e.b, "\n      }"...)
		}
		e.b = append(e.b, ",\n      \"depends_on\": "...)
		switch {
		case s.DependsOn == nil:
			e.b = append(e.b, "null"...)
		case len(s.DependsOn) == 0:
			e.b = append(e.b, "[]"...)
		default:
			e.b = append(e.b, '[')
			for j, dep := range s.DependsOn {
				if j > 0 {
					e.b = append(e.b, ',')
				}
				e.b = append(e.b, "\n        {\n          \"id\": "...)
				e.str(dep.ID)
				e.b = append(e.b, ",\n          \"rule\": "...)
				e.str(dep.Rule)
				e.b = append(e.b, "\n        }"...)
			}
			e.b = append(e.b, "\n      ]"...)
		}
		e.b = append(e.b, ",\n      \"level\": "...)
		e.b = strconv.AppendInt(e.b, int64(s.Level), 10)
		e.b = append(e.b, ",\n      \"rule\": "...)
		e.str(s.Rule)
		if len(s.DryRunCodes) > 0 {
			e.b = append(e.b, ",\n      \"dry_run_codes\": "...)
			e.strings(s.DryRunCodes, 3)
		}
		if s.WaitFor != "" {
			e.b = append(e.b, ",\n      \"wait_for\": "...)
			e.str(s.WaitFor)
		}
		if len(s.Implies) > 0 {
			e.b = append(e.b, ",\n      \"implies\": ["...)
			for j, im := range s.Implies {
				if j > 0 {
					e.b = append(e.b, ',')
				}
				e.b = append(e.b, "\n        {\n          \"resource_type\": "...)
				e.str(im.ResourceType)
				e.b = append(e.b, ",\n          \"resource_id\": "...)
				e.str(im.ResourceID)
				e.b = append(e.b, ",\n          \"reason\": "...)
				e.str(im.Reason)
				e.b = append(e.b, "\n        }"...)
			}
			e.b = append(e.b, "\n      ]"...)
		}
		e.b = append(e.b, "\n    }"...)
	}
	e.end(len(steps), 1, ']')
}

// blockers writes the blockers array, whose opening bracket sits at depth 1.
func (e *encoder) blockers(bs []Blocker) {
	if bs == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i := range bs {
		b := &bs[i]
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.indent(2)
		e.b = append(e.b, '{')
		const d = 3
		n := 0
		e.field(n, d, "resource_type")
		e.str(b.ResourceType)
		n++
		e.field(n, d, "resource_id")
		e.str(b.ResourceID)
		n++
		if b.IPAMID != "" {
			e.field(n, d, "ipam_id")
			e.str(b.IPAMID)
			n++
		}
		e.field(n, d, "reason")
		e.str(b.Reason)
		n++
		if b.Rule != "" {
			e.field(n, d, "rule")
			e.str(b.Rule)
			n++
		}
		e.field(n, d, "held_back")
		e.strings(b.HeldBack, d)
		n++
		if len(b.Pruned) > 0 {
			e.field(n, d, "pruned")
			e.strings(b.Pruned, d)
			n++
		}
		e.end(n, 2, '}')
	}
	e.end(len(bs), 1, ']')
}

// appendString appends s as a JSON string. A string of printable ASCII other than `"` and `\` (nearly every
// string of a plan) is written as it is; any other goes through encoding/json (without HTML escaping), so
// that escapes, U+2028 and invalid UTF-8 come out exactly as encoding/json writes them.
func appendString(b []byte, s string) []byte {
	i := 0
	for ; i+8 <= len(s); i += 8 { // eight bytes at a time
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if needsEscape(w) {
			return appendStringJSON(b, s)
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return appendStringJSON(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// needsEscape reports whether any of the eight bytes of w is outside 0x20..0x7e or is `"` or `\`. The tests
// are the exact "has a zero byte" and "has a byte less than n" word tricks (no false negatives; a false
// positive only sends a string to encoding/json, which writes the same bytes).
func needsEscape(w uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) bool { return (v-lo)&^v&hi != 0 }
	return w&hi != 0 || // a byte >= 0x80
		(w-lo*0x20)&^w&hi != 0 || // a byte < 0x20
		hasZero(w^(lo*0x7f)) || hasZero(w^(lo*'"')) || hasZero(w^(lo*'\\'))
}

func appendStringJSON(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic("plans: encoding a string: " + err.Error()) // a string always encodes
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
