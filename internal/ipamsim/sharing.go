package ipamsim

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Resource Sharing 2020-01-10 for IPAM pools and resource discoveries (reference 5; rules 6, 11, 15, 17, 18).
//
// A share holds entity rows: resources (IpamPool, IpamResourceDiscovery) and targets (accounts). A row is
// never edited back to life: re-associating something that was disassociated appends a new row, as the
// service keeps Disassociated records for a while. Disassociation and share deletion are asynchronous when
// Options.DeleteDelay > 0: rows stay Disassociating (the consumer keeps its access, and the resource still
// counts as shared) until the window ends, evaluated lazily by settleSharing.

// Share and association statuses.
const (
	shareActive   = "Active"
	shareDeleting = "Deleting"
	shareDeleted  = "Deleted"

	assocAssociating    = "Associating"
	assocAssociated     = "Associated"
	assocDisassociating = "Disassociating"
	assocDisassociated  = "Disassociated"

	entityResource = "Resource"
	entityTarget   = "Target"

	sharePool      = "IpamPool"
	shareDiscovery = "IpamResourceDiscovery"
)

// maxShareEntities is the N limit of Resources.N, Targets.N and ResourceShareIds.N.
const maxShareEntities = 5

// share is one resource share.
type share struct {
	Seq           int64          `json:"seq"`
	ID            string         `json:"id"`
	Owner         string         `json:"owner"`
	Name          string         `json:"name"`
	AllowExternal bool           `json:"allow_external_targets"`
	Status        string         `json:"status"`
	Entities      []*shareEntity `json:"entities,omitempty"`
	Created       time.Time      `json:"created"`
	Updated       time.Time      `json:"updated"`
	DeleteAt      time.Time      `json:"delete_at,omitzero"` // end of the Deleting window
}

// shareEntity is one association row of a share: a resource or a target.
type shareEntity struct {
	Seq      int64     `json:"seq"`
	Kind     string    `json:"kind"` // Resource | Target
	ID       string    `json:"id"`   // resource id or account id
	Type     string    `json:"type"` // IpamPool | IpamResourceDiscovery | Account
	Status   string    `json:"status"`
	External bool      `json:"external,omitempty"` // a target outside the resource directory
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	DueAt    time.Time `json:"due_at,omitzero"` // when Associating/Disassociating completes
}

// live reports whether the row still ties its entity to the share (access and "is shared" both last until
// a disassociation completes).
func (e *shareEntity) live() bool {
	return e.Status == assocAssociated || e.Status == assocDisassociating
}

// pending reports whether the row is in an unfinished task.
func (e *shareEntity) pending() bool {
	return e.Status == assocAssociating || e.Status == assocDisassociating
}

// registerSharing registers the Resource Sharing actions.
func (s *Sim) registerSharing(m handlerSet) {
	p := wire.ProductResourceSharing
	m.add(p, "CreateResourceShare", s.createResourceShare)
	m.add(p, "AssociateResourceShare", s.associateResourceShare)
	m.add(p, "DisassociateResourceShare", s.disassociateResourceShare)
	m.add(p, "DeleteResourceShare", s.deleteResourceShare)
	m.add(p, "ListResourceShares", s.listResourceShares)
	m.add(p, "ListResourceShareAssociations", s.listResourceShareAssociations)
}

// rsTime formats times as Resource Sharing does (milliseconds, e.g. 2020-12-03T08:02:22.413Z).
func rsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func errShareNotFound(id string) *wire.Error {
	return wire.Errorf(http.StatusNotFound, "EntityNotExists.ResourceShare", "Resource sharing does not exist in the current account: %s.", id)
}

func errInvalid(code, format string, args ...any) *wire.Error {
	return wire.Errorf(http.StatusBadRequest, code, format, args...)
}

