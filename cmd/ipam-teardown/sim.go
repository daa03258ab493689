package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

func newSimCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the local VPC IPAM emulator, or generate topologies for it",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newSimServeCommand(g), newSimGenerateCommand(g))
	return cmd
}

func newSimGenerateCommand(g *globalOptions) *cobra.Command {
	var o topology.GenerateOptions
	var out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a generated topology of the requested size as YAML",
		Long: `Write a valid topology with balanced pool trees: --pools pools in trees of --depth levels with
--fan-out sub-pools each, --allocations-per-pool custom allocations in every pool, CIDRs carved inside
their parents. The same flags always give the same bytes.`,
		Example: `  ipam-teardown sim generate --pools 2000 --depth 3 --fan-out 10 --allocations-per-pool 3 -o big.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFiles(fileUse{"-o", out, fileOutput}); err != nil {
				return err
			}
			topo, err := topology.Generate(o)
			if err != nil {
				return usageError{err}
			}
			data, err := topology.Marshal(topo)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = g.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return fmt.Errorf("-o: %w", err)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&o.Pools, "pools", 100, "number of pools")
	fs.IntVar(&o.Depth, "depth", 3, "levels of each pool tree (1-10)")
	fs.IntVar(&o.FanOut, "fan-out", 4, "sub-pools of each pool above the last level (1-50)")
	fs.IntVar(&o.AllocationsPerPool, "allocations-per-pool", 0, "custom allocations in every pool (0-64)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the CIDR layout and the tags")
	fs.BoolVar(&o.Skew, "skew", false, "skewed shape: one chain of --depth pools beside shallow trees of two levels and --fan-out sub-pools")
	fs.BoolVar(&o.Shared, "shared", false, "add a consumer account with the top-level pools shared to it, one VPC in each")
	fs.StringVarP(&out, "output", "o", "", "file to write (default: stdout)")
	return cmd
}

// simServeOptions are the flags of sim serve.
type simServeOptions struct {
	addr         string
	topology     string
	latency      time.Duration
	jitter       time.Duration
	throttle     float64
	errorRate    float64
	qps          float64
	faults       []string
	seed         int64
	deleteDelay  time.Duration
	delayTail    string // --delete-delay-tail, "RATIOxFACTOR"
	accessKeyID  string
	accessSecret string
	tlsAddr      string // a second listener, over HTTPS, when tlsCert is set
	tlsCert      string // where its self-signed certificate is written
}

func newSimServeCommand(g *globalOptions) *cobra.Command {
	var o simServeOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the VPC IPAM emulator over HTTP, optionally loaded with a topology",
		Long: `Serve the emulator of VpcIpam 2023-02-28, the Resource Sharing calls and the Vpc calls the tool uses,
speaking the SDK's signed wire protocol. The first line on stdout is "listening on http://ADDR"; the
accounts, their access key ids and the id of everything the topology names (ipam/NAME, pool/NAME,
scope/NAME, ...: testdata/topologies/README.md lists them) follow on stderr. It serves until
interrupted.

The first account's key is sim-access-key / sim-secret unless the topology or --access-key-id and
--access-key-secret say otherwise. Point the tool at it with --endpoint and those keys in
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET.

Faults are seeded and reproducible: the same --seed and the same calls give the same faults. --latency,
--jitter, --throttle, --error-rate and --qps apply to every call; --fault adds a rule with the keys
throttle, error, latency, jitter, qps, action and account (repeatable).`,
		Example: `  ipam-teardown sim serve --topology testdata/topologies/sandbox.yaml
  ipam-teardown sim serve --addr 127.0.0.1:8080 --latency 20ms --throttle 0.2 --fault error=0.5,action=DeleteIpamPool
  ipam-teardown sim serve --topology big.yaml --qps 20 --delete-delay 2s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimServe(cmd.Context(), g, o, cmd.Flags().Changed("access-key-id"), cmd.Flags().Changed("access-key-secret"))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&o.topology, "topology", "", "topology YAML to load (default: an empty emulator with one account)")
	fs.DurationVar(&o.latency, "latency", 0, "latency added to every call")
	fs.DurationVar(&o.jitter, "jitter", 0, "uniform extra latency in [0, jitter) per call")
	fs.Float64Var(&o.throttle, "throttle", 0, "ratio of calls answered 400 Throttling.User (0-1)")
	fs.Float64Var(&o.errorRate, "error-rate", 0, "ratio of calls answered 503 ServiceUnavailable or 500 InternalError (0-1)")
	fs.Float64Var(&o.qps, "qps", 0, "calls per second per account above which calls are throttled (0: no cap)")
	fs.StringArrayVar(&o.faults, "fault", nil, "fault rule, e.g. throttle=0.3,action=DeleteIpamPool (repeatable)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the fault draws and of the emulator's ids")
	fs.DurationVar(&o.deleteDelay, "delete-delay", 0, "Deleting window of pools, scopes, IPAMs and share disassociations (0: synchronous)")
	fs.StringVar(&o.delayTail, "delete-delay-tail", "", "heavy tail of --delete-delay as RATIOxFACTOR: 0.1x10 makes one delete in ten take ten times the delay, drawn under --seed")
	fs.StringVar(&o.accessKeyID, "access-key-id", ipamsim.DefaultAccessKeyID, "access key id of the first account")
	fs.StringVar(&o.accessSecret, "access-key-secret", ipamsim.DefaultAccessKeySecret, "access key secret of the first account")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "also serve over HTTPS, writing the self-signed certificate to `FILE` (trust it with SSL_CERT_FILE=FILE); for Sts AssumeRole, which credentials-go sends only over HTTPS")
	fs.StringVar(&o.tlsAddr, "tls-addr", "127.0.0.1:0", "address of the HTTPS listener (with --tls-cert)")
	return cmd
}

