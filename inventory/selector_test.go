package inventory

import (
	"strings"
	"testing"
)

// TestSelectorEmptyTagValue: a tag with an empty value is refused by every caller's check (Validate), not only
// by the commands' flags and config: ListIpams reads it as any value.
func TestSelectorEmptyTagValue(t *testing.T) {
	for _, tags := range []map[string]string{{"env": ""}, {"env": "  "}, {"team": "a", "env": ""}} {
		err := Selector{Tags: tags}.Validate()
		if err == nil || !strings.Contains(err.Error(), `"env" has an empty value`) {
			t.Errorf("tags %v: %v, want the empty value refused", tags, err)
		}
	}
	if err := (Selector{Tags: map[string]string{"env": "sandbox"}}).Validate(); err != nil {
		t.Errorf("a tag with a value: %v", err)
	}
}
