package ipamsim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// call is one request as a handler sees it: authenticated, permitted, RegionId checked.
type call struct {
	account, product, action, region, requestID string
	accessKey                                   string // the key that signed the call (an STS.… key for a role session)
	params                                      wire.Params
	dryRun                                      bool
	now                                         time.Time
}

// handler executes one action. It validates everything first, then returns errDryRun when c.dryRun is set,
// and only then mutates state. The returned map holds the SDK response fields (no RequestId).
type handler func(c *call) (map[string]any, error)

// handlerSet maps "Product:Action" to its handler. Each register* function fills its part in New.
type handlerSet map[string]handler

func (h handlerSet) add(product, action string, fn handler) {
	k := product + ":" + action
	if _, dup := h[k]; dup {
		panic("ipamsim: handler registered twice: " + k)
	}
	h[k] = fn
}

// errDryRun is what a handler returns when a dry run passed every check.
var errDryRun = &wire.Error{Status: http.StatusBadRequest, Code: "DryRunOperation", Message: "Request validation has been passed with DryRun flag set."}

// errf builds a 400 API error, the status nearly every VpcIpam error has.
func errf(code, format string, args ...any) *wire.Error {
	return wire.Errorf(http.StatusBadRequest, code, format, args...)
}

// Common parameter errors. The seed pages name them MissingParameter.<Name> / IllegalParam.<Name>.
func errMissing(name string) *wire.Error {
	return errf("MissingParameter."+name, "The input parameter %s that is mandatory for processing this request is not supplied.", name)
}

func errIllegal(name, value string) *wire.Error {
	return errf("IllegalParam."+name, "The input parameter %s is invalid: %q.", name, value)
}

// serves reports whether the emulator serves product in region: the region is among Options.Regions and
// on the product's own list (catalog.Regions; Sts, which has none, wherever Options.Regions says).
func (s *Sim) serves(product, region string) bool {
	if !s.regions[region] {
		return false
	}
	return product == wire.ProductSts || catalog.HasRegion(product, region)
}

// regionOptional reports the products without a RegionId in their request models: the region is optional
// there (checked when given).
func regionOptional(product string) bool {
	return product == wire.ProductResourceSharing || product == wire.ProductSts
}

// clientTokenRecord remembers the first successful answer to a (account, product, action, ClientToken).
type clientTokenRecord struct {
	params   string // canonical params without ClientToken/DryRun
	response map[string]any
}

