package plans

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
)

// maxFileSize bounds what Read accepts. A plan of all the pools the quotas allow, 8 allocations each, is
// under 20 MB (BENCHMARKS.md, "Plan build, write and read"); anything far larger is not a plan.
const maxFileSize = 512 << 20

// checksumPrefix names the hash of Plan.Checksum; it is part of the value so a later format can change it.
const checksumPrefix = "sha256:"

// ErrChecksumMismatch is matched (errors.Is) by the error Read returns when a file's contents do not hash to
// the checksum it carries: the file was changed after plans.Write wrote it.
var ErrChecksumMismatch = errors.New("checksum does not match")

// ErrUnsupportedVersion is matched (errors.Is) by the error Read returns for a format_version this build
// does not read.
var ErrUnsupportedVersion = errors.New("unsupported format_version")

// ChecksumError says which checksum a file carries and which its contents hash to.
type ChecksumError struct {
	Want string // the value of the file's "checksum" field
	Got  string // the checksum of the file's contents
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum does not match: the file says %s but its contents hash to %s; "+
		"the plan was changed after it was written (write a new plan instead of editing one)", e.Want, e.Got)
}

// Is makes errors.Is(err, ErrChecksumMismatch) true.
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksumMismatch }

// Marshal returns the plan file for p.
//
// It first puts p itself in canonical form, so that what the caller holds is what the file says: created_at
// in UTC, steps sorted by (level, id), each step's depends_on by id, dry_run_codes sorted, implies by
// (resource_type, resource_id), blockers by (resource_id, reason, resource_type), held_back and the
// selector's ipam_ids sorted, nil slices and maps written as [] and {} (never null), format_version set to
// FormatVersion when zero. It then fills p.Summary (Summarize), refuses a plan Validate refuses (so every file
// Write produces is one Read accepts), and fills p.Checksum.
//
// The file is UTF-8 JSON with a two-space indent, keys in the order of the Go structs, no HTML escaping, and
// a trailing newline. Two plans of the same inventory and options differ only in plan_id, created_at and
// therefore checksum.
//
// Checksum: "sha256:" followed by the lowercase hex SHA-256 of the exact bytes Marshal returns for the same
// plan with checksum set to "". The top-level "checksum" key is the last one of the file and sits alone on
// the line before the final "}", so a reviewer can recompute it from a written file with
//
//	sed 's/^  "checksum": ".*"$/  "checksum": ""/' plan.json | sha256sum
//
// (only the top-level key has exactly two spaces of indent). Read hashes the file's own bytes in the same way
// (the value of the top-level checksum replaced by ""), so any change to the file fails verification: a value,
// a key, and also its layout: a file that was re-indented, re-encoded or had its line endings changed (git's
// autocrlf) no longer verifies. The checksum catches accidental edits, not a deliberate forger, who can
// recompute it as above; what authorises a plan is the review of the file.
func Marshal(p *Plan) ([]byte, error) {
	if p == nil {
		return nil, errors.New("plans: Marshal of a nil plan")
	}
	canonicalize(p)
	p.Summarize()
	if err := Validate(p); err != nil {
		return nil, fmt.Errorf("plans: refusing to write an invalid plan: %w", err)
	}
	// Encode once with an empty checksum, hash that, and put the sum in place of the empty value: the
	// checksum is the last key, so the file ends with `  "checksum": ""` + "\n}\n" and need not be encoded
	// twice. The copy keeps p's checksum as the caller set it.
	c := *p
	c.Checksum = ""
	b, err := encode(&c)
	if err != nil {
		return nil, err
	}
	const emptyTail = `"checksum": ""` + "\n}\n"
	if !bytes.HasSuffix(b, []byte(emptyTail)) {
		return nil, errors.New("plans: internal error: checksum is not the last key of the encoded plan")
	}
	sum := sha256.Sum256(b)
	p.Checksum = checksumPrefix + hex.EncodeToString(sum[:])
	out := append(b[:len(b)-len(emptyTail)], `"checksum": "`+p.Checksum+`"`+"\n}\n"...)
	return out, nil
}

