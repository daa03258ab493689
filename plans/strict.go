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
// every key that appears twice in one object, at every depth (maps such as params included), comparing keys
// unescaped as encoding/json reads them. The walk also finds the top-level checksum's value, which the
// file's hash leaves out.

// shape is what a JSON value of the plan file may be, derived from the Go types by reflection so that it
// cannot drift from them: a struct's object (fields), a map's object or a slice's array (elem); nil for a
// scalar or a type that decodes itself (time.Time).
type shape struct {
	fields map[string]*shape // a struct: its JSON names
	elem   *shape            // a map or a slice: its elements'
	isMap  bool
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shapeOf returns the shape of t's JSON form.
func shapeOf(t reflect.Type) *shape {
	pt := reflect.PointerTo(t)
	// Options decodes itself only to tidy its values; its keys are the format's like any other object's.
	if t != reflect.TypeFor[Options]() && (pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler)) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return shapeOf(t.Elem())
	case reflect.Struct:
		s := &shape{fields: map[string]*shape{}}
		addFields(s, t)
		return s
	case reflect.Map:
		return &shape{elem: shapeOf(t.Elem()), isMap: true}
	case reflect.Slice:
		return &shape{elem: shapeOf(t.Elem())}
	}
	return nil
}

// addFields adds the JSON fields of struct type t to s, as encoding/json names them.
func addFields(s *shape, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			addFields(s, f.Type) // promoted fields
		case f.IsExported() && name == "":
			s.fields[f.Name] = shapeOf(f.Type)
		case f.IsExported():
			s.fields[name] = shapeOf(f.Type)
		}
	}
}

// planShape is the shape of a plan file, derived once; nothing changes it after.
var planShape = sync.OnceValue(func() *shape { return shapeOf(reflect.TypeFor[Plan]()) })

// keyChecker walks the bytes of a plan file that encoding/json has already decoded strictly, so the JSON is
// well formed (and UTF-8) and the walk need only tell values apart, never check them. json.Decoder's tokens
// would do the same at ten times the cost: encoding/json makes an error value for the end of every scalar it
// reads alone (BENCHMARKS.md, "Plan build, write and read").
type keyChecker struct {
	data []byte
	pos  int
	path []keySegment // where the walk is, for messages
	// checksumStart and checksumEnd delimit the top-level "checksum" value, quotes included; -1 when absent.
	checksumStart, checksumEnd int
}

type keySegment struct {
	key   []byte // a field's or map key's, unescaped; nil in an array
	index int
	isKey bool // a map key rather than a struct field
}

// checkKeys refuses a key of data that is not spelt exactly as the format spells it, or that appears twice in
// one object. It returns the byte range of the top-level checksum value (start < 0 when there is none).
func checkKeys(data []byte) (checksumStart, checksumEnd int, err error) {
	k := &keyChecker{data: data, checksumStart: -1, checksumEnd: -1}
	if err := k.value(planShape(), 0); err != nil {
		return -1, -1, err
	}
	return k.checksumStart, k.checksumEnd, nil
}

// skip moves past white space and the separators (commas, colons) to where the next value, key or closing
// bracket starts, and returns that byte (0 at the end).
func (k *keyChecker) skip() byte {
	for ; k.pos < len(k.data); k.pos++ {
		if c := k.data[k.pos]; strings.IndexByte(" \t\r\n,:", c) < 0 {
			return c
		}
	}
	return 0
}

// value walks the value at k.pos, which has shape s (nil: any), and leaves k.pos after it.
func (k *keyChecker) value(s *shape, depth int) error {
	switch k.skip() {
	case '{':
		return k.object(s, depth)
	case '[':
		var elem *shape
		if s != nil {
			elem = s.elem
		}
		k.pos++
		for i := 0; k.skip() != ']' && k.pos < len(k.data); i++ {
			k.path = append(k.path, keySegment{index: i})
			if err := k.value(elem, depth+1); err != nil {
				return err
			}
			k.path = k.path[:len(k.path)-1]
		}
		k.pos++
	case '"':
		k.str()
	default: // a number, true, false or null
		for k.pos < len(k.data) && strings.IndexByte(",}] \t\r\n", k.data[k.pos]) < 0 {
			k.pos++
		}
	}
	return nil
}

