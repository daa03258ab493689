// Package sdkenv clears the DEBUG environment variable before the Alibaba Cloud SDK reads it.
//
// With DEBUG=dara (or tea, or credential) the SDK prints every request's headers to stdout: the
// Authorization header and the STS security token included, mixed into whatever the tool writes there (an
// inventory snapshot, a plan). The SDK reads DEBUG once, in the initialisation of its packages
// (github.com/alibabacloud-go/debug's Init, called from package-level variables of tea/dara, tea/tea and
// credentials-go), so clearing it in main or in cloudapi.New would come too late.
//
// This package imports nothing but os, so it is initialised before any package that imports net/http: the
// language initialises packages in import-path order among those whose imports are all initialised (Go 1.21
// and later), and this package is ready as soon as os is, while the SDK's packages wait for net/http, which
// sorts after it. cloudapi imports it, so every program that can reach the SDK through cloudapi has it.
package sdkenv

import "os"

// cleared is the value DEBUG had at start-up ("" when unset). It is written once, during package
// initialisation, and only read afterwards.
var cleared = clearDebug()

func clearDebug() string {
	v, ok := os.LookupEnv("DEBUG")
	if !ok {
		return ""
	}
	// The whole variable, not just the SDK's names in it: a later SDK version may read other names, and
	// nothing else in this process reads DEBUG.
	_ = os.Unsetenv("DEBUG")
	return v
}

// Cleared returns the value DEBUG had when the program started, which this package removed from the
// environment before the SDK could read it; "" when DEBUG was not set.
func Cleared() string { return cleared }