// Write writes the plan file for p (see Marshal) to w.
func Write(w io.Writer, p *Plan) error {
	b, err := Marshal(p)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFile writes the plan file for p to path, atomically: a reader never sees half a plan, and a failed
// write leaves an existing file untouched.
func WriteFile(path string, p *Plan) error {
	b, err := Marshal(p)
	if err != nil {
		return err
	}
	// 0644: a plan holds no secret and is meant to be reviewed and committed.
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// ReadFile reads and validates the plan file at path; errors name path.
func ReadFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read decodes and validates a plan file. name is the file's name as the user gave it; every error starts
// with it. Read refuses, naming the field and value at fault: a format_version other than FormatVersion,
// malformed or truncated JSON (with line, column and byte offset), fields the format does not define, a key
// not spelt exactly as the format spells it or given twice in one object (at every depth, params included:
// encoding/json would match it ignoring case and keep the last one, so a reviewer and the tool could read
// different plans), a checksum that does not match the file's bytes, and everything Validate refuses.
func Read(r io.Reader, name string) (*Plan, error) {
	data, err := readAll(r, maxFileSize+1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB; not a plan file", name, maxFileSize>>20)
	}
	p, start, end, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := verifyChecksum(p, data, start, end); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := Validate(p); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// readAll reads r to its end, or to limit bytes. When r knows its size (a file, a bytes.Reader) the buffer
// is allocated once at that size: io.ReadAll grows its buffer as it reads, allocating about three times the
// file.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	var size int64
	switch r := r.(type) {
	case interface{ Len() int }:
		size = int64(r.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	if size <= 0 {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	// One byte more than the size, so that the read that finds the end needs no larger buffer. The loop is
	// io.ReadAll's, which starts at 512 bytes instead.
	lr := io.LimitReader(r, limit)
	b := make([]byte, 0, min(size, limit)+1)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the file grew since its size was read
		}
	}
}

// decode parses a plan file strictly, keys included (checkKeys), without semantic validation. It returns the
// byte range of the top-level checksum value, quotes included (start < 0 when there is none).
func decode(data []byte) (p *Plan, start, end int, err error) {
	if p, err = decodeStrict(data); err != nil {
		return nil, -1, -1, err
	}
	if start, end, err = checkKeys(data); err != nil {
		return nil, -1, -1, err
	}
	return p, start, end, nil
}

// decodeStrict parses a plan file with encoding/json, refusing unknown fields and anything after the plan,
// without checking the spelling of keys (checkKeys does).
func decodeStrict(data []byte) (*Plan, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file; not a plan")
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, errors.New("line 1, column 1 (byte offset 0): the file starts with a byte order mark; " +
			"a plan file is plain UTF-8 JSON as written by `ipam-teardown plan` (an editor added it?)")
	}
	if !utf8.Valid(data) {
		// encoding/json would read U+FFFD instead, and the plan would not be what the file holds.
		off := invalidUTF8Offset(data)
		line, col := position(data, off)
		return nil, fmt.Errorf("line %d, column %d (byte offset %d): not valid UTF-8; a plan file is UTF-8 JSON", line, col, off)
	}
	// The version decides how to read the rest, so look at it alone first: a newer file has fields this
	// build does not know, and "format_version 2 is not supported" says more than "unknown field".
	if raw, found, ok := peekVersion(data); ok {
		if !found {
			return nil, errors.New("format_version is missing; not a plan file")
		}
		var v int
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, &FieldError{Field: "format_version", Err: ErrUnsupportedVersion,
				Msg: fmt.Sprintf("%s is not a version this build reads; want the integer %d", raw, FormatVersion)}
		}
		if v != FormatVersion {
			return nil, versionError(v)
		}
	}
	// Otherwise the decode below reports the syntax error with its position.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, decodeError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		line, col := position(data, off)
		return nil, fmt.Errorf("line %d, column %d (byte offset %d): unexpected data after the plan's closing brace", line, col, off)
	}
	return &p, nil
}

// peekVersion returns the raw value of the top-level "format_version" key. It reads only as far as that
// key, which Marshal writes first, so it costs nothing on a plan file of any size. ok is false when the data
// is not a JSON object as far as it reads (the strict decode then says where); found is false when the
// object has no such key.
func peekVersion(data []byte) (raw json.RawMessage, found, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false, false
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, false, false
		}
		if t == "format_version" {
			return value, true, true
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, false, false
	}
	return nil, false, true
}

// decodeError turns an encoding/json error into one naming the position (and the field, when json knows it).
func decodeError(data []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		off := int64(len(data))
		line, col := position(data, off)
		return fmt.Errorf("line %d, column %d (byte offset %d): the file ends in the middle of the plan (truncated?)", line, col, off)
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("line %d, column %d (byte offset %d): %v", line, col, syn.Offset, err)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		if typ.Field == "" {
			return fmt.Errorf("line %d, column %d (byte offset %d): the file holds a JSON %s, not a plan (a JSON object with format_version, steps, ...)", line, col, typ.Offset, typ.Value)
		}
		return fmt.Errorf("line %d, column %d (byte offset %d): %s: a JSON %s where the format wants %s", line, col, typ.Offset, typ.Field, typ.Value, typ.Type)
	default:
		msg := strings.TrimPrefix(err.Error(), "json: ")
		off := dec.InputOffset()
		if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
			// encoding/json reports an unknown field once it has read the whole value, without a position;
			// point at the first place the key occurs instead.
			msg += " (the plan format does not define it)"
			if k, err := strconv.Unquote(name); err == nil {
				if loc := regexp.MustCompile(regexp.QuoteMeta(strconv.Quote(k)) + `\s*:`).FindIndex(data); loc != nil {
					off = int64(loc[0])
				}
			}
		}
		line, col := position(data, off)
		return fmt.Errorf("line %d, column %d (byte offset %d): %s", line, col, off, msg)
	}
}

