package ipamsim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// windows opens the Deleting windows of n resources at one instant, in the order given by order (nil: 0 to
// n-1), and returns their lengths by resource.
func windows(t *testing.T, seed int64, tail DeleteDelayTail, n int, order []int) []time.Duration {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := New(Options{DeleteDelay: time.Second, DeleteDelayTail: tail, IDSeed: seed, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if order == nil {
		order = make([]int, n)
		for i := range order {
			order[i] = i
		}
	}
	out := make([]time.Duration, n)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range order {
		key := fmt.Sprintf("ipam-pool-%d", i)
		out[i] = s.deletingUntil(now, key).Sub(now)
		if w := s.DeleteWindow(key); w != out[i] {
			t.Fatalf("DeleteWindow(%s) = %v, the window opened %v", key, w, out[i])
		}
	}
	return out
}

// TestDeleteDelayTail: a share Ratio of the windows lasts Factor times the delay, the rest the delay; the
// same seed gives each resource the same window whatever the order of the deletes, another seed others.
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
			got := windows(t, 1, tt.tail, 2000, nil)
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
			reversed := make([]int, 2000)
			for i := range reversed {
				reversed[i] = 1999 - i
			}
			if again := windows(t, 1, tt.tail, 2000, reversed); !slices.Equal(got, again) {
				t.Error("the same seed gave other windows when the deletes came in another order")
			}
			if tt.tail.Ratio > 0 && tt.tail.Ratio < 1 && slices.Equal(got, windows(t, 2, tt.tail, 2000, nil)) {
				t.Error("another seed gave the same windows")
			}
		})
	}
}
