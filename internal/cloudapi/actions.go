package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// ipamTyped is the one adapter table for the VpcIpam actions the pinned v1.0.3 client has: the typed request
// model takes Call.Params (so an unknown or mistyped parameter fails before anything is sent) and the answer
// must decode into the typed response body. The typed XWithOptions methods of v1.0.3 take no context, so the
// call itself goes through CallApiWithCtx on the same client with the exact Params those methods use:
// cancellation works and the bytes on the wire are the same. Every other VpcIpam action (resource
// discoveries, associations, members, GetIpamPoolAllocation) and every ResourceSharing and Sts action is a
// generic call.
var ipamTyped = map[string]typedModels{
	"ListIpams":                typed[vpcipam.ListIpamsRequest, vpcipam.ListIpamsResponseBody](),
	"ListIpamScopes":           typed[vpcipam.ListIpamScopesRequest, vpcipam.ListIpamScopesResponseBody](),
	"ListIpamPools":            typed[vpcipam.ListIpamPoolsRequest, vpcipam.ListIpamPoolsResponseBody](),
	"ListIpamPoolCidrs":        typed[vpcipam.ListIpamPoolCidrsRequest, vpcipam.ListIpamPoolCidrsResponseBody](),
	"ListIpamPoolAllocations":  typed[vpcipam.ListIpamPoolAllocationsRequest, vpcipam.ListIpamPoolAllocationsResponseBody](),
	"ListIpamResourceCidrs":    typed[vpcipam.ListIpamResourceCidrsRequest, vpcipam.ListIpamResourceCidrsResponseBody](),
	"ListTagResources":         typed[vpcipam.ListTagResourcesRequest, vpcipam.ListTagResourcesResponseBody](),
	"TagResources":             typed[vpcipam.TagResourcesRequest, vpcipam.TagResourcesResponseBody](),
	"UntagResources":           typed[vpcipam.UntagResourcesRequest, vpcipam.UntagResourcesResponseBody](),
	"CreateIpam":               typed[vpcipam.CreateIpamRequest, vpcipam.CreateIpamResponseBody](),
	"CreateIpamScope":          typed[vpcipam.CreateIpamScopeRequest, vpcipam.CreateIpamScopeResponseBody](),
	"CreateIpamPool":           typed[vpcipam.CreateIpamPoolRequest, vpcipam.CreateIpamPoolResponseBody](),
	"AddIpamPoolCidr":          typed[vpcipam.AddIpamPoolCidrRequest, vpcipam.AddIpamPoolCidrResponseBody](),
	"CreateIpamPoolAllocation": typed[vpcipam.CreateIpamPoolAllocationRequest, vpcipam.CreateIpamPoolAllocationResponseBody](),
	"DeleteIpam":               typed[vpcipam.DeleteIpamRequest, vpcipam.DeleteIpamResponseBody](),
	"DeleteIpamScope":          typed[vpcipam.DeleteIpamScopeRequest, vpcipam.DeleteIpamScopeResponseBody](),
	"DeleteIpamPool":           typed[vpcipam.DeleteIpamPoolRequest, vpcipam.DeleteIpamPoolResponseBody](),
	"DeleteIpamPoolCidr":       typed[vpcipam.DeleteIpamPoolCidrRequest, vpcipam.DeleteIpamPoolCidrResponseBody](),
	"DeleteIpamPoolAllocation": typed[vpcipam.DeleteIpamPoolAllocationRequest, vpcipam.DeleteIpamPoolAllocationResponseBody](),
	"GetVpcIpamServiceStatus":  typed[vpcipam.GetVpcIpamServiceStatusRequest, vpcipam.GetVpcIpamServiceStatusResponseBody](),
	"OpenVpcIpamService":       typed[vpcipam.OpenVpcIpamServiceRequest, vpcipam.OpenVpcIpamServiceResponseBody](),
}