// position returns the 1-based line and column (in bytes) of offset off in data.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func invalidUTF8Offset(data []byte) int64 {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return int64(i)
		}
		i += n
	}
	return int64(len(data))
}

// verifyChecksum compares the plan's checksum with the hash of the file's own bytes, the checksum's value
// (data[start:end], quotes included) replaced by "".
func verifyChecksum(p *Plan, data []byte, start, end int) error {
	if p.Checksum == "" || start < 0 {
		return errors.New("checksum is missing; a plan file is written by `ipam-teardown plan`, not by hand")
	}
	hexPart, ok := strings.CutPrefix(p.Checksum, checksumPrefix)
	if !ok || len(hexPart) != sha256.Size*2 || strings.ToLower(hexPart) != hexPart {
		return fmt.Errorf("checksum %q: want %q followed by 64 lowercase hex digits", p.Checksum, checksumPrefix)
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return fmt.Errorf("checksum %q: want %q followed by 64 lowercase hex digits", p.Checksum, checksumPrefix)
	}
	h := sha256.New()
	h.Write(data[:start])
	h.Write([]byte(`""`))
	h.Write(data[end:])
	if got := checksumPrefix + hex.EncodeToString(h.Sum(nil)); got != p.Checksum {
		return &ChecksumError{Want: p.Checksum, Got: got}
	}
	return nil
}

// encode writes p as it is (no sorting): keys in the order of the Go structs, a two-space indent, no HTML
// escaping (a reason like "<none>" stays readable in a diff), a trailing newline.
func encode(p *Plan) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("plans: encode: %w", err)
	}
	return b.Bytes(), nil
}

// checksumOf returns the checksum of the file encode writes for p (the file Marshal writes when p is
// canonical), without changing p.
func checksumOf(p *Plan) (string, error) {
	c := *p
	c.Checksum = ""
	b, err := encode(&c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return checksumPrefix + hex.EncodeToString(sum[:]), nil
}

// canonicalize puts p in the canonical form Marshal documents.
func canonicalize(p *Plan) {
	if p.FormatVersion == 0 {
		p.FormatVersion = FormatVersion
	}
	p.CreatedAt = p.CreatedAt.UTC()
	p.Selector.IPAMIDs = sortedStrings(p.Selector.IPAMIDs, false)
	if p.Steps == nil {
		p.Steps = []Step{}
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Params == nil {
			s.Params = map[string]string{}
		}
		if s.DependsOn == nil {
			s.DependsOn = []Dependency{}
		}
		slices.SortStableFunc(s.DependsOn, compareDependency)
		s.DryRunCodes = sortedStrings(s.DryRunCodes, false)
		slices.SortStableFunc(s.Implies, compareImplied)
	}
	sortSteps(p.Steps)
	if p.Blockers == nil {
		p.Blockers = []Blocker{}
	}
	for i := range p.Blockers {
		p.Blockers[i].HeldBack = sortedStrings(p.Blockers[i].HeldBack, true)
	}
	slices.SortStableFunc(p.Blockers, compareBlocker)
}

// sortSteps sorts steps stably by (level, id). A plan the planner wrote is sorted already and costs one pass.
func sortSteps(steps []Step) {
	if !slices.IsSortedFunc(steps, compareStep) {
		slices.SortStableFunc(steps, compareStep)
	}
}

// sortedStrings sorts ss in place; with keepEmpty a nil slice becomes an empty one (for fields without
// omitempty, so that the file says [] rather than null).
func sortedStrings(ss []string, keepEmpty bool) []string {
	if ss == nil && keepEmpty {
		return []string{}
	}
	slices.Sort(ss)
	return ss
}

func compareStep(a, b Step) int { return compareStepPtr(&a, &b) }

// compareStepPtr is compareStep without copying two steps per comparison.
func compareStepPtr(a, b *Step) int {
	if c := cmp.Compare(a.Level, b.Level); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func compareDependency(a, b Dependency) int {
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return strings.Compare(a.Rule, b.Rule)
}

func compareImplied(a, b Implied) int {
	if c := strings.Compare(a.ResourceType, b.ResourceType); c != 0 {
		return c
	}
	if c := strings.Compare(a.ResourceID, b.ResourceID); c != 0 {
		return c
	}
	return strings.Compare(a.Reason, b.Reason)
}

func compareBlocker(a, b Blocker) int {
	if c := strings.Compare(a.ResourceID, b.ResourceID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Reason, b.Reason); c != 0 {
		return c
	}
	return strings.Compare(a.ResourceType, b.ResourceType)
}