// dispatch is the one path every call takes: lookup, permission, region, dry run flag, lazy Deleting windows,
// ClientToken replay, then the handler.
func (s *Sim) dispatch(ctx context.Context, req *wire.Request) (map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	acct, ok := s.accounts[req.Account]
	if !ok {
		return nil, wire.Errorf(http.StatusBadRequest, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	if sess := s.session(req.AccessKey); sess != nil && !s.opts.Now().Before(sess.expires) {
		// A temporary credential lives on the emulator's clock, which tests move (UNKNOWN 111).
		return nil, errTokenExpired()
	}
	h, ok := s.handlers[req.Product+":"+req.Action]
	if !ok {
		return nil, wire.Errorf(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
	}
	if denied(acct, req.Product, req.Action) {
		return nil, accessDenied(acct, req.Product, req.Action)
	}
	region := req.Params.Get("RegionId")
	switch {
	case region == "" && !regionOptional(req.Product):
		return nil, errMissing("RegionId")
	case region != "" && !s.serves(req.Product, region):
		// UNKNOWN 2: the code for an unserved region.
		return nil, wire.Errorf(http.StatusNotFound, "InvalidRegionId.NotFound", "The specified region %s does not exist.", region)
	}
	dry, err := req.Params.Bool("DryRun", false)
	if err != nil {
		return nil, errIllegal("DryRun", req.Params.Get("DryRun"))
	}
	if dry && lacksDryRun(req.Product, req.Action) {
		// UNKNOWN 110: the real service is likely to ignore a DryRun it does not define and act. Refusing the
		// call is stricter than both acting and pretending to dry-run: a client that sends one of these calls in
		// a dry-run pass fails its tests here instead of deleting something in production.
		return nil, wire.Errorf(http.StatusBadRequest, "InvalidParameter.DryRun",
			"%s has no DryRun parameter; the service would ignore it and perform the change.", req.Action)
	}
	now := s.opts.Now().UTC()
	c := &call{
		account:   acct.ID,
		product:   req.Product,
		action:    req.Action,
		region:    region,
		requestID: req.RequestID,
		accessKey: req.AccessKey,
		params:    req.Params,
		dryRun:    dry,
		now:       now,
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(now)

	token := req.Params.Get("ClientToken")
	var tokenKey, canon string
	if token != "" && !dry {
		if !isASCII(token) {
			return nil, errIllegal("ClientToken", token)
		}
		tokenKey = acct.ID + "\x00" + req.Product + "\x00" + req.Action + "\x00" + token
		canon = canonicalParams(req.Params)
		if rec, ok := s.st.tokens[tokenKey]; ok {
			if rec.params != canon {
				// UNKNOWN 3: VpcIpam's mismatch code; the VPC product's is used.
				return nil, errf("IdempotentParameterMismatch", "The request uses the same client token as a previous, but non-identical request.")
			}
			return cloneMap(rec.response), nil
		}
	}
	out, err := h(c)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]any{}
	}
	if tokenKey != "" {
		s.st.tokens[tokenKey] = &clientTokenRecord{params: canon, response: cloneMap(out)}
	}
	return out, nil
}

// denied reports whether acct's policy lacks the action.
func denied(acct *Account, product, action string) bool {
	full := ramService(product) + ":" + action
	for _, d := range acct.Denied {
		if d == action || strings.EqualFold(d, full) {
			return true
		}
	}
	return false
}

// ramService is the RAM service prefix of a product's actions.
func ramService(product string) string {
	switch product {
	case wire.ProductResourceSharing:
		return "resourcesharing"
	case wire.ProductSts:
		return "sts"
	default: // VpcIpam actions are authorized as vpc:<Action>, like the Vpc ones.
		return "vpc"
	}
}

// accessDenied is the RAM denial as the service answers it (UNKNOWN 1: VPC documents both Forbidden.RAM and
// NoPermission; Forbidden.RAM is used).
func accessDenied(acct *Account, product, action string) *wire.Error {
	authAction := ramService(product) + ":" + action
	diag, _ := json.Marshal(map[string]string{"AuthAction": authAction, "AuthPrincipalOwnerId": acct.ID, "NoPermissionType": "ImplicitDeny"})
	return &wire.Error{
		Status:  http.StatusForbidden,
		Code:    "Forbidden.RAM",
		Message: fmt.Sprintf("User not authorized to operate on the specified resource, or this API doesn't support RAM. You are not authorized to do action %s.", authAction),
		AccessDeniedDetail: map[string]any{
			"PolicyType":               "AccountLevelIdentityBasedPolicy",
			"AuthPrincipalOwnerId":     acct.ID,
			"AuthPrincipalType":        "SubUser",
			"AuthPrincipalDisplayName": acct.AccessKeyID,
			"NoPermissionType":         "ImplicitDeny",
			"AuthAction":               authAction,
			"EncodedDiagnosticMessage": base64.StdEncoding.EncodeToString(diag),
		},
	}
}

// canonicalParams renders the parameters that decide a request's effect, for ClientToken comparison.
func canonicalParams(p wire.Params) string {
	keys := slices.Sorted(maps.Keys(p))
	var b strings.Builder
	for _, k := range keys {
		if k == "ClientToken" || k == "DryRun" {
			continue
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p[k])
		b.WriteByte('\x00')
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

// cloneMap copies a response map deeply enough that neither side can change the other (maps and slices
// of maps are copied; leaf values are immutable).
func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []map[string]any:
		out := make([]map[string]any, len(x))
		for i := range x {
			out[i] = cloneMap(x[i])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = cloneValue(x[i])
		}
		return out
	case []string:
		return slices.Clone(x)
	default:
		return v
	}
}

// require returns MissingParameter.<Name> for the first absent or empty parameter.
func (c *call) require(names ...string) error {
	for _, n := range names {
		if c.params.Get(n) == "" {
			return errMissing(n)
		}
	}
	return nil
}

// timestamp formats t as the service does (ISO-8601 UTC, seconds).
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// lacksDryRun reports the mutating actions whose API defines no DryRun parameter (reference 1.6).
func lacksDryRun(product, action string) bool {
	switch product + ":" + action {
	case wire.ProductVpcIpam + ":TagResources", wire.ProductVpcIpam + ":UntagResources",
		wire.ProductResourceSharing + ":CreateResourceShare", wire.ProductResourceSharing + ":AssociateResourceShare",
		wire.ProductResourceSharing + ":DisassociateResourceShare", wire.ProductResourceSharing + ":DeleteResourceShare",
		wire.ProductVpc + ":AssociateVpcCidrBlock", wire.ProductVpc + ":UnassociateVpcCidrBlock":
		return true
	}
	return false
}
