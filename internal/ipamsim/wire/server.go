package wire

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Config configures a Server.
type Config struct {
	Backend     Backend
	Credentials []Credential
	Source      CredentialSource // temporary credentials; nil: only Credentials are accepted
	Faults      []FaultRule
	Seed        int64            // decides which calls the fault ratios hit
	Now         func() time.Time // the clock for x-acs-date checks, QPS caps and the call log; default time.Now
}

// Call is one request as the emulator saw it, for GET /_sim/calls and tests.
type Call struct {
	Seq       int               `json:"seq"`
	Account   string            `json:"account,omitempty"` // empty when the request was refused before authentication
	Product   string            `json:"product,omitempty"`
	Version   string            `json:"version,omitempty"`
	Action    string            `json:"action,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	DryRun    bool              `json:"dry_run"`
	Status    int               `json:"status"`
	Code      string            `json:"code,omitempty"` // empty on success
	RequestID string            `json:"request_id"`
	Start     time.Time         `json:"start"`
	End       time.Time         `json:"end"`
}

// Server is the emulator's HTTP front end. It is safe for concurrent use.
type Server struct {
	backend Backend
	creds   map[string]Credential
	source  CredentialSource
	seed    int64
	now     func() time.Time

	mu       sync.Mutex
	faults   []FaultRule
	calls    []Call
	counters map[string]uint64        // per account/action call counter for fault draws
	limiters map[string]*rate.Limiter // per account (and rule) QPS caps
	nonces   map[string]time.Time     // nonce -> when it was used
}

// NewServer builds a Server for a backend and the credentials it accepts.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("wire: Config.Backend is nil")
	}
	s := &Server{
		backend:  cfg.Backend,
		creds:    map[string]Credential{},
		source:   cfg.Source,
		seed:     cfg.Seed,
		now:      cfg.Now,
		counters: map[string]uint64{},
		limiters: map[string]*rate.Limiter{},
		nonces:   map[string]time.Time{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i, c := range cfg.Credentials {
		if c.AccessKeyID == "" || c.AccessKeySecret == "" || c.Account == "" {
			return nil, fmt.Errorf("wire: Config.Credentials[%d]: access key id, secret and account are all required", i)
		}
		if _, dup := s.creds[c.AccessKeyID]; dup {
			return nil, fmt.Errorf("wire: Config.Credentials[%d]: access key id %q is listed twice", i, c.AccessKeyID)
		}
		s.creds[c.AccessKeyID] = c
	}
	s.SetFaults(cfg.Faults)
	return s, nil
}

// SetFaults replaces the fault rules; the per-call counters and QPS buckets start afresh.
func (s *Server) SetFaults(rules []FaultRule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append([]FaultRule(nil), rules...)
	s.counters = map[string]uint64{}
	s.limiters = map[string]*rate.Limiter{}
}

// Calls returns a copy of the call log in arrival order. The log keeps every call of the server's life, which
// is what tests assert on; a long-running `sim serve` holds it in memory.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	copy(out, s.calls)
	return out
}

// ServeHTTP answers the API and the /_sim introspection endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_sim/state":
		dumper, ok := s.backend.(StateDumper)
		if !ok || r.Method != http.MethodGet {
			http.Error(w, "not available", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, dumper.DumpState())
		return
	case "/_sim/calls":
		if r.Method != http.MethodGet {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		writeJSON(w, http.StatusOK, s.Calls())
		return
	}
	s.serveAPI(w, r)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	call := Call{Start: s.now(), RequestID: newRequestID()}
	status, body := s.handle(r, &call)
	call.Status = status
	call.End = s.now()
	if status >= 400 {
		if m, ok := body.(map[string]any); ok {
			call.Code, _ = m["Code"].(string)
		}
	}
	s.mu.Lock()
	call.Seq = len(s.calls) + 1
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	w.Header().Set("x-acs-request-id", call.RequestID)
	writeJSON(w, status, body)
}

// handle runs one API request and returns the status and body to answer with, filling call as it learns.
func (s *Server) handle(r *http.Request, call *Call) (int, any) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return s.errorBody(r, call, Errorf(http.StatusBadRequest, "InvalidParameter", "The request body cannot be read: %v.", err))
	}
	if len(body) > maxBody {
		return s.errorBody(r, call, Errorf(http.StatusRequestEntityTooLarge, "RequestTooLarge", "The request body exceeds %d bytes.", maxBody))
	}
	req, err := Decode(r, body)
	if err != nil {
		return s.errorBody(r, call, err)
	}
	call.Product, call.Version, call.Action = req.Product, req.Version, req.Action
	call.Params = map[string]string(req.Params)
	call.DryRun = req.DryRun()

	cred, aerr := s.authenticate(r, body, s.now())
	if aerr != nil {
		return s.errorBody(r, call, aerr)
	}
	call.Account = cred.Account
	req.Account, req.AccessKey, req.RequestID, req.Received = cred.Account, cred.AccessKeyID, call.RequestID, call.Start

	if ferr := s.injectFaults(r.Context(), cred.Account, req.Action); ferr != nil {
		return s.errorBody(r, call, ferr)
	}

	out, err := s.backend.Serve(r.Context(), req)
	if err != nil {
		return s.errorBody(r, call, err)
	}
	return http.StatusOK, withRequestID(out, call.RequestID)
}

// injectFaults applies the matching rules: it sleeps for their latency (or until ctx ends), then decides
// whether the call is throttled or fails. A faulted call never reaches the backend, so it has no effect.
func (s *Server) injectFaults(ctx context.Context, account, action string) *Error {
	s.mu.Lock()
	key := account + "\x00" + action
	n := s.counters[key]
	s.counters[key] = n + 1
	var delay time.Duration
	var verdict *Error
	now := s.now()
	for i, f := range s.faults {
		if !f.matches(account, action) {
			continue
		}
		delay += f.Latency
		if f.Jitter > 0 {
			delay += time.Duration(draw(s.seed, account, action, n, fmt.Sprint("jitter", i)) * float64(f.Jitter))
		}
		if verdict != nil {
			continue
		}
		if f.QPS > 0 {
			lkey := fmt.Sprintf("%d\x00%s", i, account)
			lim := s.limiters[lkey]
			if lim == nil {
				lim = rate.NewLimiter(rate.Limit(f.QPS), int(math.Max(1, math.Ceil(f.QPS))))
				s.limiters[lkey] = lim
			}
			if !lim.AllowN(now, 1) {
				verdict = errThrottled()
				continue
			}
		}
		if f.Throttle > 0 && draw(s.seed, account, action, n, fmt.Sprint("throttle", i)) < f.Throttle {
			verdict = errThrottled()
			continue
		}
		if f.Error > 0 && draw(s.seed, account, action, n, fmt.Sprint("error", i)) < f.Error {
			if draw(s.seed, account, action, n, fmt.Sprint("kind", i)) < 0.5 {
				verdict = Errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
			} else {
				verdict = Errorf(http.StatusInternalServerError, "InternalError", "The request processing has failed due to some unknown error, exception or failure.")
			}
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return Errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "The client went away: %v.", ctx.Err())
		}
	}
	return verdict
}

// errThrottled is flow control as the gateway answers it. Its HTTP status is UNKNOWN for this product
// (reference section 9); the emulator answers 400, which is what the gateway uses for Throttling.User, and which
// is the stricter choice: a client must recognise throttling by its code, not by a 429/503 status.
func errThrottled() *Error {
	return Errorf(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
}

// useNonce records a nonce and reports whether it was fresh. Nonces older than the date window are forgotten:
// a request that old is refused for its date anyway.
func (s *Server) useNonce(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.nonces[key]; seen {
		return false
	}
	if len(s.nonces) > 4096 {
		for k, t := range s.nonces {
			if now.Sub(t) > 2*maxSkew {
				delete(s.nonces, k)
			}
		}
	}
	s.nonces[key] = now
	return true
}

func (s *Server) errorBody(r *http.Request, call *Call, err error) (int, any) {
	var e *Error
	if !errors.As(err, &e) {
		e = Errorf(http.StatusInternalServerError, "InternalError", "The request processing has failed due to some unknown error, exception or failure.")
	}
	product := call.Product
	if product == "" {
		product = "Vpc"
	}
	body := map[string]any{
		"RequestId": call.RequestID,
		"HostId":    r.Host,
		"Code":      e.Code,
		"Message":   e.Message,
		"Recommend": fmt.Sprintf("https://api.aliyun.com/troubleshoot?q=%s&product=%s&requestId=%s", e.Code, product, call.RequestID),
	}
	if e.AccessDeniedDetail != nil {
		body["AccessDeniedDetail"] = e.AccessDeniedDetail
	}
	return e.Status, body
}

// withRequestID adds RequestId to a backend's answer, which must marshal to a JSON object.
func withRequestID(out any, id string) any {
	if m, ok := out.(map[string]any); ok {
		c := make(map[string]any, len(m)+1)
		for k, v := range m {
			c[k] = v
		}
		c["RequestId"] = id
		return c
	}
	if out == nil {
		return map[string]any{"RequestId": id}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return map[string]any{"RequestId": id}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return map[string]any{"RequestId": id}
	}
	m["RequestId"], _ = json.Marshal(id)
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"Code":"InternalError","Message":"the emulator could not encode its answer"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// newRequestID returns an uppercase UUID (version 4), the shape of Alibaba request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}
