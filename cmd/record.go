package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
)

// recordOptions are the record command's flags.
type recordOptions struct {
	trail        string
	namespace    string
	source       string
	principal    string
	verdict      string
	severity     string
	gateType     string
	gateIdentity string
	reason       string
	detail       string
	detailFile   string
	pairs        []string
	batch        bool
	input        string
	group        int
}

func newRecordCommand(g *globals) *cobra.Command {
	o := &recordOptions{}
	c := &cobra.Command{
		Use:   "record --trail NS:SOURCE@PRINCIPAL --verdict VERDICT [flags]",
		Short: "Record one gate decision",
		Long: `Record one gate decision as an entry in the store.

record exits 0 only when the entry is durably stored (written and flushed),
so "auditgate record ... && do_the_action" never runs the action unaudited
under a fail_closed policy. The trail's policy (see 'auditgate policy')
decides what happens when the entry cannot be stored:

  hard + fail_closed   exit 1, error on stderr: no action may proceed
  soft + fail_closed   exit 3, a DROPPED decision: the caller decides
  hard + fail_open     exit 0, the error on stderr, loudly
  soft + fail_open     exit 0, a one-line warning on stderr (none with --quiet)

An entry below the policy's min_severity is dropped by design: exit 0,
nothing stored. Bad input is exit 2 and stores nothing, whatever the policy.

Detail is a JSON object, built from --detail or --detail-file and then
-d pairs: -d key=value sets a string, -d key:=JSON sets any JSON value
(-d count:=3, -d tags:='["a","b"]'). A key may be given only once.

On success record prints one line on a terminal and nothing in a pipe;
-o text prints that line anywhere, -o json prints the decision as JSON.

Examples:
  auditgate record --trail billing:refund@user:42 --verdict block \
      --severity warn --reason "over budget" -d amount:=129.5
  auditgate record --namespace api --source ratelimit --verdict allow -o json
` + batchHelp + autoCheckpointHelp + exitHelp,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if o.batch {
				return runBatch(c, g, o)
			}
			for _, name := range []string{"input", "group-size"} {
				if c.Flags().Changed(name) {
					return usageErrorf("--%s goes with --batch", name)
				}
			}
			return runRecord(c, g, o)
		},
	}
	f := c.Flags()
	addEntryFlags(f, o)
	f.BoolVar(&o.batch, "batch", false, "read requests as JSON lines (see Batch mode below)")
	f.StringVar(&o.input, "input", "", "with --batch: read requests from this file (default stdin)")
	f.IntVar(&o.group, "group-size", 2048, "with --batch: most requests committed with one flush")
	return c
}

func runRecord(c *cobra.Command, g *globals, o *recordOptions) error {
	outFormat, err := g.outputFormat(c)
	if err != nil {
		return err
	}
	req, err := o.request(c, g)
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	req.RecordedBy = cfg.recordedBy
	if err := req.Validate(); err != nil {
		return usageError(err)
	}
	eng := &core.Engine{Store: store.NewFile(cfg.store), Policies: cfg.policies}

	d, recErr := eng.Record(c.Context(), req)
	if outFormat == "json" {
		if err := format.WriteDecisionJSON(g.Out, d); err != nil {
			return err
		}
	}
	switch {
	case recErr != nil:
		return &exitError{code: ExitFailure, err: recErr, hints: []string{
			"no action may proceed unaudited: the trail's policy is hard+fail_closed",
		}}
	case d.Status == core.Recorded || d.StoreErr == nil:
		if outFormat == "text" || (outFormat == "" && !g.quiet && isTerminal(g.Out)) {
			fmt.Fprintln(g.Out, format.DecisionText(d))
		}
		if d.Status == core.Recorded {
			autoCheckpoint(g, cfg)
		}
		return nil
	case !d.Proceed: // soft + fail_closed
		fmt.Fprintf(g.ErrOut, "auditgate: DROPPED: entry for %s not recorded: %v\n",
			d.Trail, d.StoreErr)
		return silentExit(ExitDropped)
	case d.Policy.Mode == core.Hard: // hard + fail_open
		fmt.Fprintf(g.ErrOut, "auditgate: error: entry for %s NOT RECORDED: %v\n", d.Trail, d.StoreErr)
		fmt.Fprintf(g.ErrOut, "auditgate: error: the action proceeds UNAUDITED "+
			"(policy %s is fail_open)\n", d.PolicyOrigin)
		return nil
	default: // soft + fail_open
		if !g.quiet {
			fmt.Fprintf(g.ErrOut, "auditgate: warning: entry for %s not recorded: %v\n",
				d.Trail, d.StoreErr)
		}
		return nil
	}
}

