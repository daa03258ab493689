package wire

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
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
	// SecurityToken is set on temporary (Sts) credentials: every request signed with them must carry it.
	SecurityToken string
}

// CredentialSource issues credentials while the server runs: the emulator's Sts temporary credentials. The
// server asks it about every access key id its configured Credentials do not hold. Whether a credential has
// expired is the source's to decide when the request reaches it (the source keeps its own clock).
type CredentialSource interface {
	LookupCredential(accessKeyID string) (Credential, bool)
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
//
// A request signed with signature version 1 (HMAC-SHA1 over the query and form, as credentials-go's RAM role
// provider sends AssumeRole) is verified as that protocol defines it. Either way, a temporary credential must
// come with its security token (the x-acs-security-token header, or SecurityToken in a version-1 query), and a
// permanent one without any.
func (s *Server) authenticate(r *http.Request, body []byte, now time.Time) (Credential, *Error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Credential{}, Errorf(http.StatusBadRequest, "InvalidParameter", "The query string is malformed: %v.", err)
	}
	var cred Credential
	var aerr *Error
	var token string
	if signedV1(r, query) {
		cred, aerr = s.authenticateV1(r, query, body, now)
		token = query.Get("SecurityToken")
	} else {
		cred, aerr = s.authenticateACS3(r, body, now)
		token = r.Header.Get("x-acs-security-token")
	}
	if aerr != nil {
		return Credential{}, aerr
	}
	if aerr := checkSecurityToken(cred, token); aerr != nil {
		return Credential{}, aerr
	}
	return cred, nil
}

// checkSecurityToken compares the token a request carried with its credential's. The codes are the STS ones
// (UNKNOWN 111 in package ipamsim): a temporary key without its token is MissingSecurityToken, any other
// disagreement InvalidSecurityToken.MismatchWithAccessKey; both 400, which the SDK does not retry.
func checkSecurityToken(cred Credential, token string) *Error {
	switch {
	case cred.SecurityToken == "" && token == "":
		return nil
	case cred.SecurityToken != "" && token == "":
		return Errorf(http.StatusBadRequest, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
	case subtle.ConstantTimeCompare([]byte(cred.SecurityToken), []byte(token)) != 1:
		return Errorf(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
	}
	return nil
}

// lookup finds the credential of an access key id: a permanent key of the configuration, else a temporary one
// the credential source issued.
func (s *Server) lookup(keyID string) (Credential, bool) {
	if c, ok := s.creds[keyID]; ok {
		return c, true
	}
	if s.source != nil {
		return s.source.LookupCredential(keyID)
	}
	return Credential{}, false
}

// authenticateV1 verifies a signature-version-1 request: the signature is the base64 HMAC-SHA1, keyed with
// secret+"&", of METHOD&%2F&percent(canonical query), where the canonical query holds every query and form
// parameter but Signature, sorted, each name and value percent-encoded (RFC 3986).
func (s *Server) authenticateV1(r *http.Request, query url.Values, body []byte, now time.Time) (Credential, *Error) {
	if m := query.Get("SignatureMethod"); m != "HMAC-SHA1" {
		return Credential{}, errIncompleteSignature("The signature method %q is not supported; use HMAC-SHA1.", m)
	}
	if v := query.Get("SignatureVersion"); v != "1.0" {
		return Credential{}, errIncompleteSignature("The signature version %q is not supported; use 1.0.", v)
	}
	keyID := query.Get("AccessKeyId")
	if keyID == "" {
		return Credential{}, errIncompleteSignature("The AccessKeyId parameter is required.")
	}
	cred, ok := s.lookup(keyID)
	if !ok {
		return Credential{}, Errorf(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	date, err := time.Parse(dateLayout, query.Get("Timestamp"))
	if err != nil {
		return Credential{}, Errorf(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	if d := now.Sub(date); d > maxSkew || d < -maxSkew {
		return Credential{}, Errorf(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	signed := url.Values{}
	for k, vs := range query {
		if k != "Signature" {
			signed[k] = vs
		}
	}
	if len(body) > 0 {
		// Decode already refused a body that is not a well-formed form.
		form, _ := url.ParseQuery(string(body))
		for k, vs := range form {
			signed[k] = append(signed[k], vs...)
		}
	}
	canonical := percentEncode(signed.Encode())
	stringToSign := r.Method + "&%2F&" + url.QueryEscape(canonical)
	mac := hmac.New(sha1.New, []byte(cred.AccessKeySecret+"&"))
	mac.Write([]byte(stringToSign))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(query.Get("Signature"))) {
		return Credential{}, Errorf(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
	}
	nonce := query.Get("SignatureNonce")
	if nonce == "" {
		return Credential{}, Errorf(http.StatusBadRequest, "MissingSignatureNonce", "The SignatureNonce parameter is required.")
	}
	if !s.useNonce(keyID+"/"+nonce, now) {
		return Credential{}, Errorf(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	return cred, nil
}

// percentEncode turns url.Values.Encode output into the RFC 3986 form the signature uses.
func percentEncode(s string) string {
	s = strings.ReplaceAll(s, "+", "%20")
	s = strings.ReplaceAll(s, "*", "%2A")
	return strings.ReplaceAll(s, "%7E", "~")
}

// authenticateACS3 verifies an ACS3-HMAC-SHA256 signed request (see authenticate).
func (s *Server) authenticateACS3(r *http.Request, body []byte, now time.Time) (Credential, *Error) {
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
	cred, ok := s.lookup(keyID)
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
