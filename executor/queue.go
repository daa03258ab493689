package executor

import (
	"container/heap"
	"sync"
)

// taskKind is what a worker does for a step.
type taskKind int

const (
	taskRecheck taskKind = iota // the dry run again, just before the call (the step had an expected dependency code)
	taskCall                    // the step's call
	taskPoll                    // the confirming read of an asynchronous step
	taskProbe                   // a read after a failed call of an action without ClientToken: did it take effect?
	// Answers decide reads outside the execute phase's queue.
	taskDryRun     // the up-front dry run
	taskDryRunRead // the read that stands in for the dry run of an action without DryRun
	taskVerify     // a resume's read of what an earlier run did
)

// task is one unit of work for the worker pool.
type task struct {
	step  int
	kind  taskKind
	first bool // the step's first call: the journal's start record is written before it is sent
	// refused is how many times the service refused the step's real call so far (StepToken)
	refused int
	// riders are waiting steps whose windows a poll looks at in the same read (driver.riders)
	riders []int
	priority
	seq uint64
}

// queue is the ready queue the workers take tasks from: the highest priority first (the longest remaining path
// of the plan's DAG), then the longest path through the step (the least slack), then by group (the
// allocations of one CIDR go together, so that the CIDR and its pool start while other pools' allocations are
// still going), then first in, first out.
type queue struct {
	mu     sync.Mutex
	h      taskHeap
	seq    uint64
	wake   chan struct{} // one pending wake-up; a worker that takes a task passes it on while tasks remain
	closed chan struct{}
	once   sync.Once
}

func newQueue() *queue {
	return &queue{wake: make(chan struct{}, 1), closed: make(chan struct{})}
}

func (q *queue) push(t task) {
	q.mu.Lock()
	q.seq++
	t.seq = q.seq
	heap.Push(&q.h, t)
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop blocks until a task is there or the queue is closed.
func (q *queue) pop() (task, bool) {
	for {
		q.mu.Lock()
		if n := len(q.h); n > 0 {
			t := heap.Pop(&q.h).(task)
			more := n > 1
			q.mu.Unlock()
			if more {
				q.signal()
			}
			return t, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-q.closed:
			return task{}, false
		}
	}
}

// drain removes and returns every queued task.
func (q *queue) drain() []task {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := []task(q.h)
	q.h = nil
	return out
}

func (q *queue) close() { q.once.Do(func() { close(q.closed) }) }

type taskHeap []task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio > h[j].prio
	}
	if h[i].through != h[j].through {
		return h[i].through > h[j].through
	}
	if h[i].group != h[j].group {
		return h[i].group < h[j].group
	}
	return h[i].seq < h[j].seq
}
func (h taskHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *taskHeap) Push(x any)   { *h = append(*h, x.(task)) }
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}