// request turns the flags into a core.Request, or a usage error.
func (o *recordOptions) request(c *cobra.Command, g *globals) (core.Request, error) {
	var req core.Request
	trail, err := o.parseTrail(c)
	if err != nil {
		return req, err
	}
	req.Trail = trail
	if o.verdict == "" {
		return req, usageError(errors.New("--verdict is required"),
			"give one of ALLOW, BLOCK, ERROR, OVERRIDE")
	}
	if req.Verdict, err = core.ParseVerdict(o.verdict); err != nil {
		return req, usageError(fmt.Errorf("--verdict: %w", err))
	}
	if req.Severity, err = core.ParseSeverity(o.severity); err != nil {
		return req, usageError(fmt.Errorf("--severity: %w", err))
	}
	for flag, text := range map[string]string{"--trail": trail.String(),
		"--gate-type": o.gateType, "--gate-identity": o.gateIdentity, "--reason": o.reason} {
		if err := validText(text); err != nil {
			return req, usageErrorf("%s: %v", flag, err)
		}
	}
	req.GateType = o.gateType
	req.GateIdentity = o.gateIdentity
	if c.Flags().Changed("reason") {
		reason := o.reason
		req.Reason = &reason
	}
	if req.Detail, err = o.detailObject(c, g.In); err != nil {
		return req, err
	}
	return req, nil
}

func (o *recordOptions) parseTrail(c *cobra.Command) (core.Trail, error) {
	f := c.Flags()
	parts := f.Changed("namespace") || f.Changed("source") || f.Changed("principal")
	switch {
	case o.trail != "" && parts:
		return core.Trail{}, usageErrorf("give --trail or --namespace/--source/--principal, not both")
	case o.trail != "":
		t, err := core.ParseTrail(o.trail)
		if err != nil {
			return t, usageError(fmt.Errorf("--trail: %w", err))
		}
		return t, nil
	case o.namespace == "" || o.source == "":
		return core.Trail{}, usageError(errors.New("no trail given"),
			"give --trail namespace:source@principal, or --namespace and --source")
	}
	t, err := core.NewTrail(o.namespace, o.source, o.principal)
	if err != nil {
		return t, usageError(err)
	}
	return t, nil
}

// detailObject builds the canonical detail object from --detail,
// --detail-file and -d pairs.
func (o *recordOptions) detailObject(c *cobra.Command, stdin io.Reader) ([]byte, error) {
	var base []core.Member
	var source string
	switch {
	case c.Flags().Changed("detail") && o.detailFile != "":
		return nil, usageErrorf("give --detail or --detail-file, not both")
	case c.Flags().Changed("detail"):
		source = "--detail"
		members, err := core.ObjectMembersFinite([]byte(o.detail))
		if err != nil {
			return nil, usageError(fmt.Errorf("--detail: %w", err),
				`detail must be a JSON object, for example --detail '{"amount": 12.5}'`)
		}
		base = members
	case o.detailFile != "":
		source = "--detail-file " + o.detailFile
		var data []byte
		var err error
		if o.detailFile == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, store.MaxLineBytes+1))
		} else {
			data, err = os.ReadFile(o.detailFile)
		}
		if err != nil {
			return nil, usageError(fmt.Errorf("read %s: %w", source, unwrapPathErr(err)))
		}
		members, err := core.ObjectMembersFinite(data)
		if err != nil {
			return nil, usageError(fmt.Errorf("%s: %w", source, err),
				"the file must hold one JSON object")
		}
		base = members
	}
	for _, pair := range o.pairs {
		m, err := parsePair(pair)
		if err != nil {
			return nil, err
		}
		for _, existing := range base {
			if existing.Key == m.Key {
				where := "an earlier -d"
				if source != "" {
					where = source + " or an earlier -d"
				}
				return nil, usageErrorf("-d %s: detail key %s is already set by %s",
					pair, core.QuoteString(m.Key), where)
			}
		}
		base = append(base, m)
	}
	if err := core.SortMembers(base); err != nil {
		return nil, usageError(err)
	}
	return core.AppendObject(nil, base), nil
}

// parsePair reads -d key=value (a string) or -d key:=JSON (any value).
func parsePair(pair string) (core.Member, error) {
	key, value, ok := strings.Cut(pair, "=")
	if !ok || key == "" || key == ":" {
		return core.Member{}, usageError(fmt.Errorf("-d %s: want key=value or key:=JSON", pair),
			`for example -d user=alice or -d count:=3`)
	}
	if strings.HasSuffix(key, ":") {
		key = strings.TrimSuffix(key, ":")
		canon, err := core.CanonicalFinite([]byte(value))
		if err != nil {
			return core.Member{}, usageError(fmt.Errorf("-d %s: value is not JSON: %w", pair, err),
				`quote strings inside JSON (-d name:='"x"') or use key=value for a string`)
		}
		return core.Member{Key: key, Value: canon}, nil
	}
	if err := validText(key); err != nil {
		return core.Member{}, usageErrorf("-d %s: %v", pair, err)
	}
	if err := validText(value); err != nil {
		return core.Member{}, usageErrorf("-d %s: %v", pair, err)
	}
	return core.Member{Key: key, Value: core.AppendString(nil, value)}, nil
}

// validText rejects text that is not UTF-8, which could not be stored
// without changing it.
func validText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("text is not valid UTF-8")
	}
	return nil
}
