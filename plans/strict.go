package plans

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// encoding/json decodes a struct's keys case-insensitively and keeps the last of two equal keys, in objects
// and maps alike. A plan file holding `"action": "DeleteIpamScope", "ACTION": "DeleteIpam"` would therefore
// read as DeleteIpam while a reviewer reads DeleteIpamScope. checkKeys walks the file's bytes once, after the
// strict decode accepted them, and refuses every key that is not spelt exactly as the format spells it and
// every key that appears twice in one object, at every depth (maps such as params included). The walk also
// finds the top-level checksum's value, which the file's hash leaves out.

// shape is what a JSON value of the plan file may be, derived from the Go types by reflection so that it
// cannot drift from them.
type shape struct {
	kind   shapeKind
	fields []shapeField // kindStruct: the JSON names, in struct order
	elem   *shape       // kindMap, kindSlice
}

type shapeKind uint8

const (
	kindScalar shapeKind = iota // a string, number, bool, or a type that decodes itself (time.Time)
	kindStruct
	kindMap
	kindSlice
)

type shapeField struct {
	name  string
	shape *shape
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shapeOf returns the shape of t's JSON form.
func shapeOf(t reflect.Type) *shape {
	// Options decodes itself only to tidy its values; its keys are the format's like any other object's.
	if t == reflect.TypeFor[Options]() {
		s := &shape{kind: kindStruct}
		addFields(s, t)
		return s
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return &shape{kind: kindScalar}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return shapeOf(t.Elem())
	case reflect.Struct:
		s := &shape{kind: kindStruct}
		addFields(s, t)
		return s
	case reflect.Map:
		return &shape{kind: kindMap, elem: shapeOf(t.Elem())}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &shape{kind: kindScalar} // base64
		}
		return &shape{kind: kindSlice, elem: shapeOf(t.Elem())}
	default:
		return &shape{kind: kindScalar}
	}
}

// addFields adds the JSON fields of struct type t to s, as encoding/json names them.
func addFields(s *shape, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type) // promoted fields
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.fields = append(s.fields, shapeField{name: name, shape: shapeOf(f.Type)})
	}
}

// keyChecker walks a plan file that encoding/json has already decoded (so the JSON is well formed; it still
// never reads past the end).
type keyChecker struct {
	data []byte
	pos  int
	path []keyPathSegment // where the walk is, for messages
	// checksumStart and checksumEnd delimit the top-level "checksum" value, quotes included; -1 when absent.
	checksumStart, checksumEnd int
}

type keyPathSegment struct {
	name  string // a struct field
	key   []byte // a map key
	index int    // an array index when name and key are nil
	isKey bool
}

// planShape is the shape of a plan file, derived once; nothing changes it after.
var planShape = sync.OnceValue(func() *shape { return shapeOf(reflect.TypeFor[Plan]()) })

// checkKeys refuses a key of data that is not spelt exactly as the format spells it, or that appears twice in
// one object. It returns the byte range of the top-level checksum value (start < 0 when there is none).
func checkKeys(data []byte) (checksumStart, checksumEnd int, err error) {
	k := &keyChecker{data: data, checksumStart: -1, checksumEnd: -1, path: make([]keyPathSegment, 0, 8)}
	if err := k.value(planShape(), 0); err != nil {
		return -1, -1, err
	}
	return k.checksumStart, k.checksumEnd, nil
}

// peek returns the byte at k.pos, or 0 at the end of the data.
func (k *keyChecker) peek() byte {
	if k.pos < len(k.data) {
		return k.data[k.pos]
	}
	return 0
}

func (k *keyChecker) skipSpace() {
	for k.pos < len(k.data) {
		switch k.data[k.pos] {
		case ' ', '\t', '\n', '\r':
			k.pos++
		default:
			return
		}
	}
}

// value walks the value at k.pos, which has shape s (nil: any), and leaves k.pos after it.
func (k *keyChecker) value(s *shape, depth int) error {
	k.skipSpace()
	switch k.peek() {
	case '{':
		return k.object(s, depth)
	case '[':
		var elem *shape
		if s != nil && s.kind == kindSlice {
			elem = s.elem
		}
		return k.array(elem, depth)
	case '"':
		k.skipString()
	default: // number, true, false, null
		for ; k.pos < len(k.data); k.pos++ {
			switch k.data[k.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return nil
			}
		}
	}
	return nil
}

func (k *keyChecker) array(elem *shape, depth int) error {
	k.pos++ // [
	k.skipSpace()
	if k.peek() == ']' {
		k.pos++
		return nil
	}
	for i := 0; k.pos < len(k.data); i++ {
		k.path = append(k.path, keyPathSegment{index: i})
		if err := k.value(elem, depth+1); err != nil {
			return err
		}
		k.path = k.path[:len(k.path)-1]
		k.skipSpace()
		if k.peek() != ',' {
			break
		}
		k.pos++
	}
	k.pos++ // ]
	return nil
}

// keyAt is a key of an object and the offset it starts at.
type keyAt struct {
	key []byte
	at  int
}

