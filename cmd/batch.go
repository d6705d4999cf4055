package cmd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
)

// batchHelp documents the batch protocol in record's help.
const batchHelp = `
Batch mode (--batch) reads requests as JSON lines from stdin or --input FILE,
each an object with the record flags' fields: trail (or namespace, source,
principal), verdict, severity, gate_type, gate_identity, reason, detail.
It commits them in groups (one lock, one flush per group) and prints one
decision line per request, in input order, only after the request's group is
durable:
  {"input_line":1,"status":"RECORDED","trail":"...","proceed":true,"reason":null,
   "sequence":7,"entry_hash":"..."}
Status is RECORDED, DROPPED (below min_severity, or lost to a store failure),
REJECTED (a malformed request; the rest go on) or NOT_ATTEMPTED (read, but
the batch stopped first). A store failure under a fail_closed policy stops
the batch. SIGINT or SIGTERM finishes the group in flight, reports it, and
exits 130 or 143. Otherwise the exit status is the worst outcome: 1 (not
recorded under hard+fail_closed), then 2 (a rejected request), then 3
(dropped under soft+fail_closed), then 0. -o text prints the decisions as
text lines.
`

// batchLine is one request read from the input, parsed.
type batchLine struct {
	n   int
	req core.Request
	err error // why the line is not a request
}

// readBatch sends the input's requests on a channel until the input ends.
// It parses them too, so parsing the next group overlaps committing this one.
func readBatch(r io.Reader, out chan<- batchLine) {
	defer close(out)
	var p core.Parser
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte
	for n := 1; ; n++ {
		// ReadSlice avoids a copy per line; a line longer than the buffer
		// is gathered in long.
		data, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], data...)
			for errors.Is(err, bufio.ErrBufferFull) && len(long) <= store.MaxLineBytes {
				data, err = br.ReadSlice('\n')
				long = append(long, data...)
			}
			data = long
		}
		if len(data) > store.MaxLineBytes {
			out <- batchLine{n: n, err: fmt.Errorf("read input: %w", store.ErrLineTooLong)}
			return
		}
		if len(bytes.TrimSpace(data)) > 0 {
			req, perr := p.ParseRequest(data)
			out <- batchLine{n: n, req: req, err: perr}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				out <- batchLine{n: n, err: fmt.Errorf("read input: %w", err)}
			}
			return
		}
	}
}

// lineList names input lines, runs of them as ranges: "line 4",
// "lines 1-3, 7".
func lineList(lines []int) string {
	var b strings.Builder
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", lines[i], lines[j])
		} else {
			fmt.Fprintf(&b, "%d", lines[i])
		}
		i = j + 1
	}
	if len(lines) == 1 {
		return "line " + b.String()
	}
	return "lines " + b.String()
}

// stopSignalsKey, in a command's context, holds the channel that a batch
// takes its stop signals from instead of the process's SIGINT and SIGTERM.
type stopSignalsKey struct{}

// exitRank orders exit statuses from best to worst outcome.
func exitRank(code ExitCode) int {
	return map[ExitCode]int{ExitOK: 0, ExitDropped: 1, ExitUsage: 2, ExitFailure: 3}[code]
}

