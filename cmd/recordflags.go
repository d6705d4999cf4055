package cmd

import "github.com/spf13/pflag"

// addEntryFlags defines the flags that describe one entry, for record and
// guard alike: the trail, the verdict and severity, the gate, the reason
// and the detail. request turns them into a core.Request.
func addEntryFlags(f *pflag.FlagSet, o *recordOptions) {
	f.StringVarP(&o.trail, "trail", "t", "", "trail as namespace:source@principal")
	f.StringVar(&o.namespace, "namespace", "", "trail namespace (instead of --trail)")
	f.StringVar(&o.source, "source", "", "trail source (instead of --trail)")
	f.StringVar(&o.principal, "principal", "global", "trail principal (instead of --trail)")
	f.StringVar(&o.verdict, "verdict", "", "ALLOW, BLOCK, ERROR or OVERRIDE, any case (required)")
	f.StringVar(&o.severity, "severity", "INFO", "DEBUG, INFO, WARN, ERROR or CRITICAL")
	f.StringVar(&o.gateType, "gate-type", "", "which gate decided (default: the trail's source)")
	f.StringVar(&o.gateIdentity, "gate-identity", "", "the gate's identity (default: the trail)")
	f.StringVar(&o.reason, "reason", "", "why the gate decided so (default: null)")
	f.StringVar(&o.detail, "detail", "", "detail as a JSON object")
	f.StringVar(&o.detailFile, "detail-file", "", "read the detail JSON object from a file, - for stdin")
	f.StringArrayVarP(&o.pairs, "detail-field", "d", nil, "detail field: key=string or key:=JSON")
}