// object walks an object: a struct's, whose keys must be its fields spelt exactly, once each; or a map's (or
// any other object), whose keys must each appear once.
func (k *keyChecker) object(s *shape, depth int) error {
	isStruct := s != nil && s.kind == kindStruct
	if isStruct && len(s.fields) > 64 {
		panic("plans: a struct of the plan file has more than 64 fields")
	}
	var seenFields uint64 // struct: bit i set once fields[i] has been read
	var firstAt [64]int   // struct: where each field was read
	var small [16]keyAt   // map: the keys read so far, while few
	seen := small[:0]
	var keySet map[string]int // map: the keys read so far, past 16

	k.pos++ // {
	k.skipSpace()
	if k.peek() == '}' {
		k.pos++
		return nil
	}
	for k.pos < len(k.data) {
		k.skipSpace()
		keyStart := k.pos
		key, err := k.key()
		if err != nil {
			return err
		}
		k.skipSpace()
		k.pos++ // :

		var next *shape
		if isStruct {
			i := -1
			for j := range s.fields {
				if s.fields[j].name == string(key) {
					i = j
					break
				}
			}
			if i < 0 {
				return k.keyError(keyStart, string(key), s)
			}
			if seenFields&(1<<i) != 0 {
				return k.duplicateError(keyStart, string(key), firstAt[i])
			}
			seenFields |= 1 << i
			firstAt[i] = keyStart
			next = s.fields[i].shape
			k.path = append(k.path, keyPathSegment{name: s.fields[i].name})
		} else {
			if keySet == nil && len(seen) < len(small) {
				for _, prev := range seen {
					if bytes.Equal(prev.key, key) {
						return k.duplicateError(keyStart, string(key), prev.at)
					}
				}
				seen = append(seen, keyAt{key, keyStart})
			} else {
				if keySet == nil {
					keySet = make(map[string]int, 2*len(seen))
					for _, prev := range seen {
						keySet[string(prev.key)] = prev.at
					}
				}
				if at, dup := keySet[string(key)]; dup {
					return k.duplicateError(keyStart, string(key), at)
				}
				keySet[string(key)] = keyStart
			}
			if s != nil && s.kind == kindMap {
				next = s.elem
			}
			k.path = append(k.path, keyPathSegment{key: key, isKey: true})
		}

		k.skipSpace()
		valueStart := k.pos
		if err := k.value(next, depth+1); err != nil {
			return err
		}
		if depth == 0 && isStruct && string(key) == "checksum" {
			k.checksumStart, k.checksumEnd = valueStart, k.pos
		}
		k.skipSpace()
		k.path = k.path[:len(k.path)-1]
		if k.peek() != ',' {
			break
		}
		k.pos++
	}
	k.pos++ // }
	return nil
}

// key reads the string at k.pos and returns its value: the bytes between the quotes, or their unescaped
// form when the key holds an escape.
func (k *keyChecker) key() ([]byte, error) {
	start := k.pos
	escaped := k.skipString()
	raw := k.data[start:k.pos]
	if !escaped {
		if len(raw) < 2 {
			return nil, fmt.Errorf("byte offset %d: a key is cut short", start) // cannot happen after a successful decode
		}
		return raw[1 : len(raw)-1], nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("byte offset %d: %w", start, err) // cannot happen after a successful decode
	}
	return []byte(s), nil
}

// skipString moves k.pos past the string that starts at it and reports whether it holds an escape.
func (k *keyChecker) skipString() (escaped bool) {
	k.pos++ // opening quote
	for k.pos < len(k.data) {
		i := bytes.IndexAny(k.data[k.pos:], `"\`)
		if i < 0 {
			k.pos = len(k.data)
			return escaped
		}
		k.pos += i
		if k.data[k.pos] == '"' {
			k.pos++
			return escaped
		}
		escaped = true
		k.pos += 2 // the backslash and the byte it escapes (a \u's hex digits are plain bytes)
	}
	return escaped
}

// where names the object being walked, for a message.
func (k *keyChecker) where() string {
	w := credentialWalker{}
	for _, s := range k.path {
		if s.isKey {
			w.path = append(w.path, pathSegment{name: string(s.key), isKey: true})
		} else {
			w.path = append(w.path, pathSegment{name: s.name, index: s.index})
		}
	}
	if f := w.field(); f != "" {
		return f
	}
	return "the plan"
}

func (k *keyChecker) errorAt(off int, field, format string, args ...any) error {
	line, col := position(k.data, int64(off))
	return fmt.Errorf("line %d, column %d (byte offset %d): %w", line, col, off,
		&FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (k *keyChecker) keyError(off int, key string, s *shape) error {
	for _, f := range s.fields {
		if strings.EqualFold(f.name, key) {
			return k.errorAt(off, k.where(), "key %s is not spelt as the format spells it, %s; keys are case-sensitive in a plan file "+
				"(a JSON decoder that ignores case reads it as %s, so a reviewer and the tool could see different plans)",
				strconv.Quote(key), strconv.Quote(f.name), strconv.Quote(f.name))
		}
	}
	return k.errorAt(off, k.where(), "unknown field %s (the plan format does not define it)", strconv.Quote(key))
}

func (k *keyChecker) duplicateError(off int, key string, first int) error {
	line, col := position(k.data, int64(first))
	return k.errorAt(off, k.where(), "key %s appears a second time (first at line %d, column %d); a JSON decoder keeps the last one, "+
		"so a reviewer reading the first and the tool running the second could see different plans", strconv.Quote(key), line, col)
}
