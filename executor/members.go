package executor

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// maxSettleRounds bounds the reads and calls one not-found of a member batch leads to: each round's call
// answers not-found only when another member went between its read and its call.
const maxSettleRounds = 3

// member is one entry of a RemoveIpamMembers step's Members.N list.
type member struct{ id, typ string }

// stepMembers returns the members a RemoveIpamMembers step names, in the order of their index.
func stepMembers(s *plans.Step) []member {
	var out []member
	for n := 1; ; n++ {
		id, ok := s.Params["Members."+strconv.Itoa(n)+".MemberId"]
		if !ok {
			return out
		}
		out = append(out, member{id, s.Params["Members."+strconv.Itoa(n)+".MemberType"]})
	}
}

// settleMembers settles the not-found (err) of a RemoveIpamMembers step member by member. The call takes
// several members and refuses all of them when one is no longer managed
// (OperationDenied.MemberNotExistInIpamRDService): the others stay, and DeleteIpam would then be refused for
// them. So the planned members are read (ListIpamMembers, MemberIds.N), and those still managed are sent
// again, the step's own params less the gone ones. It returns how many refusals the calls it sent met, and the answer to take as the step's (err
// itself when none is left: the step is already gone) (StepToken: each
// next call after a refusal gets a new token).
func (r *run) settleMembers(ctx context.Context, s *plans.Step, refused int, err error) (int, error) {
	members := stepMembers(s)
	if s.Action != "RemoveIpamMembers" || len(members) < 2 {
		return 0, err
	}
	more := 0
	for range maxSettleRounds {
		left, rerr := r.managedMembers(ctx, s, members)
		if rerr != nil {
			return more, fmt.Errorf("%s answered %s; reading which of its members are left: %w", s.Action, cloudapi.Code(err), rerr)
		}
		if len(left) == 0 {
			return more, err
		}
		more++ // the batch's not-found: a refusal
		params := map[string]string{}
		for k, v := range s.Params {
			if !strings.HasPrefix(k, "Members.") {
				params[k] = v
			}
		}
		for n, m := range left {
			params["Members."+strconv.Itoa(n+1)+".MemberId"] = m.id
			params["Members."+strconv.Itoa(n+1)+".MemberType"] = m.typ
		}
		c := stepCallAfter(r.plan.PlanID, s, false, refused+more)
		c.Params = params
		_, err = r.do(ctx, kindCall, c)
		if !isNotFound(err, s.Product, s.Action) {
			return more, err
		}
		members = left
	}
	return more, err
}

// managedMembers returns the members of ms that the IPAM still manages (listed, not Deleted).
func (r *run) managedMembers(ctx context.Context, s *plans.Step, ms []member) ([]member, error) {
	params := map[string]string{"RegionId": s.Region, "MaxResults": "100"}
	for n, m := range ms {
		params["MemberIds."+strconv.Itoa(n+1)] = m.id
	}
	managed := map[string]bool{}
	do := func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
		return r.retrying(ctx, kindPoll, c)
	}
	err := eachPage(ctx, do, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "ListIpamMembers",
		Region: s.Region, Params: params, Resource: s.ResourceID}, "MemberInfos", func(rows []map[string]any) bool {
		for _, m := range rows {
			if cloudapi.String(m["Status"]) != "Deleted" {
				managed[cloudapi.String(m["MemberId"])] = true
			}
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(ms), func(m member) bool { return !managed[m.id] }), nil
}
