package checkpoint

import (
	"testing"
	"time"
)

func TestScheduleDue(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	hour := time.Hour
	tests := []struct {
		name     string
		s        Schedule
		lines    int64
		lastSize int64
		last     time.Time
		hasLast  bool
		want     bool
	}{
		{"disabled", Schedule{}, 100, 0, time.Time{}, false, false},
		{"entries not reached", Schedule{EveryEntries: 10}, 19, 10, now, true, false},
		{"entries reached", Schedule{EveryEntries: 10}, 20, 10, now, true, true},
		{"first, entries reached", Schedule{EveryEntries: 10}, 10, 0, time.Time{}, false, true},
		{"interval not passed", Schedule{Every: hour}, 11, 10, now.Add(-59 * time.Minute), true, false},
		{"interval passed", Schedule{Every: hour}, 11, 10, now.Add(-hour), true, true},
		{"interval, nothing new", Schedule{Every: hour}, 10, 10, now.Add(-2 * hour), true, false},
		{"first, interval only", Schedule{Every: hour}, 1, 0, time.Time{}, false, true},
		{"both, entries first", Schedule{EveryEntries: 5, Every: hour}, 15, 10, now, true, true},
		{"both, interval first", Schedule{EveryEntries: 50, Every: hour}, 11, 10,
			now.Add(-2 * hour), true, true},
		{"both, neither", Schedule{EveryEntries: 50, Every: hour}, 11, 10, now, true, false},
		{"fewer lines than the last", Schedule{EveryEntries: 50}, 9, 10, now, true, true},
		{"disabled, fewer lines", Schedule{}, 9, 10, now, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Due(tt.lines, tt.lastSize, tt.last, tt.hasLast, now); got != tt.want {
				t.Errorf("%+v.Due(%d, %d, ...) = %v, want %v", tt.s, tt.lines, tt.lastSize, got,
					tt.want)
			}
		})
	}
}