// str moves past the string at k.pos and returns its value (the bytes between the quotes, unescaped when
// they hold an escape).
func (k *keyChecker) str() []byte {
	start := k.pos
	escaped := false
	for k.pos++; k.pos < len(k.data) && k.data[k.pos] != '"'; k.pos++ {
		if k.data[k.pos] == '\\' {
			escaped = true
			k.pos++ // the escaped byte (a \u's hex digits are plain bytes)
		}
	}
	k.pos++
	raw := k.data[start:min(k.pos, len(k.data))]
	if !escaped {
		return raw[1 : len(raw)-1]
	}
	var v string
	_ = json.Unmarshal(raw, &v) // cannot fail: encoding/json read the same string
	return []byte(v)
}

// keyAt is a key of an object and the offset it starts at.
type keyAt struct {
	key []byte
	at  int
}

// object walks the keys and values of an object: a struct's, whose keys must be its fields spelt exactly,
// once each; or a map's (or any other object), whose keys must each appear once.
func (k *keyChecker) object(s *shape, depth int) error {
	isStruct := s != nil && s.fields != nil
	var small [16]keyAt
	seen := small[:0]       // the keys read so far: most objects are small, a linear search is the cheapest
	var many map[string]int // past len(small): a map object (params, tags) may hold any number of keys, and
	// a linear search grows with their square, where a crafted file must fail at once
	for k.pos++; k.skip() != '}' && k.pos < len(k.data); {
		keyStart := k.pos
		key := k.str()
		if at, dup := k.seen(&seen, &many, key, keyStart); dup {
			return k.duplicateError(keyStart, string(key), at)
		}
		var next *shape
		if isStruct {
			f, ok := s.fields[string(key)]
			if !ok {
				return k.keyError(keyStart, string(key), s)
			}
			next = f
		} else if s != nil && s.isMap {
			next = s.elem
		}
		k.path = append(k.path, keySegment{key: key, isKey: !isStruct})
		k.skip()
		valueStart := k.pos
		if err := k.value(next, depth+1); err != nil {
			return err
		}
		if depth == 0 && isStruct && string(key) == "checksum" {
			k.checksumStart, k.checksumEnd = valueStart, k.pos
		}
		k.path = k.path[:len(k.path)-1]
	}
	k.pos++
	return nil
}

// seen records key at offset at among the keys of one object, and reports where it stood before if it did.
func (k *keyChecker) seen(small *[]keyAt, many *map[string]int, key []byte, at int) (before int, dup bool) {
	if *many == nil && len(*small) < cap(*small) {
		for _, prev := range *small {
			if bytes.Equal(prev.key, key) {
				return prev.at, true
			}
		}
		*small = append(*small, keyAt{key, at})
		return 0, false
	}
	if *many == nil {
		*many = make(map[string]int, 2*len(*small))
		for _, prev := range *small {
			(*many)[string(prev.key)] = prev.at
		}
	}
	if before, dup := (*many)[string(key)]; dup {
		return before, true
	}
	(*many)[string(key)] = at
	return 0, false
}

// where names the object being walked, for a message.
func (k *keyChecker) where() string {
	w := credentialWalker{}
	for _, s := range k.path {
		w.path = append(w.path, pathSegment{name: string(s.key), index: s.index, isKey: s.isKey})
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
	for name := range s.fields { // at most one name matches: the format's names differ in more than case
		if strings.EqualFold(name, key) {
			return k.errorAt(off, k.where(), "key %s is not spelt as the format spells it, %s; keys are case-sensitive in a plan file "+
				"(a JSON decoder that ignores case reads it as %s, so a reviewer and the tool could see different plans)",
				strconv.Quote(key), strconv.Quote(name), strconv.Quote(name))
		}
	}
	return k.errorAt(off, k.where(), "unknown field %s (the plan format does not define it)", strconv.Quote(key))
}

func (k *keyChecker) duplicateError(off int, key string, first int) error {
	line, col := position(k.data, int64(first))
	return k.errorAt(off, k.where(), "key %s appears a second time (first at line %d, column %d); a JSON decoder keeps the last one, "+
		"so a reviewer reading the first and the tool running the second could see different plans", strconv.Quote(key), line, col)
}
