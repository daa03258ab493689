//go:build !unix

package executor

import "os"

// lockFile is a no-op where flock does not exist; the IPAM lock tag still keeps two runs apart.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
