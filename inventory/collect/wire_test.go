package collect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

// bareTopology has an IPAM whose public scope holds no pool and whose one pool has no CIDR and no
// allocation, in cn-hangzhou; cn-shanghai holds nothing at all. Between them every listing Collect makes
// answers empty at least once.
const bareTopology = `
accounts:
  - id: "1000000000000001"
    ipams:
      - name: bare
        region: cn-hangzhou
        scopes:
          - name: bare-scope
        pools:
          - name: bare-pool
            scope: scope/bare-scope
`

// recorder is a reverse proxy in front of the emulator that keeps every answer body, by action.
type recorder struct {
	mu  sync.Mutex
	raw map[string][]map[string]json.RawMessage
}

func (r *recorder) keep(resp *http.Response) error {
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	action := resp.Request.Header.Get("x-acs-action")
	r.mu.Lock()
	r.raw[action] = append(r.raw[action], m)
	r.mu.Unlock()
	return nil
}

// readLog is collect.API over the real client that keeps what Read returned, by action.
type readLog struct {
	*cloudapi.Client
	mu   sync.Mutex
	read map[string][]map[string]any
}

func (l *readLog) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	out, err := l.Client.Read(ctx, call)
	if err == nil {
		l.mu.Lock()
		l.read[call.Action] = append(l.read[call.Action], out)
		l.mu.Unlock()
	}
	return out, err
}

// TestWireEmptyListsKeepTheirKey is the ground for failing on a missing list key: on the wire the emulator
// sends an empty listing's key with [] (as the service documents every list field), and cloudapi hands the
// whole answer body over, so the key survives on both paths, the typed one (whose SDK models might drop an
// empty list) and the generic one (discoveries, associations, members, shares). An empty collection
// therefore succeeds, and an absent key can only mean the API changed.
func TestWireEmptyListsKeepTheirKey(t *testing.T) {
	topo, err := topology.Parse([]byte(bareTopology), "bare.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := newSim(t, topo)
	hs := simtest.Serve(t, sim)
	target, err := url.Parse(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{raw: map[string][]map[string]json.RawMessage{}}
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the host the client signed
		},
		ModifyResponse: rec.keep,
	})
	t.Cleanup(proxy.Close)
	hs.SetCredentialsEnv(t, owner)

	logs := &readLog{read: map[string][]map[string]any{}}
	for _, region := range []string{hangzhou, "cn-shanghai"} {
		c, err := cloudapi.New(context.Background(), cloudapi.Config{Region: region, Endpoint: proxy.URL, QPS: -1, Logger: zerolog.Nop(),
			RetryInitial: time.Millisecond, RetryMax: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		logs.Client = c
		snap, err := collect.Collect(context.Background(), logs, inventory.Selector{All: true}, collect.Options{})
		if err != nil {
			t.Fatalf("%s: Collect: %v", region, err)
		}
		if region == hangzhou && (len(snap.IPAMs) != 1 || len(snap.IPAMs[0].Pools) != 1) {
			t.Fatalf("%s: IPAMs %+v", region, snap.IPAMs)
		}
		if region != hangzhou && len(snap.IPAMs) != 0 {
			t.Fatalf("%s: IPAMs %+v", region, snap.IPAMs)
		}
	}
	// Scopes and discovery associations are never empty for an IPAM that exists: ask for another's.
	for _, action := range []string{"ListIpamScopes", "ListIpamResourceDiscoveryAssociations"} {
		if _, err := logs.Read(context.Background(), cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: action,
			Params: map[string]string{"IpamId": "ipam-doesnotexist"}}); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}

	actions := make([]string, 0, len(listingKeys))
	for action := range listingKeys {
		actions = append(actions, action)
	}
	slices.Sort(actions)
	for _, action := range actions {
		key := listingKeys[action]
		raws, reads := rec.raw[action], logs.read[action]
		if len(raws) == 0 || len(raws) != len(reads) {
			t.Errorf("%s: %d answers on the wire, %d read", action, len(raws), len(reads))
			continue
		}
		// Listings run in parallel: pair each answer on the wire with the one read by its RequestId.
		byRequest := map[string]map[string]any{}
		for _, r := range reads {
			byRequest[cloudapi.String(r["RequestId"])] = r
		}
		empty := 0
		for _, raw := range raws {
			v, ok := raw[key]
			if !ok {
				t.Errorf("%s: the emulator sent an answer without %s: %v", action, key, raw)
				continue
			}
			var id string
			if err := json.Unmarshal(raw["RequestId"], &id); err != nil || byRequest[id] == nil {
				t.Errorf("%s: no read answer with the wire's RequestId %s", action, raw["RequestId"])
				continue
			}
			got, ok := byRequest[id][key]
			if !ok {
				t.Errorf("%s: cloudapi dropped %s (the wire had %s)", action, key, v)
				continue
			}
			if string(v) == "[]" {
				empty++
				if arr, ok := got.([]any); !ok || len(arr) != 0 {
					t.Errorf("%s: wire %s: [], read as %#v", action, key, got)
				}
			}
		}
		if empty == 0 {
			t.Errorf("%s: no empty answer on the wire; the test does not show what an empty %s looks like", action, key)
		}
		t.Logf("%s: %d answer(s), %d empty, each with %s", action, len(raws), empty, key)
	}
}
