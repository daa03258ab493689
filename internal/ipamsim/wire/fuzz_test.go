package wire

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary query strings, headers and bodies to the decoder: it must never panic, and what it
// accepts must hold exactly the arguments that were sent.
func FuzzDecode(f *testing.F) {
	f.Add("RegionId=cn-hangzhou&IpamIds.1=ipam-a", "DeleteIpam", "2023-02-28", "application/x-www-form-urlencoded", "DryRun=true")
	f.Add("Tags.1.Key=a&Tags.1.Value=%20b", "ListIpams", "2023-02-28", "", "")
	f.Add("%zz", "X", "2016-04-28", "text/plain", "body")
	f.Add("a=1&a=2", "X", "2015-04-01", "application/x-www-form-urlencoded", "a=3")
	f.Add("Action=AssumeRole&Version=2015-04-01&Signature=x&SecurityToken=t&RoleArn=r", "AssumeRole", "2015-04-01", "application/x-www-form-urlencoded", "RoleSessionName=s")
	f.Fuzz(func(t *testing.T, query, action, version, contentType, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("x-acs-action", action)
		r.Header.Set("x-acs-version", version)
		r.Header.Set("content-type", contentType)
		req, err := Decode(r, []byte(body))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Decode returned %T, want *Error", err)
			}
			return
		}
		sent, _ := url.ParseQuery(query)
		if sent.Has("Signature") && action == "" {
			action = sent.Get("Action") // signature version 1 may name the action in the query only
		}
		if sent.Has("Signature") && version == "" {
			version = sent.Get("Version")
		}
		if req.Action != action || req.Version != version || req.Product == "" {
			t.Fatalf("decoded %+v from action %q version %q", req, action, version)
		}
		if sent.Has("Signature") {
			// Signature version 1: the protocol's own parameters are not the action's arguments.
			for k := range sent {
				if isV1Protocol(k) {
					delete(sent, k)
				}
			}
		}
		if body != "" {
			form, _ := url.ParseQuery(body)
			for k, v := range form {
				sent[k] = append(sent[k], v...)
			}
		}
		if len(sent) != len(req.Params) {
			t.Fatalf("decoded %d params from %d sent", len(req.Params), len(sent))
		}
		for k, vs := range sent {
			if len(vs) != 1 || req.Params[k] != vs[0] {
				t.Fatalf("param %q: decoded %q, sent %q", k, req.Params[k], vs)
			}
		}
	})
}
