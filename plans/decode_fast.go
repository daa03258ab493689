package plans

import (
	"bytes"
	"encoding/json"
)

// decodeFast parses a plan file into the Plan the strict json.Decoder of decode returns for it, about ten
// times faster on a large plan (encoding/json decodes through reflection and first copies the whole file into
// its own buffer). It handles the files Marshal writes and anything close to them: keys spelt exactly, once
// each; strings, integers, objects and arrays where the format has them. ok is false as soon as it meets
// anything else (a key of another spelling or given twice, an unknown field, a null, a number with a fraction
// or exponent, a value of the wrong kind, a syntax error, ...): decode then reads the file with encoding/json,
// so every error and every edge case is encoding/json's, with the position and wording it always had.
//
// data must be valid UTF-8, which decode checks first (encoding/json would replace invalid bytes).
//
// The contract, checked by TestDecodeFastMatchesJSON and FuzzDecodeFast: when ok, the strict decoder accepts
// data too and returns a plan equal to p, and checkKeys accepts data and finds the checksum where decodeFast
// did, so that Read need not walk the file a second time. Parts of the header (selector, options, summary,
// created_at) go through encoding/json and the key check on their own bytes, as the strict decoder and
// checkKeys would see them.
func decodeFast(data []byte) (*decoded, bool) {
	d := fastDecoder{data: data, intern: make(map[string]string, 256), checksumStart: -1, checksumEnd: -1}
	p := &Plan{}
	if !d.plan(p) {
		return nil, false
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, false
	}
	return &decoded{plan: p, keysChecked: true, checksumStart: d.checksumStart, checksumEnd: d.checksumEnd}, true
}

type fastDecoder struct {
	data []byte
	pos  int
	// checksumStart and checksumEnd delimit the top-level checksum value, quotes included, as checkKeys
	// reports them; -1 when there is none.
	checksumStart, checksumEnd int
	// intern holds one copy of the strings that repeat from step to step (actions, products, regions,
	// rules, param names, ipam ids), so that a 100,000-step plan does not allocate each of them 100,000 times.
	intern map[string]string
}

// maxInterned bounds intern: values that do not repeat after all must not grow it without end.
const maxInterned = 4096

func (d *fastDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// consume skips white space and then c; it reports whether c was there.
func (d *fastDecoder) consume(c byte) bool {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// next skips white space and reports whether the byte there is c, without consuming it.
func (d *fastDecoder) next(c byte) bool {
	d.skipSpace()
	return d.pos < len(d.data) && d.data[d.pos] == c
}

// rawString reads a string and returns the bytes between its quotes; ok is false for a string with an escape
// or a control character (decode handles those) and for anything that is not a string.
func (d *fastDecoder) rawString() ([]byte, bool) {
	if !d.consume('"') {
		return nil, false
	}
	start := d.pos
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (d *fastDecoder) str() (string, bool) {
	b, ok := d.rawString()
	return string(b), ok
}

// istr is str for a value that repeats across steps.
func (d *fastDecoder) istr() (string, bool) {
	b, ok := d.rawString()
	if !ok {
		return "", false
	}
	if s, found := d.intern[string(b)]; found {
		return s, true
	}
	s := string(b)
	if len(d.intern) < maxInterned {
		d.intern[s] = s
	}
	return s, true
}

// int reads an integer as encoding/json reads one into an int: only the plain forms (no fraction, exponent,
// leading zero or more than 9 digits, which cannot overflow an int anywhere) are accepted here.
func (d *fastDecoder) int() (int, bool) {
	d.skipSpace()
	neg := false
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		neg = true
		d.pos++
	}
	start := d.pos
	n := 0
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		n = n*10 + int(d.data[d.pos]-'0')
		d.pos++
	}
	digits := d.pos - start
	if digits == 0 || digits > 9 || (digits > 1 && d.data[start] == '0') {
		return 0, false
	}
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// object reads an object whose keys are the format's own names: field is called with each key, at its
// value, and returns false to give up. A key that needs unescaping, or that field does not know, gives up.
func (d *fastDecoder) object(field func(key []byte) bool) bool {
	if !d.consume('{') {
		return false
	}
	if d.consume('}') {
		return true
	}
	for {
		key, ok := d.rawString()
		if !ok || !d.consume(':') || !field(key) {
			return false
		}
		if d.consume(',') {
			continue
		}
		return d.consume('}')
	}
}

// array reads an array, calling elem at each element. An empty array is reported as such, so that the
// caller can make an empty (not nil) slice, as encoding/json does.
func (d *fastDecoder) array(elem func() bool) bool {
	if !d.consume('[') {
		return false
	}
	if d.consume(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if d.consume(',') {
			continue
		}
		return d.consume(']')
	}
}

// once reports whether bit i of *seen was clear, and sets it: a key given twice gives up.
func once(seen *uint32, i uint) bool {
	if *seen&(1<<i) != 0 {
		return false
	}
	*seen |= 1 << i
	return true
}

// rawObject returns the bytes of the value at d.pos, which must be an object, and moves past it; ok is false when
// the bytes are not one well-formed JSON value.
func (d *fastDecoder) rawObject() ([]byte, bool) {
	if !d.next('{') {
		return nil, false
	}
	start := d.pos
	depth := 0
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				d.pos++
				raw := d.data[start:d.pos]
				return raw, json.Valid(raw)
			}
		case '"':
			d.pos++
			for d.pos < len(d.data) && d.data[d.pos] != '"' {
				if d.data[d.pos] == '\\' {
					d.pos++
				}
				d.pos++
			}
		}
		d.pos++
	}
	return nil, false
}

