package cleanup

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/replan"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
)

// Options tune Run.
type Options struct {
	// Apply runs the plans. Without it the run is a preview: it inventories, plans, writes the plans and
	// dry-runs every step, and makes no mutating call at all (no lock tag either).
	Apply bool
	// OutDir receives the plans (and their journals): OutDir/<account>/<region>/<ipam id>.plan.json.
	OutDir string
	// Client is the template of every account's client: credentials (Profile, AccessKey), Endpoint, timeouts.
	// Run sets Region, Role, QPS and the logger per account and region.
	Client cloudapi.Config
	// Executor is the template of every apply (step timeout, lock TTL, schedule); Run sets Preview,
	// Parallelism, JournalPath, Replan and Logger.
	Executor    executor.Options
	Logger      zerolog.Logger
	Now         func() time.Time
	ToolVersion string
	// NoExport skips the recreate configuration an applied plan gets beside it (--no-export).
	NoExport bool
}

// Outcomes of an IPAM (or of an account's orphan discoveries) in the report, beside the executor's
// done, failed, refused, interrupted and previewed.
const (
	OutcomeSkipped  = "skipped" // not selected; Why says why
	OutcomeBlocked  = "blocked" // the plan has blockers: not run
	OutcomeNothing  = "nothing" // the plan has no step
	OutcomeNotRun   = "not-run" // the run stopped (interrupt, account failure) before it
	OutcomeErrored  = "failed"  // inventory or planning failed
	outcomeRefused  = "refused" // the executor refused (lock held, drift, dry run)
	outcomePreview  = "previewed"
	outcomeDone     = "done"
	outcomeInterrup = "interrupted"
)

// Report is what a cleanup did, for machines: one entry per account, and in it per region and IPAM.
type Report struct {
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	Apply    bool            `json:"apply"`
	Outcome  string          `json:"outcome"` // done, previewed, failed, refused, interrupted
	Message  string          `json:"message,omitempty"`
	Accounts []AccountReport `json:"accounts"`
}

// AccountReport is one account's part.
type AccountReport struct {
	Entry   int            `json:"entry"` // index in the config's accounts
	ID      string         `json:"id,omitempty"`
	RoleARN string         `json:"role_arn,omitempty"`
	Outcome string         `json:"outcome"` // ok, refused (not on the allow-list), failed
	Message string         `json:"message,omitempty"`
	Regions []RegionReport `json:"regions"`
}

// RegionReport is one region of one account.
type RegionReport struct {
	Region  string       `json:"region"`
	Message string       `json:"message,omitempty"` // a listing that failed
	IPAMs   []IPAMReport `json:"ipams"`
	// Orphans is the plan of the orphaned custom discoveries, when the config asks for them.
	Orphans *IPAMReport `json:"orphan_discoveries,omitempty"`
}

// IPAMReport is one IPAM: whether and why it was selected, its plan, and what happened.
type IPAMReport struct {
	IPAMID         string                   `json:"ipam_id,omitempty"`
	Name           string                   `json:"name,omitempty"`
	Selected       bool                     `json:"selected"`
	Why            string                   `json:"why"`
	Plan           string                   `json:"plan,omitempty"` // the plan file
	PlanID         string                   `json:"plan_id,omitempty"`
	Steps          int                      `json:"steps"`
	Done           int                      `json:"done"`
	Outcome        string                   `json:"outcome"`
	Message        string                   `json:"message,omitempty"`
	Blockers       []plans.Blocker          `json:"blockers,omitempty"`
	DryRunProblems []executor.DryRunProblem `json:"dry_run_problems,omitempty"`
	// Failed are the steps that failed, each with the service's (or the client's) answer: why the IPAM was
	// not emptied, without opening the apply's own report.
	Failed     []StepFailure `json:"failed,omitempty"`
	DurationMS int64         `json:"duration_ms"` // the unit is in the key, as in every report and log
	// RecreateConfig is the Terraform configuration written before the plan ran, which builds it again.
	RecreateConfig string `json:"recreate_config,omitempty"`
	// Resumed: the plan is an interrupted run's, found with its journal in the out-dir and run again from it.
	Resumed bool `json:"resumed,omitempty"`
}

