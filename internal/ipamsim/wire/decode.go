package wire

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// versions maps the x-acs-version header to the product it selects.
func productFor(version string) (string, bool) {
	switch version {
	case "2023-02-28":
		return ProductVpcIpam, true
	case "2020-01-10":
		return ProductResourceSharing, true
	case "2016-04-28":
		return ProductVpc, true
	case "2015-04-01":
		return ProductSts, true
	}
	return "", false
}

// maxBody bounds what the emulator reads of a request body; the SDK's RPC calls carry a few kilobytes at most.
const maxBody = 1 << 20

// Decode reads the protocol part of a request: product and action from the x-acs-* headers, and every argument
// from the query string and, for form-encoded bodies, the body. It does not authenticate. body is the request
// body already read (Decode never reads r.Body). A malformed request is an *Error as the service answers it.
func Decode(r *http.Request, body []byte) (*Request, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The query string is malformed: %v.", err)
	}
	action := r.Header.Get("x-acs-action")
	version := r.Header.Get("x-acs-version")
	v1 := signedV1(r, query)
	if v1 {
		// A signature-version-1 request (credentials-go's AssumeRole, darabonba with SignatureAlgorithm v2)
		// names its action and version in the query; the headers, when present, must agree.
		if qa := query.Get("Action"); action == "" || action == qa {
			action = qa
		} else {
			return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The x-acs-action header %q and the Action parameter %q differ.", action, qa)
		}
		if qv := query.Get("Version"); version == "" || version == qv {
			version = qv
		} else {
			return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The x-acs-version header %q and the Version parameter %q differ.", version, qv)
		}
	}
	if action == "" {
		return nil, Errorf(http.StatusBadRequest, "MissingAction", "The input parameter \"Action\" that is mandatory for processing this request is not supplied.")
	}
	if version == "" {
		return nil, Errorf(http.StatusBadRequest, "MissingVersion", "The input parameter \"Version\" that is mandatory for processing this request is not supplied.")
	}
	product, ok := productFor(version)
	if !ok {
		// The service answers an unknown version of a known product with InvalidVersion (400).
		return nil, Errorf(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid: %q.", version)
	}
	params := Params{}
	for k, vs := range query {
		if v1 && isV1Protocol(k) {
			continue
		}
		if len(vs) != 1 {
			return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The parameter %q is given %d times.", k, len(vs))
		}
		params[k] = vs[0]
	}
	if len(body) > 0 {
		ct := strings.ToLower(r.Header.Get("content-type"))
		if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The request body of content type %q is not supported; send arguments in the query string or as a form.", ct)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The request body is malformed: %v.", err)
		}
		for k, vs := range form {
			if len(vs) != 1 || params.Has(k) {
				return nil, Errorf(http.StatusBadRequest, "InvalidParameter", "The parameter %q is given more than once.", k)
			}
			params[k] = vs[0]
		}
	}
	return &Request{
		Product: product,
		Version: version,
		Action:  action,
		Host:    r.Host,
		Params:  params,
	}, nil
}

// String renders a request for logs and errors; it never includes credentials (Params hold none).
func (r *Request) String() string {
	return fmt.Sprintf("%s/%s %s", r.Product, r.Version, r.Action)
}

// isV1Protocol reports the query parameters of a signature-version-1 request that belong to the protocol, not
// to the action: authentication checks them, and they stay out of Request.Params (and so out of the call log).
func isV1Protocol(name string) bool {
	switch name {
	case "Action", "Version", "Format", "Timestamp", "SignatureMethod", "SignatureVersion", "SignatureNonce",
		"SignatureType", "AccessKeyId", "Signature", "SecurityToken":
		return true
	}
	return false
}

// signedV1 reports whether r is signed with signature version 1 (HMAC-SHA1 in the query) rather than
// ACS3-HMAC-SHA256 in the Authorization header.
func signedV1(r *http.Request, query url.Values) bool {
	return r.Header.Get("Authorization") == "" && query.Has("Signature")
}
