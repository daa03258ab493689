// Package wire is the emulator's HTTP face: it speaks the Alibaba Cloud OpenAPI RPC protocol as the official
// SDK sends it (ACS3-HMAC-SHA256 signatures, arguments in the query string, x-acs-action and x-acs-version
// headers, JSON error bodies; also signature version 1, HMAC-SHA1 in the query, as credentials-go sends Sts
// AssumeRole), checks temporary credentials' security tokens, injects faults, and records every call. It
// knows nothing of IPAM: decoded, authenticated requests go to a Backend.
package wire

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Products served, keyed by the API version the SDK sends in x-acs-version.
const (
	ProductVpcIpam         = "VpcIpam"         // 2023-02-28
	ProductResourceSharing = "ResourceSharing" // 2020-01-10
	ProductVpc             = "Vpc"             // 2016-04-28
	ProductSts             = "Sts"             // 2015-04-01, for GetCallerIdentity
)

// Request is one decoded, authenticated API call.
type Request struct {
	RequestID string    // uppercase UUID, also sent back in the body and the x-acs-request-id header
	Account   string    // the account the access key belongs to (an Alibaba UID as a decimal string)
	AccessKey string    // the access key id that signed the request (never the secret)
	Product   string    // one of the Product* constants, chosen by Version
	Version   string    // x-acs-version
	Action    string    // x-acs-action
	Host      string    // the Host header, echoed as HostId in error bodies
	Params    Params    // every argument, flattened names exactly as sent ("IpamIds.1", "Tag.1.Key")
	Received  time.Time // when the emulator received it
}

// DryRun reports whether the request asks for a dry run.
func (r *Request) DryRun() bool { return strings.EqualFold(r.Params["DryRun"], "true") }

// Backend executes decoded requests. The returned value must marshal to a JSON object; the wire layer adds
// RequestId. An *Error is answered with its status and code; any other error is a 500 InternalError.
type Backend interface {
	Serve(ctx context.Context, req *Request) (any, error)
}

// StateDumper is implemented by a Backend that can show its whole state for GET /_sim/state.
type StateDumper interface {
	DumpState() any
}

// Error is an API error as the service returns it.
type Error struct {
	Status  int    // HTTP status
	Code    string // e.g. "OperationFailed.IpamPoolExist"
	Message string
	// AccessDeniedDetail is set on RAM denials (HTTP 403), as the real service does.
	AccessDeniedDetail map[string]any
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Params holds a request's arguments with their flattened names, as openapi-util Query() produces them:
// a list X becomes X.1, X.2...; a list of objects X.1.Key, X.1.Value...
type Params map[string]string

// Get returns the named argument, or "" when absent.
func (p Params) Get(name string) string { return p[name] }

// Has reports whether the argument was sent (even empty).
func (p Params) Has(name string) bool { _, ok := p[name]; return ok }

// Bool parses a boolean argument; absent means def. A value other than true/false is an error naming it.
func (p Params) Bool(name string, def bool) (bool, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("parameter %s: %q is not a boolean", name, v)
}

// Int parses an integer argument; ok is false when it is absent or empty.
func (p Params) Int(name string) (n int64, ok bool, err error) {
	v, present := p[name]
	if !present || v == "" {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("parameter %s: %q is not an integer", name, v)
	}
	return n, true, nil
}

// List returns the values of a repeated argument X.1, X.2, ... ordered by index. Indexes need not be
// contiguous (the SDK always sends them contiguous, from 1).
func (p Params) List(name string) []string {
	prefix := name + "."
	type item struct {
		i int
		v string
	}
	var items []item
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || strings.Contains(rest, ".") {
			continue
		}
		i, err := strconv.Atoi(rest)
		if err != nil || i < 1 {
			continue
		}
		items = append(items, item{i, v})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}

// Objects returns a repeated object argument X.N.Field as one map per index, ordered by index.
func (p Params) Objects(name string) []map[string]string {
	prefix := name + "."
	byIndex := map[int]map[string]string{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(idx)
		if err != nil || i < 1 {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][field] = v
	}
	idxs := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idxs = append(idxs, i)
	}
	sort.Ints(idxs)
	out := make([]map[string]string, len(idxs))
	for j, i := range idxs {
		out[j] = byIndex[i]
	}
	return out
}
