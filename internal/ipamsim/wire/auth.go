package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Credential is one access key the emulator accepts, and the account it belongs to.
type Credential struct {
	AccessKeyID     string
	AccessKeySecret string
	Account         string
}

const (
	signatureAlgorithm = "ACS3-HMAC-SHA256"
	// maxSkew is how far x-acs-date may be from the emulator's clock. The service documents a 15-minute window.
	maxSkew = 15 * time.Minute
	// dateLayout is the SDK's x-acs-date format (openapi utils GetTimestamp).
	dateLayout = "2006-01-02T15:04:05Z"
)

// Error codes for authentication failures, as the OpenAPI gateway answers them. Where the reference is silent
// the emulator uses the gateway's public error catalogue; every failure is a 4xx the SDK does not retry.
func errIncompleteSignature(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "IncompleteSignature", format, args...)
}

// authenticate verifies an ACS3-HMAC-SHA256 signed request and returns the credential that signed it. It
// recomputes the canonical request exactly as darabonba-openapi's GetAuthorization builds it: method, path,
// canonical query (sorted, values escaped), the canonical headers named in SignedHeaders, the signed header list,
// and x-acs-content-sha256, which must itself be the SHA-256 of the body.
func (s *Server) authenticate(r *http.Request, body []byte, now time.Time) (Credential, *Error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Credential{}, Errorf(http.StatusBadRequest, "MissingAuthorization", "The Authorization header is required; sign the request with ACS3-HMAC-SHA256.")
	}
	alg, rest, ok := strings.Cut(auth, " ")
	if !ok || alg != signatureAlgorithm {
		return Credential{}, errIncompleteSignature("The signature algorithm %q is not supported; use %s.", alg, signatureAlgorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Credential{}, errIncompleteSignature("The Authorization header is malformed near %q.", part)
		}
		fields[k] = v
	}
	keyID, signedHeaders, signature := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if keyID == "" || signedHeaders == "" || signature == "" {
		return Credential{}, errIncompleteSignature("The Authorization header must carry Credential, SignedHeaders and Signature.")
	}
	cred, ok := s.creds[keyID]
	if !ok {
		return Credential{}, Errorf(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}

	headers := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(headers) {
		return Credential{}, errIncompleteSignature("SignedHeaders must be sorted.")
	}
	// The parts of the request that decide what it does must be signed, so that nobody can replay a signature
	// with another action, version, date or nonce.
	for _, must := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		if _, found := sort.Find(len(headers), func(i int) int { return strings.Compare(must, headers[i]) }); !found {
			return Credential{}, errIncompleteSignature("The header %s must be signed.", must)
		}
	}

	date, err := time.Parse(dateLayout, r.Header.Get("x-acs-date"))
	if err != nil {
		return Credential{}, Errorf(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	if d := now.Sub(date); d > maxSkew || d < -maxSkew {
		return Credential{}, Errorf(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}

	sum := sha256.Sum256(body)
	if got := r.Header.Get("x-acs-content-sha256"); !strings.EqualFold(got, hex.EncodeToString(sum[:])) {
		return Credential{}, Errorf(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation: x-acs-content-sha256 is not the hash of the body.")
	}

	canonical := r.Method + "\n" + canonicalURI(r.URL.EscapedPath()) + "\n" + canonicalQuery(r.URL.Query()) + "\n" +
		canonicalHeaders(r, headers) + "\n" + signedHeaders + "\n" + r.Header.Get("x-acs-content-sha256")
	hashed := sha256.Sum256([]byte(canonical))
	stringToSign := signatureAlgorithm + "\n" + hex.EncodeToString(hashed[:])
	mac := hmac.New(sha256.New, []byte(cred.AccessKeySecret))
	mac.Write([]byte(stringToSign))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(signature))) {
		return Credential{}, Errorf(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
	}

	// A nonce is accepted once within the date window; older nonces are forgotten with the window.
	nonce := r.Header.Get("x-acs-signature-nonce")
	if nonce == "" {
		return Credential{}, Errorf(http.StatusBadRequest, "MissingSignatureNonce", "The x-acs-signature-nonce header is required.")
	}
	if !s.useNonce(keyID+"/"+nonce, now) {
		return Credential{}, Errorf(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	return cred, nil
}

func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// canonicalQuery mirrors the SDK: keys sorted, each value query-escaped with '+' as %20, '*' as %2A, '~' kept.
func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		if v := q.Get(k); v != "" {
			b.WriteString(url.QueryEscape(v))
		}
	}
	out := strings.ReplaceAll(b.String(), "+", "%20")
	out = strings.ReplaceAll(out, "*", "%2A")
	return strings.ReplaceAll(out, "%7E", "~")
}

func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			for _, v := range r.Header.Values(name) {
				vals = append(vals, strings.TrimSpace(v))
			}
		}
		sort.Strings(vals)
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}
