// Package conformance proves the emulator (package ipamsim) faithful to the VpcIpam reference by driving it
// the way the tool does: through the official Alibaba Cloud SDKs over real HTTP, signed requests and all.
// The typed vpcipam-20230228 v1.0.3 client serves the operations it has; darabonba-openapi's
// CallApiWithCtx serves the ones it lacks (resource discoveries, associations, members, GetIpamPoolAllocation,
// Resource Sharing 2020-01-10, Sts); the vpc-20160428 v6 client serves the Vpc calls. Errors are asserted as
// the SDK surfaces them: a *tea.SDKError with an exact Code and HTTP StatusCode.
//
// The package holds only tests. Each test starts its own emulator (ipamsim.New behind sim.Handler on an
// httptest listener, with three accounts and an injected clock), builds its fixtures through the SDK, and
// checks one documented fact:
//
//   - TestSeed000_* .. TestSeed004_*: every error code of the five seed pages (reference 0.5), with its
//     HTTP status and the seed's wording of the message; TestSeedLimits and TestSeedSuccessBodies the
//     seeds' limits at their bounds and their RequestId-only answers.
//   - TestRule01_* .. TestRule22_*: every dependency rule of reference section 8, refused with its code in
//     the wrong order and accepted in the right one. For the rules that are ordering advice (17, 18, 19,
//     21) the observable behaviour under Options.DeleteDelay: Disassociating and Deleting states,
//     OperationConflict, DeleteResourceShareConflict, and the OperationDenied.IpamPoolAllocationExist race
//     between a release and a CIDR deprovision. TestSection8Order runs the section's resulting order on a
//     world holding every kind of dependency and checks that nothing outside it is deleted.
//   - The cross-cutting contracts: a dry run of each of the 26 mutating actions answers DryRunOperation and
//     leaves GET /_sim/state byte-identical while the real call does change it, and a failed dry run
//     answers the real error; ClientToken replay returns the first answer with no second effect and a
//     mismatch is refused; pagination over 250 pools (MaxResults 100: three pages, every id once) and the
//     refused ranges; tampered, mis-keyed, stale and replayed signatures refused with no effect; seeded
//     faults reproducible in GET /_sim/calls; per-account QPS caps; RAM denials (403, dry run included);
//     multi-account sharing (OwnerId and IsShared as the consumer sees them, only the owner deletes);
//     error and success bodies, the call log, GET requests, and Sts caller identity.
package conformance