// sharedWith reports whether resourceID is shared with account: a share of the resource's owner holds both
// a live row for the resource and a live row for the account. The owner itself is not "shared with".
func (s *Sim) sharedWith(resourceID, account string) bool {
	for _, sh := range s.st.sharesOf[resourceID] {
		if sh.Status == shareDeleted || sh.Owner == account {
			continue
		}
		var res, tgt bool
		for _, e := range sh.Entities {
			if !e.live() {
				continue
			}
			switch {
			case e.Kind == entityResource && e.ID == resourceID:
				res = true
			case e.Kind == entityTarget && e.ID == account:
				tgt = true
			}
		}
		if res && tgt {
			return true
		}
	}
	return false
}

// activeShareIDs returns the ids of the shares that still hold resourceID (a row that is not yet
// Disassociated), sorted. A resource counts as shared until every disassociation has completed (rule 17).
func (s *Sim) activeShareIDs(resourceID string) []string {
	var out []string
	for _, sh := range s.st.sharesOf[resourceID] {
		if sh.Status == shareDeleted {
			continue
		}
		for _, e := range sh.Entities {
			if e.Kind == entityResource && e.ID == resourceID && (e.live() || e.pending()) {
				out = append(out, sh.ID)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// settleSharing completes the association windows and share deletions that ended by now, then drops the
// discovery associations that lost their share. It is the one hook CORE's settle calls for PERIPHERY's
// objects, so it also ends the VPC Deleting windows (settleVpcs).
func (s *Sim) settleSharing(now time.Time) {
	s.settleVpcs(now)
	due := false
	for _, sh := range s.st.Shares {
		if sh.Status == shareDeleting && !now.Before(sh.DeleteAt) {
			due = true
		}
		for _, e := range sh.Entities {
			if !e.DueAt.IsZero() && !now.Before(e.DueAt) {
				due = true
			}
		}
	}
	if !due { // the common case: a scan without sorting or allocation
		return
	}
	changed := false
	for _, sh := range sortedBySeq(s.st.Shares, func(x *share) int64 { return x.Seq }) {
		for _, e := range sh.Entities {
			if e.DueAt.IsZero() || now.Before(e.DueAt) {
				continue
			}
			switch e.Status {
			case assocAssociating:
				e.Status = assocAssociated
			case assocDisassociating:
				e.Status = assocDisassociated
			}
			e.Updated, e.DueAt = e.DueAt, time.Time{}
			changed = true
		}
		if sh.Status == shareDeleting && !now.Before(sh.DeleteAt) {
			sh.Status, sh.Updated, sh.DeleteAt = shareDeleted, sh.DeleteAt, time.Time{}
			changed = true
		}
	}
	if changed {
		s.dropUnsharedAssociations()
	}
}

// dropUnsharedAssociations removes the associations of discoveries that are no longer shared with the IPAM's
// owner: unsharing a discovery removes its association with the other account's IPAM (reference 5.1).
func (s *Sim) dropUnsharedAssociations() {
	for id, a := range s.st.Associations {
		if a.IsDefault || a.DiscoveryOwner == a.IpamOwner {
			continue
		}
		if !s.sharedWith(a.DiscoveryID, a.IpamOwner) {
			delete(s.st.Associations, id)
		}
	}
}

// inDirectory reports whether both accounts belong to the resource directory; principals there accept a
// share automatically (reference 5.1).
func (s *Sim) inDirectory(a, b string) bool {
	rd := s.opts.ResourceDirectory
	return rd != nil && slices.Contains(rd.Accounts, a) && slices.Contains(rd.Accounts, b)
}

// entityRef is one resource or target named in a request.
type entityRef struct{ kind, id, typ string }

// parseShareEntities reads Resources.N.ResourceId/ResourceType and Targets.N (each N 1-5).
func parseShareEntities(c *call) ([]entityRef, error) {
	res := c.params.Objects("Resources")
	tgts := c.params.List("Targets")
	if len(res) > maxShareEntities {
		return nil, errInvalid("InvalidParameter.Resources", "At most %d resources can be specified at a time, got %d.", maxShareEntities, len(res))
	}
	if len(tgts) > maxShareEntities {
		return nil, errInvalid("InvalidParameter.Targets", "At most %d targets can be specified at a time, got %d.", maxShareEntities, len(tgts))
	}
	var out []entityRef
	for i, r := range res {
		id, typ := r["ResourceId"], r["ResourceType"]
		if id == "" || typ == "" {
			return nil, errInvalid("InvalidParameter.Resources", "Resources.%d.ResourceId and Resources.%d.ResourceType must be used in pairs.", i+1, i+1)
		}
		if typ != sharePool && typ != shareDiscovery {
			// UNKNOWN 106: the code for a type the emulator does not share; it serves only the IPAM types.
			return nil, errInvalid("InvalidParameter.ResourceType", "Resources.%d.ResourceType %q is not supported: use IpamPool or IpamResourceDiscovery.", i+1, typ)
		}
		out = append(out, entityRef{entityResource, id, typ})
	}
	for i, t := range tgts {
		if t == "" || strings.Trim(t, "0123456789") != "" {
			return nil, errInvalid("InvalidParameter.Targets", "Targets.%d %q is not an account id.", i+1, t)
		}
		out = append(out, entityRef{entityTarget, t, "Account"})
	}
	return out, nil
}

// checkShareEntities validates entities for sh (owned by the caller): resources must be the caller's,
// targets other accounts, outside the resource directory only with AllowExternalTargets.
func (s *Sim) checkShareEntities(c *call, allowExternal bool, refs []entityRef) error {
	for _, r := range refs {
		switch {
		case r.kind == entityTarget && r.id == c.account:
			return errInvalid("InvalidParameter.Targets", "The resource owner %s cannot be a target of its own share.", r.id)
		case r.kind == entityTarget && !allowExternal && !s.inDirectory(c.account, r.id):
			return wire.Errorf(http.StatusConflict, "AccountNotInResourceDirectory", "The account %s is not in the resource directory; set AllowExternalTargets to share with it.", r.id)
		case r.kind == entityResource && r.typ == sharePool:
			if p, ok := s.st.Pools[r.id]; !ok || p.Owner != c.account || p.Status == statusDeleting {
				return errResourceNotFound(r)
			}
		case r.kind == entityResource && r.typ == shareDiscovery:
			if d, ok := s.st.Discoveries[r.id]; !ok || d.Owner != c.account {
				return errResourceNotFound(r)
			}
		}
	}
	return nil
}

// errResourceNotFound answers a resource the caller does not own (UNKNOWN 106: Resource Sharing's code for it).
func errResourceNotFound(r entityRef) *wire.Error {
	return wire.Errorf(http.StatusNotFound, "EntityNotExists.Resource", "The %s %s does not exist in the current account.", r.typ, r.id)
}

// addEntities appends association rows for refs not already live or pending in sh and returns the rows of
// every ref. Targets inside the resource directory are accepted at once; external targets get an invitation
// the emulator takes as accepted when the DeleteDelay window ends (UNKNOWN 105).
func (s *Sim) addEntities(c *call, sh *share, refs []entityRef) []*shareEntity {
	var rows []*shareEntity
	for _, r := range refs {
		if e := latestEntity(sh, r); e != nil && (e.live() || e.pending()) {
			rows = append(rows, e)
			continue
		}
		e := &shareEntity{Seq: s.st.nextSeq(), Kind: r.kind, ID: r.id, Type: r.typ, Status: assocAssociated, Created: c.now, Updated: c.now}
		if r.kind == entityTarget && !s.inDirectory(sh.Owner, r.id) {
			e.External = true
			if until := s.deletingUntil(c.now, ShareWindowKey(sh.ID, r.id)); !until.IsZero() {
				e.Status, e.DueAt = assocAssociating, until
			}
		}
		sh.Entities = append(sh.Entities, e)
		rows = append(rows, e)
		if r.kind == entityResource && !slices.Contains(s.st.sharesOf[r.id], sh) {
			if s.st.sharesOf == nil {
				s.st.sharesOf = map[string][]*share{}
			}
			s.st.sharesOf[r.id] = append(s.st.sharesOf[r.id], sh)
		}
	}
	sh.Updated = c.now
	return rows
}

// latestEntity returns the newest row of sh for ref, or nil.
func latestEntity(sh *share, r entityRef) *shareEntity {
	for i := len(sh.Entities) - 1; i >= 0; i-- {
		e := sh.Entities[i]
		if e.Kind == r.kind && e.ID == r.id && e.Type == r.typ {
			return e
		}
	}
	return nil
}

func (s *Sim) entityMap(sh *share, e *shareEntity) map[string]any {
	return map[string]any{
		"ResourceShareId":          sh.ID,
		"ResourceShareName":        sh.Name,
		"AssociationType":          e.Kind,
		"EntityId":                 e.ID,
		"EntityType":               e.Type,
		"AssociationStatus":        e.Status,
		"AssociationStatusMessage": "",
		"External":                 e.External,
		"CreateTime":               rsTime(e.Created),
		"UpdateTime":               rsTime(e.Updated),
	}
}

func (s *Sim) shareMap(sh *share) map[string]any {
	return map[string]any{
		"ResourceShareId":      sh.ID,
		"ResourceShareName":    sh.Name,
		"ResourceShareOwner":   sh.Owner,
		"ResourceShareStatus":  sh.Status,
		"AllowExternalTargets": sh.AllowExternal,
		"CreateTime":           rsTime(sh.Created),
		"UpdateTime":           rsTime(sh.Updated),
	}
}

// validShareName checks the 1-50 character name: letters (Chinese included), digits, '.', '_' and '-'.
func validShareName(n string) bool {
	if c := utf8.RuneCountInString(n); c < 1 || c > 50 {
		return false
	}
	for _, r := range n {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// ownShare returns the caller's share with that id that is not Deleted.
func (s *Sim) ownShare(c *call) (*share, error) {
	if err := c.require("ResourceShareId"); err != nil {
		return nil, err
	}
	id := c.params.Get("ResourceShareId")
	sh, ok := s.st.Shares[id]
	if !ok || sh.Owner != c.account || sh.Status == shareDeleted {
		return nil, errShareNotFound(id)
	}
	return sh, nil
}

// CreateResourceShare creates a share, optionally with resources and targets.
func (s *Sim) createResourceShare(c *call) (map[string]any, error) {
	if err := c.require("ResourceShareName"); err != nil {
		return nil, err
	}
	name := c.params.Get("ResourceShareName")
	if !validShareName(name) {
		return nil, errInvalid("InvalidParameter.ResourceShareName", "ResourceShareName %q must be 1 to 50 letters, digits, periods, underscores or hyphens.", name)
	}
	allow, err := c.params.Bool("AllowExternalTargets", false)
	if err != nil {
		return nil, errInvalid("InvalidParameter.AllowExternalTargets", "%v", err)
	}
	refs, err := parseShareEntities(c)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	for _, sh := range s.st.Shares {
		if sh.Owner == c.account && sh.Name == name && sh.Status != shareDeleted {
			// UNKNOWN 106: whether names are unique per owner; the stricter reading refuses a duplicate.
			return nil, wire.Errorf(http.StatusConflict, "EntityAlreadyExists.ResourceShare", "A resource share named %q already exists.", name)
		}
	}
	if err := s.checkShareEntities(c, allow, refs); err != nil {
		return nil, err
	}
	sh := &share{
		Seq:           s.st.nextSeq(),
		ID:            s.newShareID(),
		Owner:         c.account,
		Name:          name,
		AllowExternal: allow,
		Status:        shareActive,
		Created:       c.now,
		Updated:       c.now,
	}
	s.st.Shares[sh.ID] = sh
	s.setTags(sh.ID, tags)
	s.addEntities(c, sh, refs)
	return map[string]any{"ResourceShare": s.shareMap(sh)}, nil
}

// AssociateResourceShare adds resources and targets to the caller's share.
func (s *Sim) associateResourceShare(c *call) (map[string]any, error) {
	sh, err := s.ownShare(c)
	if err != nil {
		return nil, err
	}
	if sh.Status != shareActive {
		return nil, wire.Errorf(http.StatusConflict, "ConcurrentExecutionError", "The resource share %s is being deleted.", sh.ID)
	}
	refs, err := parseShareEntities(c)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, errInvalid("MissingParameter", "Specify at least one of Resources.N or Targets.N.")
	}
	if err := s.checkShareEntities(c, sh.AllowExternal, refs); err != nil {
		return nil, err
	}
	for _, r := range refs {
		if e := latestEntity(sh, r); e != nil && e.Status == assocDisassociating {
			return nil, wire.Errorf(http.StatusConflict, "AssociateConflict", "You cannot associate %s while disassociation operation is being performed.", r.id)
		}
	}
	rows := s.addEntities(c, sh, refs)
	items := make([]map[string]any, 0, len(rows))
	for _, e := range rows {
		items = append(items, s.entityMap(sh, e))
	}
	return map[string]any{"ResourceShareAssociations": items}, nil
}

// disassociate starts (or, without a DeleteDelay, completes) the disassociation of a row.
func (s *Sim) disassociate(c *call, sh *share, e *shareEntity) {
	e.Updated = c.now
	if until := s.deletingUntil(c.now, ShareWindowKey(sh.ID, e.ID)); !until.IsZero() {
		e.Status, e.DueAt = assocDisassociating, until
		return
	}
	e.Status, e.DueAt = assocDisassociated, time.Time{}
}

// DisassociateResourceShare removes resources and targets from a share (reference 5.4). ResourceOwner=Self
// (default) is the owner's call; OtherAccounts lets an external principal leave a share, except a share of
// IPAM pools, which a principal cannot leave (reference 5.1). No DryRun parameter: dispatch refuses one (UNKNOWN 110).
func (s *Sim) disassociateResourceShare(c *call) (map[string]any, error) {
	owner := c.params.Get("ResourceOwner")
	if owner == "" {
		owner = "Self"
	}
	if owner != "Self" && owner != "OtherAccounts" {
		return nil, errInvalid("InvalidParameter.ResourceOwner", "ResourceOwner %q must be Self or OtherAccounts.", owner)
	}
	refs, err := parseShareEntities(c)
	if err != nil {
		return nil, err
	}
	var sh *share
	if owner == "Self" {
		if sh, err = s.ownShare(c); err != nil {
			return nil, err
		}
		if len(refs) == 0 {
			return nil, errInvalid("MissingParameter", "Specify at least one of Resources.N or Targets.N.")
		}
	} else {
		if err := c.require("ResourceShareId"); err != nil {
			return nil, err
		}
		id := c.params.Get("ResourceShareId")
		var ok bool
		sh, ok = s.st.Shares[id]
		me := entityRef{entityTarget, c.account, "Account"}
		if !ok || sh.Status == shareDeleted || latestEntity(sh, me) == nil {
			return nil, errShareNotFound(id)
		}
		if e := latestEntity(sh, me); !e.External {
			return nil, errInvalid("InvalidParameter.ResourceOwner", "Account %s is in the resource directory of the share's owner and cannot leave the share itself.", c.account)
		}
		for _, e := range sh.Entities {
			if e.Kind == entityResource && e.Type == sharePool && (e.live() || e.pending()) {
				return nil, errInvalid("UnsupportedOperation", "A principal cannot leave a share of IPAM pools; only the owner can stop sharing.")
			}
		}
		refs = []entityRef{me}
	}
	rows := make([]*shareEntity, 0, len(refs))
	for _, r := range refs {
		e := latestEntity(sh, r)
		switch {
		case e != nil && e.Status == assocAssociating:
			return nil, wire.Errorf(http.StatusConflict, "DisassociateConflict", "You cannot disassociate %s while association is already in progress.", r.id)
		case e == nil || e.Status != assocAssociated:
			return nil, errInvalid("DisassociateInvalid", "You can not disassociate unassociated resource or target: %s.", r.id)
		}
		rows = append(rows, e)
	}
	items := make([]map[string]any, 0, len(rows))
	for _, e := range rows {
		s.disassociate(c, sh, e)
		items = append(items, s.entityMap(sh, e))
	}
	sh.Updated = c.now
	s.dropUnsharedAssociations()
	return map[string]any{"ResourceShareAssociations": items}, nil
}

// DeleteResourceShare deletes a share (reference 5.5): its principals lose access, its resources are not
// deleted. Refused with 409 DeleteResourceShareConflict while a task of the share is unfinished. No DryRun
// parameter: dispatch refuses one (UNKNOWN 110).
func (s *Sim) deleteResourceShare(c *call) (map[string]any, error) {
	sh, err := s.ownShare(c)
	if err != nil {
		return nil, err
	}
	if sh.Status == shareDeleting {
		return nil, wire.Errorf(http.StatusConflict, "DeleteResourceShareConflict", "You cannot delete a resource share while there are unfinished tasks.")
	}
	for _, e := range sh.Entities {
		if e.pending() {
			return nil, wire.Errorf(http.StatusConflict, "DeleteResourceShareConflict", "You cannot delete a resource share while there are unfinished tasks.")
		}
	}
	until := s.deletingUntil(c.now, sh.ID)
	for _, e := range sh.Entities {
		if e.Status == assocAssociated {
			s.disassociate(c, sh, e)
		}
	}
	sh.Updated = c.now
	if until.IsZero() {
		sh.Status = shareDeleted
	} else {
		sh.Status, sh.DeleteAt = shareDeleting, until
	}
	s.dropUnsharedAssociations()
	return map[string]any{}, nil
}

// rsPage pages a Resource Sharing list (MaxResults 1-100, default 20) and answers with the product's own
// parameter codes (reference 5.6).
func rsPage[T any](s *Sim, c *call, items []T, seq func(T) int64) ([]T, string, error) {
	page, next, _, err := paginate(s, c, items, seq, limitsSharing)
	var werr *wire.Error
	if errors.As(err, &werr) {
		switch {
		case strings.HasSuffix(werr.Code, ".MaxResults"):
			return nil, "", errInvalid("InvalidParameter.MaxResults", "MaxResults %q must be an integer from 1 to 100.", c.params.Get("MaxResults"))
		case strings.HasSuffix(werr.Code, ".NextToken"):
			return nil, "", errInvalid("InvalidParameter.NextToken", "NextToken %q is invalid.", c.params.Get("NextToken"))
		}
	}
	if err != nil {
		return nil, "", err
	}
	return page, next, nil
}

// shareIDFilter reads ResourceShareIds.N (1-5).
func shareIDFilter(c *call) ([]string, error) {
	ids := c.params.List("ResourceShareIds")
	if len(ids) > maxShareEntities {
		return nil, errInvalid("InvalidParameter.ResourceShareIds", "At most %d ResourceShareIds can be specified, got %d.", maxShareEntities, len(ids))
	}
	return ids, nil
}

// ListResourceShares lists the caller's shares (ResourceOwner=Self) or the shares it is a live target of
// (OtherAccounts) (reference 5.2).
func (s *Sim) listResourceShares(c *call) (map[string]any, error) {
	if err := c.require("ResourceOwner"); err != nil {
		return nil, err
	}
	owner := c.params.Get("ResourceOwner")
	if owner != "Self" && owner != "OtherAccounts" {
		return nil, errInvalid("InvalidParameter.ResourceOwner", "ResourceOwner %q must be Self or OtherAccounts.", owner)
	}
	ids, err := shareIDFilter(c)
	if err != nil {
		return nil, err
	}
	status := c.params.Get("ResourceShareStatus")
	switch status {
	case "", shareActive, "Pending", shareDeleting, shareDeleted:
	default:
		return nil, errInvalid("InvalidParameter.ResourceShareStatus", "ResourceShareStatus %q is not one of Active, Pending, Deleting, Deleted.", status)
	}
	name := c.params.Get("ResourceShareName")
	filter, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	me := entityRef{entityTarget, c.account, "Account"}
	var match []*share
	for _, sh := range sortedBySeq(s.st.Shares, func(x *share) int64 { return x.Seq }) {
		mine := sh.Owner == c.account
		switch {
		case owner == "Self" && !mine,
			owner == "OtherAccounts" && (mine || latestEntity(sh, me) == nil || !latestEntity(sh, me).live()),
			len(ids) > 0 && !slices.Contains(ids, sh.ID),
			name != "" && sh.Name != name,
			status != "" && sh.Status != status,
			!s.matchTags(sh.ID, filter):
			continue
		}
		match = append(match, sh)
	}
	page, next, err := rsPage(s, c, match, func(x *share) int64 { return x.Seq })
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, sh := range page {
		m := s.shareMap(sh)
		m["Tags"] = s.tagList(sh.ID)
		items = append(items, m)
	}
	return map[string]any{"ResourceShares": items, "NextToken": next}, nil
}

// ListResourceShareAssociations lists the association rows of the caller's shares (reference 5.3).
func (s *Sim) listResourceShareAssociations(c *call) (map[string]any, error) {
	if err := c.require("AssociationType"); err != nil {
		return nil, err
	}
	typ := c.params.Get("AssociationType")
	if typ != entityResource && typ != entityTarget {
		return nil, errInvalid("InvalidParameter.AssociationType", "AssociationType %q must be Resource or Target.", typ)
	}
	resID, target := c.params.Get("ResourceId"), c.params.Get("Target")
	if typ == entityTarget && resID != "" || typ == entityResource && target != "" {
		return nil, errInvalid("ConflictedAssociationType", "ResourceId can be used only with AssociationType Resource, Target only with Target.")
	}
	status := c.params.Get("AssociationStatus")
	switch status {
	case "", assocAssociating, assocAssociated, "Failed", assocDisassociating, assocDisassociated:
	default:
		return nil, errInvalid("InvalidParameter.AssociationStatus", "AssociationStatus %q is not a valid association status.", status)
	}
	ids, err := shareIDFilter(c)
	if err != nil {
		return nil, err
	}
	type row struct {
		sh *share
		e  *shareEntity
	}
	var match []row
	for _, sh := range sortedBySeq(s.st.Shares, func(x *share) int64 { return x.Seq }) {
		if sh.Owner != c.account || len(ids) > 0 && !slices.Contains(ids, sh.ID) {
			continue
		}
		for _, e := range sh.Entities {
			switch {
			case e.Kind != typ,
				resID != "" && e.ID != resID,
				target != "" && e.ID != target,
				status != "" && e.Status != status:
				continue
			}
			match = append(match, row{sh, e})
		}
	}
	slices.SortFunc(match, func(a, b row) int { return int(a.e.Seq - b.e.Seq) })
	page, next, err := rsPage(s, c, match, func(r row) int64 { return r.e.Seq })
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, r := range page {
		m := s.entityMap(r.sh, r.e)
		m["AssociationFailedDetails"] = []map[string]any{}
		items = append(items, m)
	}
	return map[string]any{"ResourceShareAssociations": items, "NextToken": next}, nil
}
