// Package conformance proves the emulator (package ipamsim) faithful to the VpcIpam reference by driving it
// the way the tool does: through the official Alibaba Cloud SDKs over real HTTP. The typed
// vpcipam-20230228 v1.0.3 client serves the operations it has; darabonba-openapi's CallApiWithCtx serves the
// ones it lacks (resource discoveries, associations, members, Resource Sharing 2020-01-10); the
// vpc-20160428 v6 client serves the Vpc calls. Errors are asserted as the SDK surfaces them, a
// *tea.SDKError with an exact Code and HTTP StatusCode.
//
// The package holds only tests. Each test starts its own emulator on a loopback listener, builds its
// fixtures through the SDK, and checks one documented fact:
//
//   - TestSeed000_* .. TestSeed004*: every error code of the five seed pages (reference 0.5).
//   - TestRuleNN_*: every dependency rule of reference section 8, refused in the wrong order and accepted in
//     the right one; for the rules that are ordering advice (17, 19) the observable behaviour: Deleting
//     windows, OperationConflict, and the IpamPoolAllocationExist race under Options.DeleteDelay.
//   - the cross-cutting contracts: dry run leaves GET /_sim/state byte-identical for every mutating action,
//     ClientToken replay and mismatch, pagination over 250 items, signature tampering, seeded faults
//     reproducible in GET /_sim/calls, RAM denials (dry run included), and multi-account sharing.
package conformance
