package cmd

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// filterOptions are the entry filters query and export share.
type filterOptions struct {
	trail, namespace, source, principal string
	verdicts                            []string
	severity                            string
	gateType, gateIdentity, recordedBy  string
	since, until                        string
	reason                              string
	where                               []string
}

const filterHelp = `
Filters (all combinable; text filters take exact values or globs, where *
matches anything, ':' and '@' included, and ? one character):
  --trail billing:*@user:*      the whole trail; --namespace, --source and
                                --principal match its parts
  --verdict block,override      any of these verdicts (repeatable)
  --severity warn               this severity or higher
  --gate-type, --gate-identity, --recorded-by
  --since 2026-12-01 --until 2h at or after / before a wall_ts: RFC 3339 with
                                any offset, a date (UTC midnight), or an age
                                such as 15m, 2h, 7d, 2w
  --reason "over budget"        reason contains the text, in any letter case
  --where 'detail.calls>5'      a detail field: = != < <= > >= or ~ (contains);
                                nested keys with dots; numbers compare as
                                numbers, strings as text (repeatable)
`

func (o *filterOptions) register(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.trail, "trail", "", "trail, exact or glob (billing:*@user:*)")
	f.StringVar(&o.namespace, "namespace", "", "trail namespace, exact or glob")
	f.StringVar(&o.source, "source", "", "trail source, exact or glob")
	f.StringVar(&o.principal, "principal", "", "trail principal, exact or glob")
	f.StringSliceVar(&o.verdicts, "verdict", nil, "verdicts, comma-separated or repeated")
	f.StringVar(&o.severity, "severity", "", "minimum severity")
	f.StringVar(&o.gateType, "gate-type", "", "gate type, exact or glob")
	f.StringVar(&o.gateIdentity, "gate-identity", "", "gate identity, exact or glob")
	f.StringVar(&o.recordedBy, "recorded-by", "", "recorded_by, exact or glob")
	f.StringVar(&o.since, "since", "", "wall_ts at or after: RFC 3339, a date, or an age (2h, 7d)")
	f.StringVar(&o.until, "until", "", "wall_ts before: RFC 3339, a date, or an age (2h, 7d)")
	f.StringVar(&o.reason, "reason", "", "reason contains this text, any letter case")
	f.StringArrayVar(&o.where, "where", nil, "detail condition PATH OP VALUE (detail.user=alice)")
}

// query turns the filter flags into a core.Query, or a usage error.
func (o *filterOptions) query(fs *pflag.FlagSet, now time.Time) (*core.Query, error) {
	// A filter given an empty value (an unset shell variable, say) would
	// otherwise select everything.
	for _, name := range []string{"trail", "namespace", "source", "principal", "verdict",
		"severity", "gate-type", "gate-identity", "recorded-by", "since", "until", "reason",
		"where"} {
		f := fs.Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		empty := func(v string) bool { return strings.TrimSpace(v) == "" }
		if name == "reason" {
			empty = func(v string) bool { return v == "" } // a space or newline is text to find
		}
		if slices.ContainsFunc(values, empty) || len(values) == 0 {
			return nil, usageError(fmt.Errorf("--%s: empty value", name),
				"give a value, or leave the filter out to match everything")
		}
	}
	q := &core.Query{Trail: o.trail, Namespace: o.namespace, Source: o.source,
		Principal: o.principal, GateType: o.gateType, GateIdentity: o.gateIdentity,
		RecordedBy: o.recordedBy, Reason: o.reason}
	for flag, glob := range map[string]string{"--trail": o.trail, "--namespace": o.namespace,
		"--source": o.source, "--principal": o.principal, "--gate-type": o.gateType,
		"--gate-identity": o.gateIdentity, "--recorded-by": o.recordedBy} {
		if err := core.CheckGlob(glob); err != nil {
			return nil, usageErrorf("%s: %v", flag, err)
		}
	}
	for _, v := range o.verdicts {
		verdict, err := core.ParseVerdict(strings.TrimSpace(v))
		if err != nil {
			return nil, usageErrorf("--verdict: %v", err)
		}
		q.Verdicts = append(q.Verdicts, verdict)
	}
	if o.severity != "" {
		sev, err := core.ParseSeverity(o.severity)
		if err != nil {
			return nil, usageErrorf("--severity: %v", err)
		}
		q.MinSeverity, q.HasSeverity = sev, true
	}
	var err error
	if o.since != "" {
		if q.Since, err = core.ParseTimeBound(o.since, now); err != nil {
			return nil, usageErrorf("--since: %v", err)
		}
	}
	if o.until != "" {
		if q.Until, err = core.ParseTimeBound(o.until, now); err != nil {
			return nil, usageErrorf("--until: %v", err)
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return nil, usageErrorf("--since %s is not before --until %s: nothing can match",
			o.since, o.until)
	}
	for _, w := range o.where {
		cond, err := core.ParseCondition(w)
		if err != nil {
			return nil, usageError(fmt.Errorf("--where: %w", err))
		}
		q.Where = append(q.Where, cond)
	}
	return q, nil
}
