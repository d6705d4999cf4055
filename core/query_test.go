package core

import (
	"strings"
	"testing"
	"time"
)

func queryEntry(t *testing.T) *Entry {
	t.Helper()
	var p Parser
	e, err := p.ParseEntry([]byte(`{"schema_version":"0.1.1","trail":"billing:refund@user:42",` +
		`"ts":1.5,"wall_ts":"2026-12-01T10:00:00.000000+00:00","verdict":"BLOCK","severity":"WARN",` +
		`"gate_type":"budgetgate","gate_identity":"budget-v2","recorded_by":"svc@host",` +
		`"reason":"Over Budget for the month","detail":{"user":"alice","calls":7,` +
		`"big":123456789012345678901,"limits":{"daily":10.5},"ok":false},` +
		`"entry_hash":null,"prev_hash":null,"sequence":3}`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestQueryMatch(t *testing.T) {
	e := queryEntry(t)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	where := func(s string) []Condition {
		c, err := ParseCondition(s)
		if err != nil {
			t.Fatal(err)
		}
		return []Condition{c}
	}
	tests := []struct {
		name string
		q    Query
		want bool
	}{
		{"empty", Query{}, true},
		{"exact trail", Query{Trail: "billing:refund@user:42"}, true},
		{"glob trail", Query{Trail: "billing:*@user:*"}, true},
		{"other trail", Query{Trail: "billing:refund@user:4"}, false},
		{"namespace", Query{Namespace: "billing"}, true},
		{"principal glob", Query{Principal: "user:*"}, true},
		{"source mismatch", Query{Source: "charge"}, false},
		{"verdict in list", Query{Verdicts: []Verdict{Allow, Block}}, true},
		{"verdict not in list", Query{Verdicts: []Verdict{Allow}}, false},
		{"severity at minimum", Query{MinSeverity: Warn, HasSeverity: true}, true},
		{"severity below minimum", Query{MinSeverity: SevError, HasSeverity: true}, false},
		{"gate type", Query{GateType: "budget*"}, true},
		{"recorded by", Query{RecordedBy: "other"}, false},
		{"since inclusive", Query{Since: at("2026-12-01T10:00:00Z")}, true},
		{"since after", Query{Since: at("2026-12-01T10:00:01Z")}, false},
		{"until exclusive", Query{Until: at("2026-12-01T10:00:00Z")}, false},
		{"until with offset", Query{Until: at("2026-12-01T11:00:01+01:00")}, true},
		{"reason any case", Query{Reason: "over budget"}, true},
		{"reason absent", Query{Reason: "quota"}, false},
		{"where string", Query{Where: where("detail.user=alice")}, true},
		{"where string not equal", Query{Where: where("user!=alice")}, false},
		{"where number", Query{Where: where("detail.calls>5")}, true},
		{"where number as number", Query{Where: where("detail.calls>10")}, false},
		{"where nested float", Query{Where: where("detail.limits.daily>=10.5")}, true},
		{"where big integer", Query{Where: where("detail.big>123456789012345678900")}, true},
		{"where bool", Query{Where: where("detail.ok=false")}, true},
		{"where contains", Query{Where: where("detail.user~lic")}, true},
		{"where missing field", Query{Where: where("detail.nope!=1")}, false},
	}
	for _, tt := range tests {
		if got := tt.q.Match(e); got != tt.want {
			t.Errorf("%s: Match() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseCondition(t *testing.T) {
	c, err := ParseCondition("detail.a.b>=5")
	if err != nil || strings.Join(c.Path, "/") != "a/b" || c.Op != ">=" || c.Value != "5" {
		t.Errorf("ParseCondition(detail.a.b>=5) = %+v, %v", c, err)
	}
	for _, bad := range []string{"nope", "=5", "a..b=1"} {
		if _, err := ParseCondition(bad); err == nil {
			t.Errorf("ParseCondition(%q) = nil error, want one", bad)
		}
	}
}

func TestParseTimeBound(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-12-01T10:30:00+01:00", time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)},
		{"2026-12-01t09:30:00.25z", time.Date(2026, 12, 1, 9, 30, 0, 250e6, time.UTC)},
		{"15m", now.Add(-15 * time.Minute)},
		{"2h", now.Add(-2 * time.Hour)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"1w", now.Add(-7 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		got, err := ParseTimeBound(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTimeBound(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseTimeBound("yesterday", now); err == nil ||
		!strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("ParseTimeBound(yesterday) error = %v, want the accepted forms", err)
	}
}

// TestNeedlesNeverHideAMatch checks the prefilter against full matching on
// lines written in several legal ways.
func TestNeedlesNeverHideAMatch(t *testing.T) {
	base := `{"schema_version":"0.1.1","trail":"billing:refund@user:42","ts":1.5,` +
		`"wall_ts":"2026-12-01T10:00:00+00:00","verdict":"BLOCK","severity":"WARN",` +
		`"gate_type":"g","gate_identity":"i","recorded_by":"r","reason":null,"detail":{},` +
		`"entry_hash":null,"prev_hash":null,"sequence":0}`
	lines := []string{
		base,
		strings.ReplaceAll(base, `":`, `": `), // Python's spacing
		strings.Replace(base, `"BLOCK"`, `"\u0042LOCK"`, 1),
		strings.Replace(base, `billing:refund`, `billing:\u0072efund`, 1),
		strings.Replace(base, `"BLOCK"`, `"ALLOW"`, 1),
	}
	queries := []Query{
		{Trail: "billing:refund@user:42"},
		{Verdicts: []Verdict{Block}},
		{Verdicts: []Verdict{Allow, Override}},
		{Trail: "billing:*"},
		{Trail: "billing:refund@user:42", Verdicts: []Verdict{Block}},
	}
	var p Parser
	for _, line := range lines {
		e, err := p.ParseEntry([]byte(line))
		if err != nil {
			t.Fatalf("ParseEntry(%s): %v", line, err)
		}
		for _, q := range queries {
			if q.Match(e) && !MayMatch([]byte(line), q.Needles()) {
				t.Errorf("MayMatch skipped a matching line for %+v: %s", q, line)
			}
		}
	}
	q := Query{Trail: "billing:refund@user:42"}
	if MayMatch([]byte(strings.Replace(base, "user:42", "user:43", 1)), q.Needles()) {
		t.Error("MayMatch kept a line without the trail, want it skipped")
	}
}
