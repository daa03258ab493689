// Package yamlfile decodes a YAML file strictly (an unknown key is an error, one document only) and reports
// every fault with the file, the line and the field path ("accounts[1].role_arn"), for the files a person
// writes: the emulator's topologies and cleanup's configuration.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a fault in a file: the file, the line (0 when unknown, as for a generated value), the field path
// ("accounts[0].ipams[1].pools[0].cidrs[2]") and what is wrong.
type Error struct {
	File string
	Line int
	Path string
	Msg  string
	Err  error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.File == "" {
		b.WriteString("(no file)")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Decode decodes data, the file name, into v strictly: a syntax error, an unknown key, a value of the wrong
// type and a second document are errors naming the file, line and field path. types are the Go types of v's
// parts, whose fields an unknown key's message lists. It returns the document, to find the line of a field
// path in the checks that follow (LineOf).
func Decode(data []byte, name string, v any, types ...any) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(name, err)
	}
	if len(root.Content) == 0 {
		return &root, &Error{File: name, Msg: "the file is empty"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return &root, decodeError(name, &root, err, types)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return &root, &Error{File: name, Line: extra.Line, Msg: "more than one YAML document: want one"}
	}
	return &root, nil
}

// syntaxError turns "yaml: line 3: mapping values are not allowed" into "file:3: mapping values ...".
func syntaxError(name string, err error) error {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "yaml: line ")
	if ok {
		num, tail, found := strings.Cut(rest, ": ")
		if n, convErr := strconv.Atoi(num); convErr == nil && found {
			return &Error{File: name, Line: n, Msg: tail, Err: err}
		}
	}
	return &Error{File: name, Msg: strings.TrimPrefix(msg, "yaml: "), Err: err}
}

var (
	reUnknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	reLine         = regexp.MustCompile(`^line (\d+): (.*)$`)
	reQuoted       = regexp.MustCompile("`([^`]*)`")
)

// decodeError rewrites the decoder's errors so each names the file, line and field path; all of them are
// reported, one per line.
func decodeError(name string, root *yaml.Node, err error, types []any) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return syntaxError(name, err)
	}
	var msgs []string
	var first *Error
	for _, e := range te.Errors {
		var out *Error
		if m := reUnknownField.FindStringSubmatch(e); m != nil {
			line, _ := strconv.Atoi(m[1])
			p := findPath(root, line, m[2], true)
			msg := fmt.Sprintf("unknown field %q", m[2])
			if known := knownFields(types, m[3]); known != "" {
				msg += " (known fields: " + known + ")"
			}
			out = &Error{File: name, Line: line, Path: p.String(), Msg: msg}
		} else if m := reLine.FindStringSubmatch(e); m != nil {
			line, _ := strconv.Atoi(m[1])
			hint := ""
			if q := reQuoted.FindStringSubmatch(m[2]); q != nil {
				hint = q[1]
			}
			p := findPath(root, line, hint, false)
			if p == nil {
				// The decoder shortens long values ("cn-hang..."): name the first field on the line instead.
				p = findPath(root, line, "", false)
			}
			out = &Error{File: name, Line: line, Path: p.String(), Msg: strings.Replace(m[2], "cannot unmarshal", "cannot decode", 1)}
		} else {
			out = &Error{File: name, Msg: e}
		}
		if first == nil {
			first = out
		}
		msgs = append(msgs, out.Error())
	}
	if first == nil {
		return &Error{File: name, Msg: err.Error(), Err: err}
	}
	if len(msgs) > 1 {
		// One error value, every fault in its text: the first one's fields, the others appended.
		first.Msg += "\n" + strings.Join(msgs[1:], "\n")
	}
	first.Err = err
	return first
}

// knownFields lists the YAML field names of one of types, by the type name the decoder reports.
func knownFields(types []any, typeName string) string {
	for _, v := range types {
		rt := reflect.TypeOf(v)
		if rt.String() != typeName {
			continue
		}
		var names []string
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			names = append(names, name)
		}
		return strings.Join(names, ", ")
	}
	return ""
}

// Path is a path into the document: string keys and int indexes.
type Path []any

func (p Path) Add(elems ...any) Path {
	out := make(Path, 0, len(p)+len(elems))
	return append(append(out, p...), elems...)
}

func (p Path) String() string {
	var b strings.Builder
	for _, e := range p {
		switch v := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// LineOf returns the line of the node a path names, or of its nearest existing ancestor; 0 without a document.
func LineOf(root *yaml.Node, p Path) int {
	if root == nil || len(root.Content) == 0 {
		return 0
	}
	n := root.Content[0]
	line := n.Line
	for _, e := range p {
		switch v := e.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == v {
					line = n.Content[i].Line
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return line
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || v >= len(n.Content) {
				return line
			}
			n = n.Content[v]
			line = n.Line
		}
	}
	return line
}

// findPath finds the path of the first node on a line: a mapping key named hint when key is set, otherwise a
// scalar (key or value) whose value is hint, or any node on the line when hint is empty.
func findPath(root *yaml.Node, line int, hint string, key bool) Path {
	if root == nil || len(root.Content) == 0 {
		return nil
	}
	var found Path
	var walk func(n *yaml.Node, p Path) bool
	walk = func(n *yaml.Node, p Path) bool {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				kp := p.Add(k.Value)
				if k.Line == line && (hint == "" || k.Value == hint || (!key && v.Kind == yaml.ScalarNode && v.Value == hint)) {
					found = kp
					return true
				}
				if walk(v, kp) {
					return true
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if c.Line == line && c.Kind == yaml.ScalarNode && !key && (hint == "" || c.Value == hint) {
					found = p.Add(i)
					return true
				}
				if walk(c, p.Add(i)) {
					return true
				}
			}
		}
		return false
	}
	walk(root.Content[0], nil)
	return found
}
