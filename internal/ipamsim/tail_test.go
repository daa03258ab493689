package ipamsim

import (
	"slices"
	"testing"
	"time"
)

// windows opens n Deleting windows at one instant and returns their lengths.
func windows(t *testing.T, seed int64, tail DeleteDelayTail, n int) []time.Duration {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := New(Options{DeleteDelay: time.Second, DeleteDelayTail: tail, IDSeed: seed, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]time.Duration, n)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range out {
		out[i] = s.deletingUntil(now).Sub(now)
	}
	return out
}

// TestDeleteDelayTail: a share Ratio of the windows lasts Factor times the delay, the rest the delay; the
// same seed gives the same windows, another seed others.
func TestDeleteDelayTail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tail     DeleteDelayTail
		min, max int // slow windows out of 2,000
	}{
		{"none", DeleteDelayTail{}, 0, 0},
		{"one in ten", DeleteDelayTail{Ratio: 0.1, Factor: 10}, 140, 260},
		{"all", DeleteDelayTail{Ratio: 1, Factor: 3}, 2000, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := windows(t, 1, tt.tail, 2000)
			slow := 0
			for _, d := range got {
				switch {
				case d == time.Second:
				case tt.tail.Factor > 0 && d == time.Duration(float64(time.Second)*tt.tail.Factor):
					slow++
				default:
					t.Fatalf("a window of %v", d)
				}
			}
			if slow < tt.min || slow > tt.max {
				t.Errorf("%d slow windows of 2,000; want %d-%d", slow, tt.min, tt.max)
			}
			if again := windows(t, 1, tt.tail, 2000); !slices.Equal(got, again) {
				t.Error("the same seed gave other windows")
			}
			if tt.tail.Ratio > 0 && tt.tail.Ratio < 1 && slices.Equal(got, windows(t, 2, tt.tail, 2000)) {
				t.Error("another seed gave the same windows")
			}
		})
	}
}
