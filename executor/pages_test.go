package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// TestEachPage: the executor's one paging loop reads every page, stops when asked, and refuses an answer
// without its list (read as an empty page, it made a lock look free and planned members look gone) and a
// NextToken seen before.
func TestEachPage(t *testing.T) {
	row := func(id string) any { return map[string]any{"Id": id} }
	for _, tt := range []struct {
		name    string
		pages   []map[string]any
		stopAt  string
		want    []string
		wantErr string
	}{
		{"one page", []map[string]any{{"Items": []any{row("a"), row("b")}}}, "", []string{"a", "b"}, ""},
		{"pages", []map[string]any{{"Items": []any{row("a")}, "NextToken": "t1"}, {"Items": []any{row("b")}}}, "", []string{"a", "b"}, ""},
		{"stop early", []map[string]any{{"Items": []any{row("a")}, "NextToken": "t1"}, {"Items": []any{row("b")}}}, "a", []string{"a"}, ""},
		{"an empty list", []map[string]any{{"Items": []any{}}}, "", nil, ""},
		{"no list", []map[string]any{{"TotalCount": 0}}, "", nil, "has no list Items"},
		{"not a list", []map[string]any{{"Items": "x"}}, "", nil, "has no list Items"},
		{"a token again", []map[string]any{{"Items": []any{}, "NextToken": "t1"}, {"Items": []any{}, "NextToken": "t1"}}, "", nil, "which an earlier page gave"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sent := 0
			do := func(_ context.Context, c cloudapi.Call) (map[string]any, error) {
				if sent > 0 && c.Params["NextToken"] == "" {
					t.Errorf("page %d sent without the NextToken", sent+1)
				}
				out := tt.pages[min(sent, len(tt.pages)-1)]
				sent++
				return out, nil
			}
			var got []string
			err := eachPage(t.Context(), do, cloudapi.Call{Action: "ListThings", Params: map[string]string{}}, "Items", func(rows []map[string]any) bool {
				for _, r := range rows {
					got = append(got, cloudapi.String(r["Id"]))
				}
				return tt.stopAt != "" && got[len(got)-1] == tt.stopAt
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("rows %v, err %v; want %v", got, err, tt.want)
			}
		})
	}
}
