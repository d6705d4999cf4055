package core

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestRecordRefusesInvalidRequests: a request that cannot become a
// well-formed entry is refused with ErrInvalidRequest, before the store is
// touched and without any listener hearing of it.
func TestRecordRefusesInvalidRequests(t *testing.T) {
	good := Request{Trail: Trail{"billing", "refund", "user:42"}, Verdict: Allow, Severity: Info}
	bad := "bad\xffutf8"
	tests := []struct {
		name   string
		change func(r *Request)
		want   string
	}{
		{"zero trail", func(r *Request) { r.Trail = Trail{} }, "empty namespace"},
		{"namespace with a colon", func(r *Request) { r.Trail.Namespace = "a:b" }, "contains ':'"},
		{"source with an at sign", func(r *Request) { r.Trail.Source = "c@d" }, "contains '@'"},
		{"empty principal", func(r *Request) { r.Trail.Principal = "" }, "empty principal"},
		{"unknown verdict", func(r *Request) { r.Verdict = "maybe" }, `unknown verdict "maybe"`},
		{"zero verdict", func(r *Request) { r.Verdict = "" }, `unknown verdict ""`},
		{"severity out of range", func(r *Request) { r.Severity = 17 }, "unknown severity 17"},
		{"negative severity", func(r *Request) { r.Severity = -1 }, "unknown severity -1"},
		{"reason not UTF-8", func(r *Request) { r.Reason = &bad }, "reason is not valid UTF-8"},
		{"gate type not UTF-8", func(r *Request) { r.GateType = bad }, "gate type is not valid UTF-8"},
		{"principal not UTF-8", func(r *Request) { r.Trail.Principal = bad }, "trail is not valid UTF-8"},
		{"empty detail", func(r *Request) { r.Detail = []byte{} }, "not a JSON object"},
		{"detail an array", func(r *Request) { r.Detail = []byte(`[1]`) }, "not a JSON object"},
		{"detail with a newline", func(r *Request) { r.Detail = []byte("{\"a\":\n1}") }, "not in canonical form"},
		{"detail with spaces", func(r *Request) { r.Detail = []byte(`{"a":1, "b" : 2}`) }, "not in canonical form"},
		{"detail keys out of order", func(r *Request) { r.Detail = []byte(`{"b":1,"a":2}`) }, "not in canonical form"},
		{"detail smuggling a key", func(r *Request) { r.Detail = []byte(`{},"verdict":"BLOCK","x":{}`) }, "detail:"},
		{"detail with a repeated key", func(r *Request) { r.Detail = []byte(`{"a":1,"a":1}`) }, "detail:"},
		{"detail with an infinite number", func(r *Request) { r.Detail = []byte(`{"a":1e999}`) }, "detail:"},
		{"detail float not as Python prints it", func(r *Request) { r.Detail = []byte(`{"a":1.50}`) }, "not in canonical form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			tt.change(&req)
			st := &memStore{}
			eng := &Engine{Store: st, Listeners: &Listeners{}}
			l := eng.Listeners.Add(func(Decision) {})
			d, err := eng.Record(context.Background(), req)
			l.Close()
			heard := l.Stats().Delivered
			if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Record error = %v, want ErrInvalidRequest saying %q", err, tt.want)
			}
			if d.Status != "" || len(st.lines) != 0 || heard != 0 {
				t.Errorf("Record gave %+v, stored %d lines, told %d listeners; want nothing",
					d, len(st.lines), heard)
			}
			var ne *NotRecordedError
			if errors.As(err, &ne) {
				t.Errorf("an invalid request reads as a store failure: %v", err)
			}
		})
	}

	// A group with one invalid request stores none of them and names it.
	st := &memStore{}
	eng := &Engine{Store: st}
	worse := good
	worse.Verdict = "maybe"
	if _, err := eng.RecordGroup(context.Background(), []Request{good, worse}); !errors.Is(err,
		ErrInvalidRequest) || !strings.HasPrefix(err.Error(), "request 2: ") {
		t.Errorf("RecordGroup error = %v, want request 2 named", err)
	}
	if len(st.lines) != 0 {
		t.Errorf("RecordGroup stored %d lines of a group with an invalid request", len(st.lines))
	}
}