// keysOK runs checkKeys's walk over raw, the value of the top-level key field, which lies within d.data.
func (d *fastDecoder) keysOK(field string, raw []byte) bool {
	var fs *shape
	for _, f := range planShape().fields {
		if f.name == field {
			fs = f.shape
		}
	}
	if fs == nil {
		return false
	}
	start := len(d.data[:d.pos]) - len(raw)
	k := &keyChecker{data: d.data[:d.pos], pos: start, checksumStart: -1, checksumEnd: -1,
		path: []keyPathSegment{{name: field}}}
	return k.value(fs, 1) == nil && k.pos == d.pos
}

// strict decodes raw, one JSON object, into v as the strict decoder of decode would decode it in place.
func strict(raw []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v) == nil
}

func (d *fastDecoder) plan(p *Plan) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "format_version":
			if ok = once(&seen, 0); ok {
				p.FormatVersion, ok = d.int()
			}
		case "plan_id":
			if ok = once(&seen, 1); ok {
				p.PlanID, ok = d.str()
			}
		case "created_at":
			// time.Time decodes itself, from the string with its quotes, as encoding/json hands it over.
			if ok = once(&seen, 2) && d.next('"'); ok {
				start := d.pos
				if _, ok = d.rawString(); ok {
					ok = p.CreatedAt.UnmarshalJSON(d.data[start:d.pos]) == nil
				}
			}
		case "tool_version":
			if ok = once(&seen, 3); ok {
				p.ToolVersion, ok = d.str()
			}
		case "region":
			if ok = once(&seen, 4); ok {
				p.Region, ok = d.str()
			}
		case "account_id":
			if ok = once(&seen, 5); ok {
				p.AccountID, ok = d.str()
			}
		case "selector":
			if ok = once(&seen, 6); ok {
				var raw []byte
				if raw, ok = d.rawObject(); ok {
					ok = strict(raw, &p.Selector) && d.keysOK("selector", raw)
				}
			}
		case "options":
			if ok = once(&seen, 7); ok {
				var raw []byte
				if raw, ok = d.rawObject(); ok {
					ok = p.Options.UnmarshalJSON(raw) == nil && d.keysOK("options", raw)
				}
			}
		case "inventory_fingerprint":
			if ok = once(&seen, 8); ok {
				p.InventoryFingerprint, ok = d.str()
			}
		case "steps":
			if ok = once(&seen, 9); ok {
				p.Steps = make([]Step, 0, d.countHint(`"steps": `, 128))
				ok = d.array(func() bool {
					p.Steps = append(p.Steps, Step{})
					return d.step(&p.Steps[len(p.Steps)-1])
				})
			}
		case "blockers":
			if ok = once(&seen, 10); ok {
				p.Blockers = make([]Blocker, 0, d.countHint(`"blockers": `, 64))
				ok = d.array(func() bool {
					p.Blockers = append(p.Blockers, Blocker{})
					return d.blocker(&p.Blockers[len(p.Blockers)-1])
				})
			}
		case "summary":
			if ok = once(&seen, 11); ok {
				var raw []byte
				if raw, ok = d.rawObject(); ok {
					ok = strict(raw, &p.Summary) && d.keysOK("summary", raw)
				}
			}
		case "checksum":
			if ok = once(&seen, 12) && d.next('"'); ok {
				start := d.pos
				p.Checksum, ok = d.str()
				d.checksumStart, d.checksumEnd = start, d.pos
			}
		}
		return ok
	})
}

// countHint returns the count the file's summary gives under key (`"steps": `), as the capacity to give the
// slice the steps are read into: growing it step by step allocates about five times its final size (a large
// slice grows by a quarter at a time). It is only a hint: the summary is near the end of the file (found
// from the end, without reading the rest), and a summary that lies costs memory, never a different plan, and
// no more than one element per minBytes bytes of the file.
func (d *fastDecoder) countHint(key string, minBytes int) int {
	i := bytes.LastIndex(d.data, []byte("\n  \"summary\": {"))
	if i < 0 {
		return 0
	}
	rest := d.data[i:]
	j := bytes.Index(rest, []byte(key))
	if j < 0 {
		return 0
	}
	n := 0
	for _, c := range rest[j+len(key):] {
		if c < '0' || c > '9' || n > len(d.data)/10 {
			break // n*10+9 stays below len(d.data)+9: no overflow, even with a 32-bit int
		}
		n = n*10 + int(c-'0')
	}
	return min(n, len(d.data)/minBytes)
}