// vpcTyped is the adapter table for the Vpc calls, made through the vpc-20160428/v6 typed client, which has
// context-aware methods of its own.
var vpcTyped = map[string]func(ctx context.Context, cl *vpc.Client, params map[string]string, rt *dara.RuntimeOptions) (any, error){
	"DescribeVpcs":            vpcCall((*vpc.Client).DescribeVpcsWithContext),
	"CreateVpc":               vpcCall((*vpc.Client).CreateVpcWithContext),
	"DeleteVpc":               vpcCall((*vpc.Client).DeleteVpcWithContext),
	"AssociateVpcCidrBlock":   vpcCall((*vpc.Client).AssociateVpcCidrBlockWithContext),
	"UnassociateVpcCidrBlock": vpcCall((*vpc.Client).UnassociateVpcCidrBlockWithContext),
}

type typedModels struct {
	request, body func() any
}

func typed[Req, Body any]() typedModels {
	return typedModels{request: func() any { return new(Req) }, body: func() any { return new(Body) }}
}

func vpcCall[Req, Resp any](m func(*vpc.Client, context.Context, *Req, *dara.RuntimeOptions) (*Resp, error)) func(context.Context, *vpc.Client, map[string]string, *dara.RuntimeOptions) (any, error) {
	return func(ctx context.Context, cl *vpc.Client, params map[string]string, rt *dara.RuntimeOptions) (any, error) {
		req := new(Req)
		if err := fillRequest(req, params); err != nil {
			return nil, err
		}
		resp, err := m(cl, ctx, req, rt)
		if err != nil {
			return nil, err
		}
		// The response model is {headers, statusCode, body}; the body is the answer.
		return reflect.ValueOf(resp).Elem().FieldByName("Body").Interface(), nil
	}
}

func (c *Client) runtime() *dara.RuntimeOptions {
	return &dara.RuntimeOptions{
		ConnectTimeout: tea.Int(int(c.cfg.ConnectTimeout.Milliseconds())),
		ReadTimeout:    tea.Int(int(c.cfg.ReadTimeout.Milliseconds())),
	}
}

func rpcParams(product, action string) *openapi.Params {
	return &openapi.Params{
		Action:      tea.String(action),
		Version:     tea.String(products[product].version),
		Protocol:    tea.String("HTTPS"),
		Pathname:    tea.String("/"),
		Method:      tea.String("POST"),
		AuthType:    tea.String("AK"),
		Style:       tea.String("RPC"),
		ReqBodyType: tea.String("formData"),
		BodyType:    tea.String("json"),
	}
}

// send makes one call on the product's SDK client and returns the answer as a map (numbers as json.Number).
func send(ctx context.Context, cl any, call Call, params map[string]string, rt *dara.RuntimeOptions) (map[string]any, error) {
	switch cl := cl.(type) {
	case *vpc.Client:
		f, ok := vpcTyped[call.Action]
		if !ok {
			return nil, fmt.Errorf("cloudapi: Vpc action %s is not in the adapter table", call.Action)
		}
		body, err := f(ctx, cl, params, rt)
		if err != nil {
			return nil, err
		}
		return toMap(body)
	case *vpcipam.Client:
		if m, ok := ipamTyped[call.Action]; ok {
			req := m.request()
			if err := fillRequest(req, params); err != nil {
				return nil, err
			}
			if err := util.ValidateModel(req); err != nil {
				return nil, fmt.Errorf("cloudapi: %s request: %w", call.Action, err)
			}
			query, err := structQuery(req)
			if err != nil {
				return nil, err
			}
			out, err := cl.CallApiWithCtx(ctx, rpcParams(call.Product, call.Action), &openapi.OpenApiRequest{Query: query}, rt)
			if err != nil {
				return nil, err
			}
			// The answer must decode into the typed model (a type mismatch is a protocol change worth an
			// error), but the caller gets the whole body: v1.0.3's models lack fields the service sends, such
			// as IpamPoolAllocationName, and dropping them would hide what a person reviews.
			if err := tea.Convert(out["body"], m.body()); err != nil {
				return nil, fmt.Errorf("cloudapi: decode %s answer: %w", call.Action, err)
			}
			return toMap(out["body"])
		}
		return generic(ctx, &cl.Client, call, params, rt)
	case *openapi.Client:
		return generic(ctx, cl, call, params, rt)
	}
	return nil, fmt.Errorf("cloudapi: no client for %s", call.Product)
}