// TestValidateAcceptsCanonicalDetails: every detail that is the canonical
// text of an object passes, however it is shaped.
func TestValidateAcceptsCanonicalDetails(t *testing.T) {
	for _, in := range []string{`{}`, `{"a":1}`, `{"amount":129.5,"currency":"EUR"}`,
		`{"a":-0.0001,"b":1e-05,"c":1e+16,"d":12345678901234567890,"e":0.1,"f":-3.0}`,
		`{"nested":{"b":[1,2,{"c":null}],"a":true}}`, `{"\u00e9":"caf\u00e9","a\"b":"x\\y"}`,
		`{"a":0.30000000000000004,"b":false,"c":""}`, `{"k":"\ud800"}`} {
		canon, err := CanonicalFinite([]byte(in))
		if err != nil {
			t.Fatalf("CanonicalFinite(%s): %v", in, err)
		}
		req := Request{Trail: Trail{"a", "b", "c"}, Verdict: Block, Detail: canon}
		if err := req.Validate(); err != nil {
			t.Errorf("Validate with detail %s: %v", canon, err)
		}
	}
}

// FuzzCheckDetail: the quick check of a detail agrees with building its
// canonical text, on every input.
func FuzzCheckDetail(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":1.5,"b":"x"}`, `{"b":1,"a":2}`,
		`{"a":0.0001}`, `{"a":1e-05}`, `{"a":123456789012345.6}`, `{"a":-0}`, `{"a":01}`,
		`{"a":5.0}`, `{"a":5.10}`, `{"a":"\u00e9"}`, `{"a":true,"b":null}`, `{"a":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		quick := plainCanonicalObject(in)
		full := IsCanonicalFinite(in)
		if quick && full != nil {
			t.Fatalf("%q: the quick check accepts what is not canonical: %v", in, full)
		}
		if (checkDetail(in) == nil) != (full == nil) {
			t.Fatalf("%q: checkDetail and IsCanonicalFinite disagree", in)
		}
	})
}

// BenchmarkRequestValidate measures checking a typical request.
func BenchmarkRequestValidate(b *testing.B) {
	reason := "over budget"
	req := Request{Trail: Trail{"billing", "refund", "user:42"}, Verdict: Block, Severity: Warn,
		Reason: &reason, RecordedBy: "gatekeeper@prod-1",
		Detail: []byte(`{"amount":129.5,"currency":"EUR","request_id":"req-00012345"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if err := req.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestShortDecimalIsPythonRepr: every decimal the quick check passes as it
// is prints the same through AppendFloat, over a spread of digit counts and
// magnitudes on both sides of its limits.
func TestShortDecimalIsPythonRepr(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	passed := 0
	for range 200000 {
		whole := strconv.FormatUint(1_000_000_000_000_000_000+r.Uint64N(8_000_000_000_000_000_000),
			10)[:1+r.IntN(18)]
		if r.IntN(3) == 0 {
			whole = "0"
		}
		frac := strings.Repeat("0", r.IntN(6)) + strconv.FormatUint(1_000_000_000_000_000_000+
			r.Uint64N(8_000_000_000_000_000_000), 10)[:1+r.IntN(17)]
		text := whole + "." + frac
		if r.IntN(2) == 0 {
			text = "-" + text
		}
		if !shortDecimal([]byte(text)) {
			continue
		}
		passed++
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(AppendFloat(nil, f)); got != text {
			t.Fatalf("shortDecimal passes %s, which prints as %s", text, got)
		}
	}
	if passed < 1000 {
		t.Errorf("only %d of the decimals tried passed the quick check", passed)
	}
}

// TestRecordRefusesPastTheLastSequence: a trail whose newest entry has the
// largest sequence there is gets no further entry; nothing is stored and
// the policy decides, as for a store failure.
func TestRecordRefusesPastTheLastSequence(t *testing.T) {
	st := &memStore{heads: map[string]Head{"a:b@c": {Sequence: math.MaxInt64}}}
	eng := &Engine{Store: st}
	_, err := eng.Record(context.Background(), Request{Trail: Trail{"a", "b", "c"}, Verdict: Allow})
	if !errors.Is(err, ErrNotRecorded) || !strings.Contains(err.Error(), "used every sequence number") {
		t.Errorf("Record = %v, want it not recorded for want of sequence numbers", err)
	}
	if len(st.lines) != 0 {
		t.Errorf("%d lines stored", len(st.lines))
	}
}
