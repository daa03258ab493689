// Package ipamsim emulates the Alibaba Cloud VPC IP Address Manager (VpcIpam 2023-02-28), with the
// Resource Sharing (2020-01-10), Vpc (2016-04-28) and Sts calls that touch it, strictly enough that a
// teardown tool proven against it behaves on the real service. It enforces every documented prerequisite
// (reference section 8) with the documented code and HTTP status, the seed error tables (reference 0.5),
// DryRun (checks parameters, existence, status, prerequisites and permission, mutates nothing, answers
// 400 DryRunOperation), ClientToken idempotency, NextToken/MaxResults pagination, RAM denials, and optional
// Deleting windows evaluated lazily against an injected clock.
//
// Sim is a wire.Backend and a wire.CredentialSource (the temporary credentials Sts AssumeRole issues):
// wire.NewServer (see Sim.Handler) puts the HTTP protocol, signatures, faults and the call log in front of it; Sim.Invoke takes the same path without HTTP. All state sits behind one
// mutex and ids are derived from Options.IDSeed, so a given call sequence always yields the same ids.
//
// # Choices where the reference says UNKNOWN
//
// Where the sources are silent the emulator picks the stricter behaviour. This is the one list of those
// choices; code comments refer to it as "UNKNOWN n".
//
//  1. RAM denial: HTTP 403, code Forbidden.RAM (VPC documents both Forbidden.RAM and NoPermission), with an
//     AccessDeniedDetail {PolicyType, AuthPrincipalOwnerId, AuthPrincipalType, AuthPrincipalDisplayName,
//     NoPermissionType, AuthAction "vpc:<Action>", EncodedDiagnosticMessage}. Checked before anything else
//     but the action's existence, so a dry run of a denied action is denied too.
//  2. RegionId: required on VpcIpam and Vpc calls (400 MissingParameter.RegionId); a region the emulator
//     does not serve answers 404 InvalidRegionId.NotFound. Each product is served in the regions of its own
//     endpoint map (catalog.Regions): VpcIpam in its 33, finance regions, ap-southeast-2 and cn-wuhan-lr
//     among them but not na-south-1; Vpc and ResourceSharing in Alibaba Cloud's public region list (28).
//     Options.Regions (a topology's regions) restricts them. Resources live in their region: an IPAM, scope
//     or pool looked up from another region is not found there.
//  3. ClientToken: only successful, non-dry-run answers are remembered, per (account, product, action,
//     token). The same token with different parameters answers 400 IdempotentParameterMismatch (the VPC
//     product's code). A token with non-ASCII or control characters is 400 IllegalParam.ClientToken.
//  4. Pagination: a MaxResults outside the action's range is 400 IllegalParam.MaxResults; a NextToken the
//     emulator did not issue for that action is 400 IllegalParam.NextToken.
//  5. Tag keys: the seed 004 rule (at most 64 letters, digits, '.', '_', '-', starting with a letter, not
//     "aliyun"/"acs:", no URL) applies to TagResources, the Tag.N of create calls and the Tags.N filters
//     too (400 IllegalParam.TagKey); values are at most 128 characters without a URL. A Tag.N.Value without
//     its Key is 400 MissingParameter.TagKey. More than 20 tags on a resource is 400 IllegalParamSize.Tags.
//  6. ListTagResources with neither ResourceId.N nor Tag.N: 400 MissingParameter.ResourceIds.
//  7. A second IPAM in one region for one account: 400 QuotaExceeded.Ipam (an IPAM in its Deleting window
//     still counts).
//  8. DeleteIpam checks in the order of seed 000's table: custom scopes (OperationFailed.IpamScopeExist),
//     pools (OperationFailed.IpamPoolExist), shared discoveries associated
//     (OperationDenied.SharedResourceDiscoveryAssociated), default discovery shared
//     (DependencyViolation.ShareResource), members (DependencyViolation.IpamMembers). Pools and scopes in
//     their Deleting window still count.
//  9. A sixth scope: 400 QuotaExceeded.IpamScope. Only "private" scopes can be created (400
//     IllegalParam.IpamScopeType otherwise).
//  10. DeleteIpamScope while pools remain: 400 DependencyViolation.IpamPool. A scope not in status Created
//     answers IncorrectStatus.IpamScope before the default-scope check.
//  11. AddIpamPoolCidr on a child whose parent has no CIDR: 400 OperationFailed.ParentPoolCidrNotExist; a
//     CIDR outside the parent's: 400 OperationFailed.CidrNotInParentPool; an overlap (with a parent
//     allocation, or with a top-level CIDR of the same scope): 400 OperationFailed.CidrOverlap; no free block
//     for a NetmaskLength: 400 OperationFailed.InsufficientCidr. CIDRs must be canonical ("10.0.0.0/8",
//     not "10.0.0.1/8"): 400 IllegalParam.Cidr. A child's CIDR must also respect the parent's allocation
//     mask range. Top-level public IPv6 pools get their NetmaskLength block from 2408:4000::/20.
//  12. DeleteIpamPoolCidr while a child pool's CIDR lies in it: 400 DependencyViolation.SubCidr; while a VPC
//     or Custom allocation lies in it: 400 OperationDenied.IpamPoolAllocationExist.
//  13. IsShared on a pool is true when the pool is shared *to* the caller (another account owns it); the
//     owner sees false. A consumer sees a shared pool from the pool's IPAM region or its PoolRegionId.
//  14. DeleteIpamPool checks in this order: consumer (400 OperationDenied.Unauthorized), Deleting (400
//     OperationConflict), shared (DependencyViolation.ShareResource), sub-pools
//     (DependencyViolation.IpamPool), allocations of a pool with PoolRegionId
//     (OperationDenied.PoolRegionNotSupportDeletePool), custom allocations
//     (DependencyViolation.CustomPoolAllocation), CIDRs (DependencyViolation.PoolCidr).
//  15. Allocating from a pool without CIDRs: 400 OperationFailed.IpamPoolCidrNotExist; outside the pool's
//     CIDRs: 400 OperationFailed.CidrNotInPool; overlap: 400 OperationFailed.CidrOverlap; a mask outside
//     the pool's range: 400 IllegalParam.CidrMask; CidrMask absent without a default mask: 400
//     MissingParameter.CidrMask.
//  16. ResourceNotFound.IpamPool is HTTP 404 on every call (seeds 001 and 004 say 404; the other
//     ResourceNotFound.* codes are 400).
//  17. Deleting window (Options.DeleteDelay > 0): DeleteIpam, DeleteIpamScope and DeleteIpamPool leave the
//     object listed with status Deleting until the delay has passed. Deleting it again, or creating or
//     provisioning under it, answers 400 OperationConflict (IncorrectStatus.IpamScope for scopes). A
//     released allocation disappears from lists and Get at once but keeps its space and blocks
//     DeleteIpamPoolCidr (OperationDenied.IpamPoolAllocationExist) until the delay has passed (rule 19).
//     A parent's delete (and its dry run) while a dependent is in its window answers that edge's
//     dependency code, as while the dependent exists (RULES.md 1.10: DependencyViolation.IpamPool for a
//     pool's sub-pool or a scope's pool, OperationFailed.IpamPoolExist / IpamScopeExist for an IPAM).
//     The window is a stress mode stricter than the service: Alibaba's Terraform provider, pointed at the
//     emulator, deletes a child pool, its parent and the IPAM back to back and does not retry those codes,
//     so under a window its destroy fails where against the service it passes. The tool's tests pass in
//     both modes (DeleteDelay 0, the default, is the synchronous service).
//  18. Missing required parameters answer 400 MissingParameter.<Name>, malformed ones 400
//     IllegalParam.<Name>, as the seed pages name them.
//  19. Pool defaults: IpVersion IPv4 in a private scope, IPv6 in the public one; allocation masks 0..32
//     (0..128) when not given; no default mask unless AllocationDefaultCidrMask is given. A top-level pool
//     has PoolDepth 1, the deepest allowed is 10 (400 QuotaExceeded.PoolDepth); more than 50 sub-pools is
//     400 QuotaExceeded.SubPool, more than 500 pools in a scope 400 QuotaExceeded.IpamPool.
//  20. Rule 20 for allocations: the pool owner may release VPC and Custom allocations, consumers' included;
//     a consumer releasing a VPC allocation gets 400 OperationDenied.ResourceTypeIsNotCustom, and another
//     account's custom allocation 400 OperationDenied.Unauthorized. A consumer cannot provision, deprovision,
//     delete or create children of a shared pool (400 OperationDenied.Unauthorized).
//  21. TagResources and UntagResources have no DryRun parameter (reference 1.6). DryRun=true on them is
//     refused with 400 InvalidParameter.DryRun and no change; see 110.
//  22. Pool CIDR calls (AddIpamPoolCidr, DeleteIpamPoolCidr, ListIpamPoolCidrs) and pool/scope/IPAM deletes
//     sent to a region other than the IPAM's hosted region do not find the object there (404
//     ResourceNotFound.IpamPool, 400 ResourceNotFound.IpamScope / ResourceNotFound.Ipam). Allocation calls
//     sent to a region other than the pool's allocation region (its PoolRegionId, else the hosted region)
//     answer 400 OperationDenied.RequestRegionInvalid (seed 001), except GetIpamPoolAllocation, which does
//     not find the allocation there (400 ResourceNotFound.IpamPoolAllocation).
//
// PERIPHERY's calls (resource discoveries, members, Resource Sharing, Vpc, Sts) number their choices from
// 101 so that the two lists can grow independently.
//
//  101. DeleteIpamResourceDiscovery checks, in order: visible in the region (400
//     ResourceNotFound.IpamResourceDiscovery), caller is the owner (400 OperationDenied.Unauthorized, the
//     seed 001 code), not the default discovery (400 OperationDenied.DeleteSystemIpamResourceDiscovery,
//     named after seed 002's dissociation code; rule 14), not associated with any IPAM (rule 16, enforced:
//     400 DependencyViolation.ResourceDiscoveryAssociation), not in a share (rule 15: 400
//     DependencyViolation.ShareResource). Association before share, so that a shared, associated discovery
//     answers in teardown order: dissociate, unshare, delete.
//  102. Discoveries are regional: an id looked up from another region is not found. CreateIpamResourceDiscovery
//     needs OperatingRegionList with the hosted region in it (400 IllegalParam.OperatingRegionList); a
//     second discovery of an account in a region, the IPAM's default one included, is 400
//     QuotaExceeded.IpamResourceDiscovery.
//  103. AssociateIpamResourceDiscovery: another account's discovery not shared with the caller is 400
//     Forbidden.IpResourceAccess (the product-wide code); a discovery already associated with an IPAM is 400
//     OperationDenied.ResourceDiscoveryAlreadyAssociated; a discovery of an account the IPAM manages as a
//     member is 400 OperationDenied.MemberExistInIpamRDService. DissociateIpamResourceDiscovery may be called
//     by the IPAM's owner or the discovery's owner. ListIpamResourceDiscoveries: IsShared=true selects the
//     discoveries shared with the caller; ShareType is "Shared" for those, "Sharing" for the caller's own
//     discoveries in a live share, "" otherwise. ListIpamResourceDiscoveryAssociations shows the
//     associations of the caller's IPAMs and of the caller's discoveries.
//  104. Members (seed 003): no resource directory, or a caller outside it: OperationDenied.AccountNotRDEntity;
//     a directory without a delegated administrator: OperationDenied.NoServicePrincipalAdminPrivileges; a
//     MemberId that is not an account (or folder) of the directory of its MemberType:
//     OperationDenied.MemberIdNotMatchMemberType; an account already managed through a member folder, or a
//     member listed twice: OperationDenied.MemberExistInIpamRDService; the administrator is never counted
//     in a folder; QuotaExceeded.MemberAccount when the distinct managed accounts would exceed 1,000.
//     Missing Members or fields: 400 MissingParameter.Members/MemberId/MemberType; an unknown MemberType:
//     400 IllegalParam.MemberType. RemoveIpamMembers of a member that is not managed: 400
//     OperationDenied.MemberNotExistInIpamRDService; removed members leave the state (no Deleted rows).
//     ListIpamMembers lists the members of the caller's IPAM in the region (empty for anyone else).
//  105. Resource Sharing principals: a target in the same resource directory as the owner is Associated at
//     once; any other target needs AllowExternalTargets (409 AccountNotInResourceDirectory otherwise) and,
//     the emulator having no invitation calls, its invitation counts as accepted when the DeleteDelay window
//     ends (Associating meanwhile, without access; at once when there is no delay). Resource rows are
//     Associated at once. Disassociation and DeleteResourceShare pass through Disassociating/Deleting for
//     the DeleteDelay window. DeleteResourceShare does not require prior disassociation (reference 5.5).
//  106. Resource Sharing codes: an unknown or foreign resource is 404 EntityNotExists.Resource; a type other
//     than IpamPool and IpamResourceDiscovery is 400 InvalidParameter.ResourceType; more than 5 of
//     Resources.N, Targets.N or ResourceShareIds.N is 400 InvalidParameter.<Name>; a share name reused among
//     the owner's shares that are not Deleted is 409 EntityAlreadyExists.ResourceShare; AssociateResourceShare
//     on a Deleting share is 409 ConcurrentExecutionError; a Deleted or foreign share is 404
//     EntityNotExists.ResourceShare; Associate/Disassociate without entities is 400 MissingParameter;
//     disassociating a row that is not Associated is 400 DisassociateInvalid, one that is Associating 409
//     DisassociateConflict; re-associating one that is Disassociating 409 AssociateConflict; deleting a share
//     that is Deleting or has an Associating/Disassociating row is 409 DeleteResourceShareConflict; the list
//     calls answer 400 InvalidParameter.MaxResults/.NextToken/.ResourceOwner/.AssociationType/
//     .AssociationStatus/.ResourceShareStatus. Deleted shares and Disassociated rows stay listed (never
//     purged). A principal may leave (ResourceOwner=OtherAccounts) only as an external target and never a
//     share holding pools (400 UnsupportedOperation). Targets are account ids only; folders or the whole
//     directory as targets are not modelled (400 InvalidParameter.Targets), nor are ResourceArns.N.
//  107. What "shared" means: a resource counts as shared (DeleteIpamPool, DeleteIpam,
//     DeleteIpamResourceDiscovery) while any of its rows is Associating, Associated or Disassociating (rule
//     17); an account has access while both the resource's row and its own target row are Associated or
//     Disassociating. When access ends, associations of the discovery with the account's IPAMs are removed;
//     allocations made from a pool stay.
//  108. Vpc: a VPC is Available at once (CreateVpc's Creating phase is not modelled); an unknown VPC is 404
//     InvalidVpcId.NotFound; a VPC that is not Available is 400 IncorrectVpcStatus; DeleteVpc with a
//     DeleteDelay leaves it Deleting, and its pool allocations are released when it is gone;
//     UnassociateVpcCidrBlock releases at once (both subject to the release window of 17). The primary block
//     is not a secondary one (400 InvalidCidrBlock.NotFound); a block already on the VPC is 400
//     InvalidCidrBlock.Overlapped; a sixth secondary block of a version 400 QuotaExceeded.SecondaryCidrBlock;
//     IPv6 on a VPC without IPv6 400 OperationFailed.Ipv6NotEnabled; Ipv6IpamPoolId without EnableIpv6 400
//     IllegalParam.EnableIpv6; IPv4 VPC masks are /8 to /28 (400 InvalidCidrBlock.Malformed,
//     IllegalParam.Ipv4CidrMask, IllegalParam.SecondaryCidrMask). The pool's allocation errors map to the
//     documented Vpc codes: mask outside the pool's range OperationDenied.MaskOfCidrIsNotAllowed, no free
//     block or no CIDR OperationDenied.AvailableCidrInsufficient, outside the pool or overlapping
//     OperationDenied.CidrUnavailableInPool; a pool without PoolRegionId OperationDenied.IpamPoolNotInRegion,
//     one of another region OperationDenied.RequestRegionInvalid, of the other IP version
//     Mismatch.IpVersionAndIpamPoolIpVersion (on CreateVpc too). DescribeVpcs: PageSize 1-50 (default 10),
//     PageNumber from 1 (400 IllegalParam.PageSize/PageNumber), VpcId a comma list of at most 20. Without a
//     pool a VPC gets 172.16.0.0/12, and with EnableIpv6 a /56 under 2409:8a00::/32 (outside the pools' IPv6 space).
//  109. Sts GetCallerIdentity answers the account's root identity: IdentityType Account, Arn
//     acs:ram::<account>:root, PrincipalId and UserId the account id. With a temporary credential it answers
//     the role's account, IdentityType AssumedRoleUser, Arn acs:ram::<account>:role/<role>/<session>,
//     PrincipalId the AssumedRoleId and RoleId (no UserId).
//  110. TagResources, UntagResources, CreateResourceShare, AssociateResourceShare, DisassociateResourceShare,
//     DeleteResourceShare, AssociateVpcCidrBlock and UnassociateVpcCidrBlock have no DryRun parameter
//     (reference 1.6). The real service is likely to ignore the unknown parameter and act. The emulator
//     refuses DryRun=true on them with 400 InvalidParameter.DryRun and changes nothing: stricter than acting,
//     and unlike pretending to dry-run it makes a client that sends one of them in a dry-run pass fail its
//     tests instead of deleting something in production.
//  111. Sts AssumeRole and temporary credentials. Roles (Options.Accounts[].Roles, a topology's roles) trust
//     whole accounts. The emulator's account keys may assume roles, although the service refuses root keys
//     (NoPermission "Roles may not be assumed by root accounts"): the keys stand for a RAM user allowed
//     sts:AssumeRole. Checks in order: RoleArn absent 400 MissingRoleArn, RoleSessionName absent 400
//     MissingRoleSessionName (the Sts product's Missing<Name> style), RoleArn not acs:ram::<digits>:role/<name>
//     400 InvalidParameter.RoleArn, RoleSessionName not 2-64 of [A-Za-z0-9.@_-] 400
//     InvalidParameter.RoleSessionName, DurationSeconds outside 900-43200 400 InvalidParameter.DurationSeconds
//     (every role's maximum session duration is taken as 43200), a Policy 400 InvalidParameter.Policy (session
//     policies are not modelled; ignoring one would grant more than the service does), no such role or
//     account 404 EntityNotExist.Role, a caller's account not in the trust list 403 NoPermission (the code the
//     Sts error guide gives for an unauthorized AssumeRole, chosen over Forbidden.RAM because the trust policy,
//     not the caller's RAM policy, refuses). ExternalId is accepted and ignored. The answer: Credentials
//     {AccessKeyId "STS.…", AccessKeySecret, SecurityToken, Expiration "2006-01-02T15:04:05Z" on the
//     emulator's clock} and AssumedRoleUser {Arn acs:ram::<account>:role/<role, lower case>/<session>,
//     AssumedRoleId <17-digit role id>:<session>}. The credential acts as the role's account (its Denied list
//     included) on every later call; the wire layer verifies the signature with the temporary secret and then
//     the token: none 400 MissingSecurityToken, another (or one on a permanent key) 400
//     InvalidSecurityToken.MismatchWithAccessKey. At or after Expiration (Options.Now) every call answers 400
//     InvalidSecurityToken.Expired, the gateway's code; 400 rather than 401 because the gateway answers
//     authentication failures 400 and the SDK retries neither. Credentials are never purged, so an old one
//     answers Expired, not InvalidAccessKeyId.NotFound. A temporary credential may call AssumeRole (chaining).
package ipamsim
