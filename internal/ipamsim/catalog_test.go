package ipamsim

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// notServed lists the catalogue actions the emulator does not serve, and why. The tool knows them (cloudapi
// has typed calls for them) but neither inventory, plan nor apply calls them, so a test of the tool never
// needs them. An entry that the emulator starts to serve fails TestDispatchMatchesCatalogue, so the list
// cannot go stale.
func notServed() map[string]string {
	return map[string]string{
		wire.ProductVpcIpam + ":ListIpamResourceCidrs":   "the resources a scope sees; no teardown decision reads them",
		wire.ProductVpcIpam + ":GetVpcIpamServiceStatus": "whether IPAM is enabled for the account; the emulator always is",
		wire.ProductVpcIpam + ":OpenVpcIpamService":      "enables IPAM for the account; the emulator always is",
	}
}

// TestDispatchMatchesCatalogue: the emulator's dispatch table and internal/catalog name the same actions of
// the same products, apart from the ones notServed lists. A teardown action the catalogue adds must be
// emulated before a plan can carry it; an action the emulator adds must be catalogued.
func TestDispatchMatchesCatalogue(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	skip := notServed()
	products := []string{wire.ProductVpcIpam, wire.ProductResourceSharing, wire.ProductVpc, wire.ProductSts}
	for _, p := range products {
		if catalog.Version(p) == "" {
			t.Errorf("the catalogue does not know the emulator's product %s", p)
		}
	}
	catalogued := map[string]bool{}
	for _, a := range catalog.All() {
		if !slices.Contains(products, a.Product) {
			t.Errorf("%s: product %s is not one the emulator serves", a.Name, a.Product)
			continue
		}
		key := a.Product + ":" + a.Name
		catalogued[key] = true
		_, served := s.handlers[key]
		reason, skipped := skip[key]
		switch {
		case !served && !skipped:
			t.Errorf("%s is in the catalogue but the emulator does not dispatch it", key)
		case served && skipped:
			t.Errorf("%s is dispatched now; remove it from notServed (%q)", key, reason)
		}
	}
	for key := range skip {
		if !catalogued[key] {
			t.Errorf("notServed lists %s, which the catalogue does not hold", key)
		}
	}
	for key := range s.handlers {
		if !catalogued[key] {
			t.Errorf("the emulator dispatches %s, which the catalogue does not hold", key)
		}
	}
}

// TestDryRunMatchesCatalogue: for every mutating action the emulator serves, DryRun=true is refused with 400
// InvalidParameter.DryRun (UNKNOWN 110 in doc.go) exactly when the catalogue says the action takes no DryRun;
// an action that takes one goes on to check its parameters. Either way nothing changes. Calls go through
// Invoke, the path every request takes after the wire layer.
func TestDryRunMatchesCatalogue(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	build(t, s) // some state, so that "nothing changes" says something
	for _, a := range catalog.All() {
		if !a.Mutating {
			continue
		}
		if _, served := s.handlers[a.Product+":"+a.Name]; !served {
			continue // TestDispatchMatchesCatalogue reports it
		}
		t.Run(a.Name, func(t *testing.T) {
			before := dump(t, s)
			// No other parameter: a dry run that takes DryRun fails on a missing one, never on DryRun itself.
			_, err := s.Invoke(context.Background(), owner, a.Product, a.Name, p("RegionId", hz, "DryRun", "true"))
			var e *wire.Error
			if !errors.As(err, &e) {
				t.Fatalf("DryRun=true answered %v, want an API error", err)
			}
			refused := e.Code == "InvalidParameter.DryRun"
			switch {
			case a.DryRun && refused:
				t.Errorf("refused DryRun (%s), but the catalogue says %s takes it", e.Message, a.Name)
			case !a.DryRun && !refused:
				t.Errorf("answered %d %s, want 400 InvalidParameter.DryRun: the catalogue says %s takes no DryRun", e.Status, e.Code, a.Name)
			case refused && e.Status != http.StatusBadRequest:
				t.Errorf("InvalidParameter.DryRun with HTTP %d, want 400", e.Status)
			}
			if after := dump(t, s); !bytes.Equal(before, after) {
				t.Errorf("a dry run changed the state")
			}
		})
	}
}