func (d *fastDecoder) step(s *Step) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "id":
			if ok = once(&seen, 0); ok {
				s.ID, ok = d.str()
			}
		case "action":
			if ok = once(&seen, 1); ok {
				s.Action, ok = d.istr()
			}
		case "product":
			if ok = once(&seen, 2); ok {
				s.Product, ok = d.istr()
			}
		case "resource_type":
			if ok = once(&seen, 3); ok {
				s.ResourceType, ok = d.istr()
			}
		case "resource_id":
			if ok = once(&seen, 4); ok {
				s.ResourceID, ok = d.str()
			}
		case "ipam_id":
			if ok = once(&seen, 5); ok {
				s.IPAMID, ok = d.istr()
			}
		case "region":
			if ok = once(&seen, 6); ok {
				s.Region, ok = d.istr()
			}
		case "params":
			if ok = once(&seen, 7); ok {
				s.Params = map[string]string{}
				ok = d.object(func(key []byte) bool {
					k, _ := d.internBytes(key)
					if _, dup := s.Params[k]; dup {
						return false // checkKeys refuses it, with a message
					}
					v, ok := d.str()
					s.Params[k] = v
					return ok
				})
			}
		case "depends_on":
			if ok = once(&seen, 8); ok {
				s.DependsOn = []Dependency{}
				ok = d.array(func() bool {
					var dep Dependency
					var seen uint32
					ok := d.object(func(key []byte) bool {
						var ok bool
						switch string(key) {
						case "id":
							if ok = once(&seen, 0); ok {
								dep.ID, ok = d.str()
							}
						case "rule":
							if ok = once(&seen, 1); ok {
								dep.Rule, ok = d.istr()
							}
						}
						return ok
					})
					s.DependsOn = append(s.DependsOn, dep)
					return ok
				})
			}
		case "level":
			if ok = once(&seen, 9); ok {
				s.Level, ok = d.int()
			}
		case "rule":
			if ok = once(&seen, 10); ok {
				s.Rule, ok = d.istr()
			}
		case "dry_run_codes":
			if ok = once(&seen, 11); ok {
				s.DryRunCodes, ok = d.strings(true)
			}
		case "wait_for":
			if ok = once(&seen, 12); ok {
				s.WaitFor, ok = d.istr()
			}
		case "implies":
			if ok = once(&seen, 13); ok {
				s.Implies = []Implied{}
				ok = d.array(func() bool {
					var im Implied
					var seen uint32
					ok := d.object(func(key []byte) bool {
						var ok bool
						switch string(key) {
						case "resource_type":
							if ok = once(&seen, 0); ok {
								im.ResourceType, ok = d.istr()
							}
						case "resource_id":
							if ok = once(&seen, 1); ok {
								im.ResourceID, ok = d.str()
							}
						case "reason":
							if ok = once(&seen, 2); ok {
								im.Reason, ok = d.istr()
							}
						}
						return ok
					})
					s.Implies = append(s.Implies, im)
					return ok
				})
			}
		}
		return ok
	})
}

func (d *fastDecoder) blocker(b *Blocker) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "resource_type":
			if ok = once(&seen, 0); ok {
				b.ResourceType, ok = d.istr()
			}
		case "resource_id":
			if ok = once(&seen, 1); ok {
				b.ResourceID, ok = d.str()
			}
		case "ipam_id":
			if ok = once(&seen, 2); ok {
				b.IPAMID, ok = d.istr()
			}
		case "reason":
			if ok = once(&seen, 3); ok {
				b.Reason, ok = d.istr()
			}
		case "rule":
			if ok = once(&seen, 4); ok {
				b.Rule, ok = d.istr()
			}
		case "held_back":
			if ok = once(&seen, 5); ok {
				b.HeldBack, ok = d.strings(false)
			}
		case "pruned":
			if ok = once(&seen, 6); ok {
				b.Pruned, ok = d.strings(false)
			}
		}
		return ok
	})
}

// strings reads an array of strings (empty: an empty slice, as encoding/json makes); interned when they
// repeat across steps.
func (d *fastDecoder) strings(interned bool) ([]string, bool) {
	out := []string{}
	ok := d.array(func() bool {
		var s string
		var ok bool
		if interned {
			s, ok = d.istr()
		} else {
			s, ok = d.str()
		}
		out = append(out, s)
		return ok
	})
	return out, ok
}

// internBytes returns b as an interned string.
func (d *fastDecoder) internBytes(b []byte) (string, bool) {
	if s, found := d.intern[string(b)]; found {
		return s, true
	}
	s := string(b)
	if len(d.intern) < maxInterned {
		d.intern[s] = s
	}
	return s, true
}