func generic(ctx context.Context, cl *openapi.Client, call Call, params map[string]string, rt *dara.RuntimeOptions) (map[string]any, error) {
	query := make(map[string]*string, len(params))
	for k, v := range params {
		query[k] = tea.String(v)
	}
	out, err := cl.CallApiWithCtx(ctx, rpcParams(call.Product, call.Action), &openapi.OpenApiRequest{Query: query}, rt)
	if err != nil {
		return nil, err
	}
	return toMap(out["body"])
}

// toMap turns a decoded body or a typed model into a map, numbers kept exact as json.Number.
func toMap(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: encode answer: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	out := map[string]any{}
	if string(data) == "null" {
		return out, nil
	}
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("cloudapi: answer is not an object: %w", err)
	}
	return out, nil
}

// structQuery builds the query of a typed request the way the generated WithOptions methods do: every set field
// under its JSON name, flattened by openapi-util (lists as X.1, objects as X.1.Key).
func structQuery(req any) (map[string]*string, error) {
	v := reflect.ValueOf(req).Elem()
	t := v.Type()
	q := map[string]any{}
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		f := v.Field(i)
		if name == "" || f.IsZero() {
			continue
		}
		q[name] = f.Interface()
	}
	return openapiutil.Query(q), nil
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// fillRequest sets the fields of a typed request model (pointer fields, lists of pointers, lists of structs)
// from flattened parameters. An unknown parameter or a value of the wrong type is an error naming it.
func fillRequest(req any, params map[string]string) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic errors
	v := reflect.ValueOf(req).Elem()
	for _, k := range keys {
		if err := setField(v, k, params[k]); err != nil {
			return fmt.Errorf("cloudapi: %s parameter %s=%q: %w", v.Type().Name(), k, params[k], err)
		}
	}
	return nil
}

func setField(v reflect.Value, key, value string) error {
	name, rest, _ := strings.Cut(key, ".")
	var field reflect.Value
	for i := range v.NumField() {
		if jsonName(v.Type().Field(i)) == name {
			field = v.Field(i)
			break
		}
	}
	if !field.IsValid() {
		return fmt.Errorf("unknown parameter %s", name)
	}
	switch field.Kind() {
	case reflect.Pointer:
		if rest != "" {
			if field.Type().Elem().Kind() == reflect.Struct {
				if field.IsNil() {
					field.Set(reflect.New(field.Type().Elem()))
				}
				return setField(field.Elem(), rest, value)
			}
			return fmt.Errorf("%s is not a list or object", name)
		}
		p := reflect.New(field.Type().Elem())
		if err := setScalar(p.Elem(), value); err != nil {
			return err
		}
		field.Set(p)
		return nil
	case reflect.Slice:
		idxText, sub, _ := strings.Cut(rest, ".")
		idx, err := strconv.Atoi(idxText)
		if err != nil || idx < 1 || idx > 1000 {
			return fmt.Errorf("%s needs a list index 1..1000 (%s.N)", name, name)
		}
		for field.Len() < idx {
			field.Set(reflect.Append(field, reflect.Zero(field.Type().Elem())))
		}
		elem := field.Index(idx - 1)
		if elem.Kind() != reflect.Pointer {
			return fmt.Errorf("unsupported list element type %s", elem.Type())
		}
		if elem.IsNil() {
			elem.Set(reflect.New(elem.Type().Elem()))
		}
		if elem.Elem().Kind() == reflect.Struct {
			if sub == "" {
				return fmt.Errorf("%s.%d needs a field name", name, idx)
			}
			return setField(elem.Elem(), sub, value)
		}
		if sub != "" {
			return fmt.Errorf("%s.%d is not an object", name, idx)
		}
		return setScalar(elem.Elem(), value)
	}
	return fmt.Errorf("unsupported field type %s", field.Type())
}

func setScalar(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("not a number")
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// String renders a scalar of an answer map as a string: strings as is, json.Number as its text (account ids
// stay exact), booleans as true/false, nil as "".
func String(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
