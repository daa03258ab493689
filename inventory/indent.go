package inventory

import (
	"bufio"
	"io"
)

// indentWriter indents compact JSON as it is written, byte for byte as encoding/json's Indent with prefix ""
// and indent "  " would (an empty object or array stays "{}" or "[]"), without holding the document: the
// snapshot's fingerprint hashes a 100,000-step inventory's indented form, and encoding/json's Encoder with
// SetIndent built it whole, twice over (the compact encoding, then the indented copy). It takes compact JSON
// only (what json.Encoder writes without SetIndent): whitespace outside strings is copied as is.
type indentWriter struct {
	w          *bufio.Writer
	depth      int
	inString   bool
	escaped    bool // the previous byte of the string was a backslash
	needIndent bool // an opening bracket was written; the newline waits to see whether the next byte closes it
}

func newIndentWriter(w io.Writer) *indentWriter {
	return &indentWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (iw *indentWriter) newline() {
	iw.w.WriteByte('\n')
	for range iw.depth {
		iw.w.WriteString("  ")
	}
}

func (iw *indentWriter) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if iw.inString {
			// Copy the run of plain string bytes at once.
			j := i
			for j < len(p) && !iw.escaped && p[j] != '"' && p[j] != '\\' {
				j++
			}
			if j > i {
				iw.w.Write(p[i:j])
				i = j - 1
				continue
			}
			iw.w.WriteByte(c)
			switch {
			case iw.escaped:
				iw.escaped = false
			case c == '\\':
				iw.escaped = true
			case c == '"':
				iw.inString = false
			}
			continue
		}
		if iw.needIndent && c != ']' && c != '}' {
			iw.needIndent = false
			iw.depth++
			iw.newline()
		}
		switch c {
		case '"':
			iw.inString = true
			iw.w.WriteByte(c)
		case '{', '[':
			iw.needIndent = true
			iw.w.WriteByte(c)
		case ',':
			iw.w.WriteByte(c)
			iw.newline()
		case ':':
			iw.w.WriteString(": ")
		case '}', ']':
			if iw.needIndent {
				iw.needIndent = false // an empty object or array: "{}", "[]"
			} else {
				iw.depth--
				iw.newline()
			}
			iw.w.WriteByte(c)
		default:
			iw.w.WriteByte(c)
		}
	}
	return len(p), nil
}

// Flush writes what is buffered; the error is the underlying writer's first.
func (iw *indentWriter) Flush() error { return iw.w.Flush() }
