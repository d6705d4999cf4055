package core

import (
	"testing"
	"time"
)

func TestWallTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 12, 4, 11, 23, 16, 561848123, time.UTC), "2026-12-04T11:23:16.561848+00:00"},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), "2026-01-02T02:04:05.000000+00:00"},
		{time.Date(12, 1, 1, 0, 0, 0, 1000, time.UTC), "0012-01-01T00:00:00.000001+00:00"},
	}
	for _, tt := range tests {
		if got := WallTime(tt.in); got != tt.want {
			t.Errorf("WallTime(%v) = %s, want %s", tt.in, got, tt.want)
		}
		if back, err := ParseWallTime(WallTime(tt.in)); err != nil || !back.Equal(tt.in.Truncate(time.Microsecond)) {
			t.Errorf("ParseWallTime(WallTime(%v)) = %v, %v", tt.in, back, err)
		}
	}
}
