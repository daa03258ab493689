package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/testdata/topologies"
)

// demoRegion is the sandbox topology's IPAM region.
const demoRegion = "cn-hangzhou"

// demoOptions are the flags of demo.
type demoOptions struct {
	flags       applyFlags
	outDir      string
	latency     time.Duration
	deleteDelay time.Duration
}

// newDemoCommand is `ipam-teardown demo`: the sandbox topology in an in-process emulator, destroyed end to end.
func newDemoCommand(g *globalOptions) *cobra.Command {
	o := demoOptions{flags: defaultApplyFlags(), latency: 20 * time.Millisecond, deleteDelay: 300 * time.Millisecond}
	o.flags.qps = qpsFlag{qps: 50}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Destroy a sample IPAM in an in-process emulator, end to end (no cloud account needed)",
		Long: `demo starts the emulator inside the process, loaded with the sandbox topology (an IPAM with a custom
scope, a three-level pool tree, allocations, a VPC, a share, a custom discovery and members; see
testdata/topologies/sandbox.yaml), and runs destroy --yes on its IPAM with a little latency on every
call and a Deleting window on deletions, so that the progress can be watched. It prints what a real run
prints, then checks in the emulator's state that the IPAM is gone; it exits 0 only then.

It uses the emulator's own key, never the environment's credentials, and ignores --region and
--endpoint. The plan, journal and report go to a new temporary directory unless --out-dir is given.`,
		Example: "  ipam-teardown demo\n  ipam-teardown demo --schedule levels --latency 50ms --report report.json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("demo takes no arguments, got %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), g, o)
		},
	}
	fs := cmd.Flags()
	o.flags.registerRun(fs)
	fs.StringVar(&o.outDir, "out-dir", "", "directory for the plan, journal and report (default: a new temporary directory)")
	fs.DurationVar(&o.latency, "latency", o.latency, "latency the emulator adds to every call")
	fs.DurationVar(&o.deleteDelay, "delete-delay", o.deleteDelay, "how long deleted pools, scopes and the IPAM stay Deleting")
	return cmd
}

func runDemo(ctx context.Context, g *globalOptions, o demoOptions) error {
	out, err := g.stderrLog()
	if err != nil {
		return err
	}
	log := out.Logger
	if err := o.flags.validate(); err != nil {
		return err
	}
	topo, err := topology.Parse(topologies.Sandbox(), "sandbox.yaml")
	if err != nil {
		return fmt.Errorf("demo: the embedded topology: %w", err)
	}
	srv, err := startSim(ctx, topo, simServeOptions{
		addr: "127.0.0.1:0", latency: o.latency, deleteDelay: o.deleteDelay, seed: 1,
		accessKeyID: ipamsim.DefaultAccessKeyID, accessSecret: ipamsim.DefaultAccessKeySecret,
	}, false, false)
	if err != nil {
		return err
	}
	defer srv.close(ctx)
	ipamID := srv.refs["ipam/sandbox"]
	var key cloudapi.AccessKey
	for _, c := range srv.sim.Credentials() {
		if c.Account == ipamsim.DefaultAccount {
			key = cloudapi.AccessKey{ID: c.AccessKeyID, Secret: c.AccessKeySecret}
		}
	}
	if ipamID == "" || key.ID == "" {
		return errors.New("demo: the embedded topology has no IPAM sandbox or no network account")
	}
	dir := o.outDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ipam-teardown-demo-"); err != nil {
			return err
		}
	}
	// Where the files go, as they are: --report names its own file, outside dir.
	where := func(verb, verbOne string) string {
		if o.flags.report != "" {
			return fmt.Sprintf("plan and journal %s %s, the report %s %s", verb, dir, verbOne, o.flags.report)
		}
		return fmt.Sprintf("plan, journal and report %s %s", verb, dir)
	}
	out.Infof("demo: the emulator serves the sandbox IPAM %s on %s (latency %v a call, deletions take %v); %s",
		ipamID, srv.url, o.latency, o.deleteDelay, where("go to", "goes to"))

	flags := o.flags
	flags.yes = true
	err = runDestroy(ctx, g, destroyRun{
		sel: inventory.Selector{IPAMIDs: []string{ipamID}}, flags: flags, outDir: dir,
		resume: "(none: the demo's emulator stopped with it; run the demo again, with another --out-dir or none)",
		bound:  &executor.BoundSettings{Latency: o.latency, DeleteDelay: o.deleteDelay},
		// The emulator's key goes straight into the client: the user's environment is neither read nor changed.
		client: func(ctx context.Context, qps qpsFlag) (*cloudapi.Client, error) {
			return cloudapi.New(ctx, cloudapi.Config{Region: demoRegion, Endpoint: srv.url, QPS: qps.qps, QPSAuto: qps.auto(), AccessKey: key, Logger: log})
		},
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	present, err := simHasIPAM(ctx, srv.url, ipamID)
	if err != nil {
		return fmt.Errorf("demo: checking the emulator's state: %w", err)
	}
	if present {
		return fmt.Errorf("demo: the run ended, but the IPAM %s is still in the emulator's state", ipamID)
	}
	out.Infof("demo: the IPAM %s is gone from the emulator's state; %s", ipamID, where("are in", "is in"))
	return nil
}

// simHasIPAM asks the emulator's GET /_sim/state whether the IPAM id still exists (in any status).
func simHasIPAM(ctx context.Context, url, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/_sim/state", nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET /_sim/state: %s", resp.Status)
	}
	var state struct {
		IPAMs map[string]json.RawMessage `json:"ipams"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		return false, fmt.Errorf("GET /_sim/state: %w", err)
	}
	_, ok := state.IPAMs[id]
	return ok, nil
}