func runBatch(c *cobra.Command, g *globals, o *recordOptions) error {
	outFormat, err := g.outputFormat(c)
	if err != nil {
		return err
	}
	for _, name := range []string{"trail", "namespace", "source", "principal", "verdict",
		"severity", "gate-type", "gate-identity", "reason", "detail", "detail-file",
		"detail-field"} {
		if c.Flags().Changed(name) {
			return usageError(fmt.Errorf("--%s does not go with --batch", name),
				"with --batch, each input line gives the request's fields")
		}
	}
	if o.group < 1 {
		return usageErrorf("--group-size must be at least 1")
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	in := g.In
	if o.input != "" && o.input != "-" {
		f, err := os.Open(o.input)
		if err != nil {
			return usageError(fmt.Errorf("open --input %s: %w", o.input, unwrapPathErr(err)))
		}
		defer f.Close()
		in = f
	}
	eng := &core.Engine{Store: store.NewFile(cfg.store), Policies: cfg.policies}
	b := &batch{g: g, eng: eng, cfg: cfg, recordedBy: cfg.recordedBy, text: outFormat == "text",
		out: bufio.NewWriterSize(g.Out, 256<<10)}
	defer b.out.Flush()

	signals, _ := c.Context().Value(stopSignalsKey{}).(chan os.Signal)
	if signals == nil {
		signals = make(chan os.Signal, 1)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(signals)
	}
	lines := make(chan batchLine, 2*o.group)
	go readBatch(in, lines)

	for {
		group, more := b.collect(lines, signals, o.group)
		if len(group) > 0 {
			if err := b.commit(c, group); err != nil {
				return err
			}
		}
		if b.stopped || b.signal != nil || !more {
			break
		}
	}
	if b.signal == nil {
		// A signal that came while the last group was being committed
		// still decides the exit status.
		select {
		case b.signal = <-signals:
		default:
		}
	}
	if b.stopped || b.signal != nil {
		b.notAttempted(lines)
	}
	if err := b.out.Flush(); err != nil {
		return err
	}
	switch b.signal {
	case os.Interrupt:
		return silentExit(130)
	case syscall.SIGTERM:
		return silentExit(143)
	}
	if b.worst != ExitOK {
		return silentExit(b.worst)
	}
	return nil
}

// batch is the state of one record --batch run.
type batch struct {
	g          *globals
	eng        *core.Engine
	cfg        *config
	recordedBy string
	text       bool
	out        *bufio.Writer
	buf        []byte
	group      []batchLine // reused for each group once it is committed
	worst      ExitCode
	stopped    bool      // a store failure under fail_closed stopped the batch
	signal     os.Signal // the signal that stops the batch, if any
}

// collect waits for one line, or a signal, then takes the lines that are
// ready, up to size, without waiting: a slow producer gets each request
// committed at once, a fast one gets large groups.
func (b *batch) collect(lines <-chan batchLine, signals <-chan os.Signal,
	size int) ([]batchLine, bool) {
	group := b.group[:0]
	defer func() { b.group = group[:0] }()
	select {
	case l, ok := <-lines:
		if !ok {
			return nil, false
		}
		group = append(group, l)
	case s := <-signals:
		b.signal = s
		return nil, true
	}
	for len(group) < size {
		select {
		case l, ok := <-lines:
			if !ok {
				return group, false
			}
			group = append(group, l)
		case s := <-signals:
			b.signal = s
			return group, true
		default:
			return group, true
		}
	}
	return group, true
}

func (b *batch) worse(code ExitCode) {
	if exitRank(code) > exitRank(b.worst) {
		b.worst = code
	}
}

// commit records one group and prints its decisions in input order.
func (b *batch) commit(c *cobra.Command, group []batchLine) error {
	reqs := make([]core.Request, 0, len(group))
	for _, l := range group {
		if l.err == nil {
			l.req.RecordedBy = b.recordedBy
			reqs = append(reqs, l.req)
		}
	}
	decisions, recErr := b.eng.RecordGroup(c.Context(), reqs)
	if decisions == nil && recErr != nil {
		// Every request was checked as it was read; a group refused as a
		// whole is a fault of the batch itself, not of one request.
		b.stopped = true
		return usageError(recErr)
	}
	next, stopAt := 0, 0         // stopAt: the first request fail_closed kept from going on
	var hardLost, softLost []int // input lines lost under fail_open
	for _, l := range group {
		if l.err != nil {
			b.worse(ExitUsage)
			b.writeProblem(l.n, "REJECTED", fmt.Sprintf("input line %d: %v", l.n, l.err))
			continue
		}
		d := decisions[next]
		next++
		if d.StoreErr != nil && !d.Proceed {
			b.stopped = true
			if stopAt == 0 {
				stopAt = l.n
			}
			if d.Policy.Mode == core.Soft {
				b.worse(ExitDropped)
			}
		}
		if d.StoreErr != nil && d.Proceed {
			if d.Policy.Mode == core.Hard {
				hardLost = append(hardLost, l.n)
			} else {
				softLost = append(softLost, l.n)
			}
		}
		b.writeDecision(l.n, d)
	}
	if recErr != nil {
		b.worse(ExitFailure)
	}
	// As a single record does: loudly under hard+fail_open, a warning
	// (silenced by --quiet) under soft+fail_open.
	if len(hardLost) > 0 {
		fmt.Fprintf(b.g.ErrOut, "auditgate: error: NOT RECORDED, the actions proceed "+
			"UNAUDITED (fail_open): input %s: %v\n", lineList(hardLost), firstStoreErr(decisions))
	}
	if len(softLost) > 0 && !b.g.quiet {
		fmt.Fprintf(b.g.ErrOut, "auditgate: warning: not recorded (fail_open): input %s: %v\n",
			lineList(softLost), firstStoreErr(decisions))
	}

	if b.stopped {
		fmt.Fprintf(b.g.ErrOut, "auditgate: error: the batch stopped at input line %d: %v\n",
			stopAt, firstStoreErr(decisions))
		fmt.Fprintln(b.g.ErrOut, "auditgate: hint: the decision lines say which requests "+
			"were recorded; no later request was attempted")
	}
	err := b.out.Flush()
	if anyRecorded(decisions) {
		autoCheckpoint(b.g, b.cfg)
	}
	return err
}

func firstStoreErr(ds []core.Decision) error {
	for _, d := range ds {
		if d.StoreErr != nil {
			return d.StoreErr
		}
	}
	return nil
}

func (b *batch) writeDecision(n int, d core.Decision) {
	if b.text {
		fmt.Fprintf(b.out, "line %d: %s\n", n, format.DecisionText(d))
		return
	}
	b.buf = format.AppendBatchDecision(b.buf[:0], n, d)
	b.out.Write(b.buf)
}

func (b *batch) writeProblem(n int, status, reason string) {
	if b.text {
		fmt.Fprintf(b.out, "line %d: %s: %s\n", n, status, reason)
		return
	}
	b.buf = format.AppendBatchProblem(b.buf[:0], n, status, reason)
	b.out.Write(b.buf)
}

// notAttempted reports the lines already read when the batch stopped.
func (b *batch) notAttempted(lines <-chan batchLine) {
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return
			}
			b.writeProblem(l.n, "NOT_ATTEMPTED", "the batch stopped before this request")
		default:
			return
		}
	}
}