// StepFailure is a step that failed, as the executor's report has it.
type StepFailure struct {
	Step       string `json:"step"`
	Action     string `json:"action"`
	ResourceID string `json:"resource_id"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
}

// ErrRefused is matched (errors.Is) by Run's error when nothing failed but something was refused or blocked:
// an account not on the allow-list (the whole run stops before any other call), a lock held by another
// run, drift, a dry run, blockers.
var ErrRefused = errors.New("refused")

// ErrFailed is matched by Run's error when an account, an inventory, a plan or a step failed.
var ErrFailed = errors.New("failed")

// Run runs the cleanup cfg describes and returns its report (always) and an error matching ErrFailed or
// ErrRefused (or context cancellation) when not everything ended well.
func Run(ctx context.Context, cfg *Config, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &runner{cfg: cfg, opts: opts, log: opts.Logger}
	rep := &Report{Start: opts.Now(), Apply: opts.Apply, Accounts: make([]AccountReport, len(cfg.Accounts))}
	err := r.run(ctx, rep)
	rep.End = opts.Now()
	rep.Outcome = overall(rep, err, ctx)
	if err != nil {
		rep.Message = err.Error()
	}
	return rep, err
}

type runner struct {
	cfg  *Config
	opts Options
	log  zerolog.Logger
}

// account is one account's connection state between the identity check and the run.
type account struct {
	entry   Account
	id      string
	clients map[string]*cloudapi.Client // by region
}

func (r *runner) run(ctx context.Context, rep *Report) error {
	// 1. Identity: every account is reached and named by Sts GetCallerIdentity, and checked against the
	// allow-list, before any other call in any account.
	accts := make([]*account, len(r.cfg.Accounts))
	var wg sync.WaitGroup
	for i, a := range r.cfg.Accounts {
		rep.Accounts[i] = AccountReport{Entry: i, ID: a.ID, RoleARN: a.RoleARN, Regions: []RegionReport{}}
		wg.Go(func() {
			acct, err := r.identify(ctx, a)
			ar := &rep.Accounts[i]
			if err != nil {
				ar.Outcome, ar.Message = "failed", err.Error()
				return
			}
			ar.ID = acct.id
			if msg := r.allowed(a, acct.id); msg != "" {
				ar.Outcome, ar.Message = "refused", msg
				return
			}
			ar.Outcome = "ok"
			accts[i] = acct
		})
	}
	wg.Wait()
	for _, ar := range rep.Accounts {
		if ar.Outcome == "refused" {
			return fmt.Errorf("%w: accounts[%d]: %s; nothing was done in any account", ErrRefused, ar.Entry, ar.Message)
		}
	}
	// An account that could not be named (its role not assumed, its keys refused) cannot be checked against
	// the allow-list, and the run promises every check before any other call: stop before any listing.
	for _, ar := range rep.Accounts {
		if ar.Outcome == "failed" {
			return fmt.Errorf("%w: accounts[%d]: %s; nothing was listed or done in any account", ErrFailed, ar.Entry, ar.Message)
		}
	}

	// 2. Accounts side by side, each with its own clients and token bucket; regions one after the other
	// within an account (one bucket busy at a time: the account's limit holds).
	for i, acct := range accts {
		if acct == nil {
			continue
		}
		wg.Go(func() {
			ar := &rep.Accounts[i]
			for _, region := range r.regionsOf(acct.entry) {
				ar.Regions = append(ar.Regions, r.region(ctx, acct, region))
			}
		})
	}
	wg.Wait()
	return aggregate(rep, ctx)
}

func (r *runner) regionsOf(a Account) []string {
	if len(a.Regions) > 0 {
		return a.Regions
	}
	return r.cfg.Regions
}

// client builds (once per account and region) the client of an account in a region.
func (r *runner) client(ctx context.Context, a Account, region string) (*cloudapi.Client, error) {
	cfg := r.opts.Client
	cfg.Region = region
	cfg.Logger = r.log // cloudapi names the region on its lines
	qps, auto, _ := ParseQPS(cmp.Or(a.QPS, r.cfg.QPS))
	cfg.QPS, cfg.QPSAuto = qps, auto
	if a.RoleARN != "" {
		cfg.Role = &cloudapi.Role{ARN: a.RoleARN, SessionName: a.SessionName, ExternalID: a.ExternalID, StsEndpoint: r.cfg.StsEndpoint}
	}
	return cloudapi.New(ctx, cfg)
}

func (r *runner) identify(ctx context.Context, a Account) (*account, error) {
	regions := r.regionsOf(a)
	api, err := r.client(ctx, a, regions[0])
	if err != nil {
		return nil, err
	}
	id, err := api.CallerAccount(ctx)
	if err != nil {
		return nil, fmt.Errorf("caller identity: %w", err)
	}
	return &account{entry: a, id: id, clients: map[string]*cloudapi.Client{regions[0]: api}}, nil
}

// allowed checks an account's identity against its entry and the allow-list; "" when it may be acted in.
func (r *runner) allowed(a Account, id string) string {
	if a.ID != "" && a.ID != id {
		return fmt.Sprintf("the credentials lead to account %s, not to the configured id %s", id, a.ID)
	}
	if !slices.Contains(r.cfg.AllowedAccounts, id) {
		return fmt.Sprintf("account %s is not on allowed_accounts", id)
	}
	return ""
}

func (r *runner) parallelism(a Account) int {
	return cmp.Or(a.Parallelism, r.cfg.Parallelism, executor.DefaultParallelism)
}

// region lists, selects and runs one account's IPAMs in one region, then its orphaned discoveries.
func (r *runner) region(ctx context.Context, acct *account, region string) RegionReport {
	rr := RegionReport{Region: region, IPAMs: []IPAMReport{}}
	log := r.log.With().Str("account", acct.id).Str("region", region).Logger()
	api := acct.clients[region]
	if api == nil {
		var err error
		if api, err = r.client(ctx, acct.entry, region); err != nil {
			rr.Message = err.Error()
			return rr
		}
		acct.clients[region] = api
	}
	par := r.parallelism(acct.entry)
	sel := inventory.Selector{Tags: r.cfg.Select.Tags, All: len(r.cfg.Select.Tags) == 0}
	listed, err := collect.IPAMs(ctx, api, sel, collect.Options{Parallelism: par})
	if err != nil {
		rr.Message = fmt.Sprintf("listing IPAMs: %v", err)
		log.Error().Err(err).Msg("listing IPAMs failed")
		return rr
	}
	now := r.opts.Now()
	for _, ip := range listed {
		ok, why := r.cfg.decide(ip, now)
		ir := IPAMReport{IPAMID: ip.ID, Name: ip.Name, Selected: ok, Why: why, Outcome: OutcomeSkipped}
		if ok {
			ir.Outcome = OutcomeNotRun
		}
		log.Info().Str("ipam", ip.ID).Bool("selected", ok).Str("why", why).Msg("IPAM considered")
		rr.IPAMs = append(rr.IPAMs, ir)
	}
	for i := range rr.IPAMs {
		if ir := &rr.IPAMs[i]; ir.Selected && ctx.Err() == nil {
			r.ipam(ctx, api, acct, region, par, ir, log)
		}
	}
	if r.cfg.OrphanDiscoveries && ctx.Err() == nil {
		rr.Orphans = r.orphans(ctx, api, acct, region, par, log)
	}
	return rr
}

// ipam collects, plans, writes and runs (or previews) one IPAM.
func (r *runner) ipam(ctx context.Context, api *cloudapi.Client, acct *account, region string, par int, ir *IPAMReport, log zerolog.Logger) {
	start := r.opts.Now()
	defer func() { ir.DurationMS = r.opts.Now().Sub(start).Milliseconds() }()
	log = log.With().Str("ipam", ir.IPAMID).Logger()
	snap, err := collect.Collect(ctx, api, inventory.Selector{IPAMIDs: []string{ir.IPAMID}}, collect.Options{Parallelism: par})
	if err != nil {
		ir.Outcome, ir.Message = OutcomeErrored, fmt.Sprintf("inventory: %v", err)
		log.Error().Err(err).Msg("inventory failed")
		return
	}
	r.plan(ctx, api, acct, region, par, snap, ir.IPAMID, ir, log)
}

// orphans plans and runs (or previews) the orphaned custom discoveries of one account and region.
func (r *runner) orphans(ctx context.Context, api *cloudapi.Client, acct *account, region string, par int, log zerolog.Logger) *IPAMReport {
	ir := &IPAMReport{Selected: true, Why: "orphan_discoveries: custom discoveries no IPAM is associated with and no share holds, that select matches", Outcome: OutcomeNotRun}
	start := r.opts.Now()
	defer func() { ir.DurationMS = r.opts.Now().Sub(start).Milliseconds() }()
	snap, err := collect.Orphans(ctx, api, collect.Options{Parallelism: par})
	if err != nil {
		ir.Outcome, ir.Message = OutcomeErrored, fmt.Sprintf("inventory: %v", err)
		return ir
	}
	// The same select as the IPAMs': an untagged discovery made a minute ago is not a sandbox's leftover.
	// exclude and protect_tag skip a discovery whole, as they skip an IPAM.
	kept, left := r.cfg.selectOrphans(snap, r.opts.Now())
	for _, d := range left {
		log.Info().Str("discovery", d).Bool("selected", false).Msg("orphaned discovery considered")
	}
	if len(kept) > 0 {
		ir.Why += ": " + strings.Join(kept, ", ")
	}
	if len(left) > 0 {
		ir.Why += "; not selected: " + strings.Join(left, ", ")
	}
	if len(snap.Discoveries) == 0 {
		ir.Outcome, ir.Message = OutcomeNothing, "no orphaned custom discovery that select matches"
		return ir
	}
	r.plan(ctx, api, acct, region, par, snap, "orphan-discoveries", ir, log.With().Str("target", "orphan-discoveries").Logger())
	return ir
}

// plan builds the plan of snap, writes it as name.plan.json, and hands it to the executor.
func (r *runner) plan(ctx context.Context, api *cloudapi.Client, acct *account, region string, par int, snap *inventory.Snapshot, name string, ir *IPAMReport, log zerolog.Logger) {
	po := planner.Options{ToolVersion: r.opts.ToolVersion, Now: r.opts.Now}
	po.ProtectTag = r.cfg.Exclude.ProtectTag
	po.OrphanDiscoveries = name == "orphan-discoveries"
	po.Exclude = slices.Clone(r.cfg.Exclude.IDs)
	slices.Sort(po.Exclude)
	var p *plans.Plan
	for {
		var err error
		p, err = planner.Build(snap, po)
		// The excludes are the whole config's; those that name nothing in this IPAM do not concern it.
		var ex *planner.ExcludeError
		if errors.As(err, &ex) {
			po.Exclude = slices.DeleteFunc(po.Exclude, func(id string) bool { return id == ex.ID })
			continue
		}
		if err != nil {
			ir.Outcome, ir.Message = OutcomeErrored, fmt.Sprintf("plan: %v", err)
			return
		}
		break
	}
	dir := filepath.Join(r.opts.OutDir, acct.id, region)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		ir.Outcome, ir.Message = OutcomeErrored, err.Error()
		return
	}
	var resumed bool
	ir.Plan, p, resumed = r.planFile(dir, name, p, log)
	if resumed {
		ir.Resumed = true
		ir.Why += "; resumes the interrupted run of " + ir.Plan
	} else if err := plans.WriteFile(ir.Plan, p); err != nil {
		ir.Outcome, ir.Message = OutcomeErrored, err.Error()
		return
	}
	ir.PlanID, ir.Steps, ir.Blockers = p.PlanID, len(p.Steps), p.Blockers
	switch {
	case len(p.Blockers) > 0:
		ir.Outcome = OutcomeBlocked
		ir.Message = fmt.Sprintf("%d blocker(s) hold back %d step(s): not run (see the plan)", len(p.Blockers), p.Summary.HeldBack)
		log.Warn().Int("blockers", len(p.Blockers)).Str("plan", ir.Plan).Msg("blocked: not run")
		return
	case len(p.Steps) == 0:
		ir.Outcome = OutcomeNothing
		return
	}
	if r.opts.Apply && !r.opts.NoExport {
		// Beside its own plan (name-2.plan.json: name-2.recreate/), and a resumed run keeps the one written
		// before the first run's first deletion: written again now, it would hold only what that run left.
		path := filepath.Join(strings.TrimSuffix(ir.Plan, ".plan.json")+".recreate", "main.tf")
		var err error
		if !resumed || !atomicfile.Occupied(path) {
			path, err = recreateConfig(snap, path, log)
		}
		if err != nil {
			ir.Outcome, ir.Message = OutcomeErrored, err.Error()
			return
		}
		ir.RecreateConfig = path
	}
	opts := r.opts.Executor
	opts.Preview = !r.opts.Apply
	opts.Parallelism = par
	opts.Logger = log
	if r.opts.Apply {
		// The plan is seconds old, but another job may be tearing the same IPAM down: the lock and the
		// drift check keep the two apart. A preview needs neither.
		opts.Replan = replan.Func(api, p, planner.OptionsFor(p), par, nil)
		opts.JournalPath = ir.Plan + ".journal"
	}
	log.Info().Str("plan", ir.Plan).Int("steps", len(p.Steps)).Bool("apply", r.opts.Apply).Msg("running the plan")
	xr, err := executor.Apply(ctx, api, p, opts)
	if xr != nil {
		ir.Outcome = string(xr.Outcome)
		ir.DryRunProblems = xr.DryRunProblems
		for _, s := range xr.Steps {
			switch {
			case s.Outcome.Succeeded():
				ir.Done++
			case s.Outcome == executor.OutcomeFailed:
				ir.Failed = append(ir.Failed, StepFailure{Step: s.ID, Action: s.Action, ResourceID: s.ResourceID,
					Code: s.Code, Message: s.Message, RequestID: s.RequestID})
			}
		}
	}
	if err != nil {
		ir.Message = err.Error()
		if ir.Outcome == "" {
			ir.Outcome = OutcomeErrored
		}
		if ir.Outcome == outcomeInterrup && r.opts.Apply {
			// The journal is beside the plan: apply resumes it, or the next cleanup plans what is left.
			ir.Message += "; resume with: ipam-teardown apply " + ir.Plan
		}
	}
	log.Info().Str("outcome", ir.Outcome).Int("done", ir.Done).Int("steps", ir.Steps).Msg("plan finished")
}

// planFile says where the plan p of name goes in dir, and whether an earlier run's plan there is resumed
// instead. An out-dir is reused (a cron line with $(date +%F) runs twice a day after a failure), and a plan
// that has a journal is an interrupted run's resume state: it is never written over. With Apply and the same
// IPAM, account, region and planning options, and no step the earlier plan lacks (samePlanning), that plan
// is run again from its journal, as apply would run it; otherwise the new plan goes beside it,
// name-2.plan.json, name-3.plan.json, ...
func (r *runner) planFile(dir, name string, p *plans.Plan, log zerolog.Logger) (string, *plans.Plan, bool) {
	path := filepath.Join(dir, name+".plan.json")
	if !atomicfile.Occupied(path + ".journal") {
		return path, p, false
	}
	if r.opts.Apply {
		prior, err := plans.ReadFile(path)
		if err == nil && samePlanning(prior, p) {
			log.Info().Str("plan", path).Str("plan_id", prior.PlanID).Msg("resuming the interrupted run of this plan from its journal")
			return path, prior, true
		}
		if err != nil {
			log.Warn().Err(err).Str("plan", path).Msg("the plan beside a journal cannot be read: the new plan goes beside it")
		}
	}
	for n := 2; ; n++ {
		next := filepath.Join(dir, fmt.Sprintf("%s-%d.plan.json", name, n))
		if !atomicfile.Occupied(next) && !atomicfile.Occupied(next+".journal") {
			log.Info().Str("kept", path).Str("plan", next).Msg("an earlier run's plan and journal are kept: the new plan goes beside them")
			return next, p, false
		}
	}
}

// samePlanning reports whether an earlier plan is of the same selection as p: the same account, region,
// selector (the IPAM, or the orphans) and planning options, compared as the plan file spells them (no
// exclusion is [] there, nil or empty in memory), and holds every step p needs. A step it lacks is a
// resource that came since: the orphans' plan keeps its name and its finished run's journal, and run again
// from that journal it was refused as drift, the new orphan never deleted on that out-dir.
func samePlanning(prior, p *plans.Plan) bool {
	spell := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	steps := make(map[string]bool, len(prior.Steps))
	for _, s := range prior.Steps {
		steps[s.ID] = true
	}
	for _, s := range p.Steps {
		if !steps[s.ID] {
			return false
		}
	}
	return prior.AccountID == p.AccountID && prior.Region == p.Region &&
		spell(prior.Selector) == spell(p.Selector) && spell(prior.Options) == spell(p.Options)
}

// aggregate turns the report into Run's error: any failure first, then any refusal.
func aggregate(rep *Report, ctx context.Context) error {
	var failed, refused []string
	for _, ar := range rep.Accounts {
		if ar.Outcome == "failed" {
			failed = append(failed, fmt.Sprintf("accounts[%d]: %s", ar.Entry, ar.Message))
			continue
		}
		for _, rr := range ar.Regions {
			if rr.Message != "" {
				failed = append(failed, fmt.Sprintf("%s %s: %s", ar.ID, rr.Region, rr.Message))
			}
			items := rr.IPAMs
			if rr.Orphans != nil {
				items = append(slices.Clone(items), *rr.Orphans)
			}
			for _, ir := range items {
				name := cmp.Or(ir.IPAMID, "orphan discoveries")
				switch ir.Outcome {
				case OutcomeErrored, outcomeInterrup, OutcomeNotRun:
					failed = append(failed, fmt.Sprintf("%s %s %s: %s", ar.ID, rr.Region, name, cmp.Or(ir.Message, ir.Outcome)))
				case outcomeRefused, OutcomeBlocked:
					refused = append(refused, fmt.Sprintf("%s %s %s: %s", ar.ID, rr.Region, name, cmp.Or(ir.Message, ir.Outcome)))
				}
			}
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("cleanup interrupted: %w", context.Cause(ctx))
	case len(failed) > 0:
		return fmt.Errorf("%w: %s", ErrFailed, join(failed))
	case len(refused) > 0:
		return fmt.Errorf("%w: %s", ErrRefused, join(refused))
	}
	return nil
}

func join(msgs []string) string {
	if len(msgs) == 1 {
		return msgs[0]
	}
	out := fmt.Sprintf("%d problems", len(msgs))
	for _, m := range msgs {
		out += "\n  " + m
	}
	return out
}

// overall is the report's outcome.
func overall(rep *Report, err error, ctx context.Context) string {
	switch {
	case ctx.Err() != nil:
		return outcomeInterrup
	case errors.Is(err, ErrFailed):
		return "failed"
	case errors.Is(err, ErrRefused):
		return outcomeRefused
	case err != nil:
		return "failed"
	case !rep.Apply:
		return outcomePreview
	}
	return outcomeDone
}

// recreateConfig writes, before the plan's first mutating call, the Terraform configuration that builds what
// it deletes again (tfexport), in a directory of its own so that terraform apply reads it alone; a failure
// stops this IPAM's run before anything is deleted.
func recreateConfig(snap *inventory.Snapshot, path string, log zerolog.Logger) (string, error) {
	omitted, err := tfexport.WriteRecreate(snap, path)
	if err != nil {
		return "", fmt.Errorf("recreate configuration, nothing deleted (--no-export skips it): %w", err)
	}
	log.Info().Str("recreate_config", path).Int("omitted", len(omitted)).Msg("recreate configuration written")
	return path, nil
}