// faultRules turns the fault flags into the wire layer's rules; a bad value names its flag.
func (o simServeOptions) faultRules() ([]wire.FaultRule, error) {
	global := wire.FaultRule{Latency: o.latency, Jitter: o.jitter, Throttle: o.throttle, Error: o.errorRate, QPS: o.qps}
	for _, c := range []struct {
		flag string
		bad  bool
	}{
		{"--latency", o.latency < 0}, {"--jitter", o.jitter < 0},
		{"--throttle", o.throttle < 0 || o.throttle > 1}, {"--error-rate", o.errorRate < 0 || o.errorRate > 1},
		{"--qps", o.qps < 0}, {"--delete-delay", o.deleteDelay < 0},
	} {
		if c.bad {
			return nil, usagef("%s: out of range (ratios are 0-1, durations and --qps not negative)", c.flag)
		}
	}
	var rules []wire.FaultRule
	if global != (wire.FaultRule{}) {
		rules = append(rules, global)
	}
	for _, spec := range o.faults {
		r, err := wire.ParseFault(spec)
		if err != nil {
			return nil, usagef("--fault: %v", err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// parseDelayTail reads --delete-delay-tail: "" is none, else RATIOxFACTOR with the ratio in (0, 1] and the
// factor at least 1.
func parseDelayTail(s string) (ipamsim.DeleteDelayTail, error) {
	if s == "" {
		return ipamsim.DeleteDelayTail{}, nil
	}
	ratio, factor, ok := strings.Cut(s, "x")
	var t ipamsim.DeleteDelayTail
	var err1, err2 error
	t.Ratio, err1 = strconv.ParseFloat(ratio, 64)
	t.Factor, err2 = strconv.ParseFloat(factor, 64)
	if !ok || err1 != nil || err2 != nil {
		return t, usagef("--delete-delay-tail %q: want RATIOxFACTOR, e.g. 0.1x10", s)
	}
	if err := t.Validate(); err != nil {
		return t, usagef("--delete-delay-tail %q: %v", s, err)
	}
	return t, nil
}

func runSimServe(ctx context.Context, g *globalOptions, o simServeOptions, keyIDSet, secretSet bool) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	if err := checkFiles(fileUse{"--topology", o.topology, fileInput}, fileUse{"--tls-cert", o.tlsCert, fileOutput}); err != nil {
		return err
	}
	var topo *topology.Topology
	if o.topology != "" {
		if topo, err = topology.Load(o.topology); err != nil {
			return usagef("--topology: %w", err)
		}
	}
	srv, err := startSim(ctx, topo, o, keyIDSet, secretSet)
	if err != nil {
		return err
	}
	// The contract: this is the first line on stdout, so a script can wait for it and read the address.
	if _, err := fmt.Fprintf(g.stdout, "listening on %s\n", srv.url); err != nil {
		srv.close(ctx)
		return err
	}
	for _, c := range srv.sim.Credentials() {
		// Key ids only: secrets never reach a log.
		log.Info().Str("account", c.Account).Str("access_key_id", c.AccessKeyID).Msg("sim serve: account")
	}
	// Every name the topology gives, with its id (ipam/NAME, pool/NAME, ...): what a reader passes to
	// --ipam or --exclude. Sorted, so that the IPAMs and their pools come together.
	for _, ref := range slices.Sorted(maps.Keys(srv.refs)) {
		log.Info().Str("ref", ref).Str("id", srv.refs[ref]).Msg("sim serve: topology")
	}
	if srv.tlsURL != "" {
		log.Info().Str("url", srv.tlsURL).Str("certificate", o.tlsCert).Msg("sim serve: also over HTTPS; trust it with SSL_CERT_FILE, give the host to cleanup --sts-endpoint")
	}
	log.Info().Int("faults", srv.faults).Int64("seed", o.seed).Dur("delete_delay_ms", o.deleteDelay).Msg("sim serve: ready; interrupt to stop")

	select {
	case err := <-srv.done:
		return err
	case <-ctx.Done():
	}
	if err := srv.close(ctx); err != nil {
		return err
	}
	log.Info().Msg("sim serve: stopped")
	return nil
}

// simServer is the emulator behind an HTTP listener: what sim serve and demo run.
type simServer struct {
	url    string // http://ADDR
	tlsURL string // https://ADDR; "" without --tls-cert
	sim    *ipamsim.Sim
	refs   topology.Refs // topology names to ids; nil without a topology
	faults int           // the number of fault rules
	hs     *http.Server
	tls    *http.Server // nil without --tls-cert
	done   chan error   // Serve's result
}

// startSim builds the emulator, from topo or empty when topo is nil, with the keys and faults of o, and serves
// it on o.addr. The first account's key comes from o when keyIDSet/secretSet say the flags were given, or
// when the topology names none. Bad options are usage errors naming their flag.
func startSim(ctx context.Context, topo *topology.Topology, o simServeOptions, keyIDSet, secretSet bool) (*simServer, error) {
	if o.accessKeyID == "" || o.accessSecret == "" {
		return nil, usagef("--access-key-id and --access-key-secret must not be empty")
	}
	faults, err := o.faultRules()
	if err != nil {
		return nil, err
	}
	tail, err := parseDelayTail(o.delayTail)
	if err != nil {
		return nil, err
	}
	simOpts := ipamsim.Options{DeleteDelay: o.deleteDelay, DeleteDelayTail: tail, IDSeed: o.seed}
	var sim *ipamsim.Sim
	var refs topology.Refs
	if topo == nil {
		simOpts.Accounts = []ipamsim.Account{{ID: ipamsim.DefaultAccount, AccessKeyID: o.accessKeyID, AccessKeySecret: o.accessSecret}}
		if sim, err = ipamsim.New(simOpts); err != nil {
			return nil, err
		}
	} else {
		if len(topo.Accounts) > 0 {
			if keyIDSet || topo.Accounts[0].AccessKeyID == "" {
				topo.Accounts[0].AccessKeyID = o.accessKeyID
			}
			if secretSet || topo.Accounts[0].AccessKeySecret == "" {
				topo.Accounts[0].AccessKeySecret = o.accessSecret
			}
		}
		if sim, refs, err = topology.Build(ctx, topo, simOpts); err != nil {
			return nil, usagef("--topology: %w", err)
		}
	}
	handler, err := sim.Handler(faults, o.seed)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, usagef("--addr: %w", err)
	}
	s := &simServer{
		url: "http://" + ln.Addr().String(), sim: sim, refs: refs, faults: len(faults),
		hs:   &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.hs.Serve(ln) }()
	if o.tlsCert != "" {
		cfg, err := selfSignedTLS(o.tlsCert)
		if err != nil {
			s.close(ctx)
			return nil, err
		}
		tln, err := net.Listen("tcp", o.tlsAddr)
		if err != nil {
			s.close(ctx)
			return nil, usagef("--tls-addr: %w", err)
		}
		s.tlsURL = "https://" + tln.Addr().String()
		s.tls = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, TLSConfig: cfg}
		go func() { _ = s.tls.ServeTLS(tln, "", "") }() // its end is the plain listener's: close stops both
	}
	return s, nil
}

// close stops serving. Calls in flight may finish, briefly: a connection a client dialled but never used
// counts as busy to Shutdown for its first 5 seconds, so after the grace period the rest is closed, not
// waited for.
func (s *simServer) close(ctx context.Context) error {
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if s.tls != nil {
		s.tls.Close()
	}
	if err := s.hs.Shutdown(shutdown); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		s.hs.Close()
	}
	if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
