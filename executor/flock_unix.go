//go:build unix

package executor

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive, non-blocking advisory lock on f: two applies of one plan on one machine share a
// journal, and the second must not run. The kernel drops the lock when the process dies, however it dies.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
