package terraform_test

import (
	"testing"

	"github.com/llmbench/llmbench/shared/workflow"
)

// TestMemoryDefaults: a local run prices each step with the memory
// Terraform's lambda_memory_mb default gives its function
// (workflow.DefaultMemoryMB), so the two must agree.
func TestMemoryDefaults(t *testing.T) {
	c, err := loadTF(".")
	if err != nil {
		t.Fatal(err)
	}
	v := c.find("var.lambda_memory_mb")
	if v == nil {
		t.Fatal("no variable lambda_memory_mb")
	}
	def := attr(v.Body, "default")
	if def == nil {
		t.Fatal("var.lambda_memory_mb has no default")
	}
	items, ok := objectItems(def.Expr)
	if !ok {
		t.Fatalf("var.lambda_memory_mb default is not an object: %s", v.text(def.Expr))
	}
	for step, want := range workflow.DefaultMemoryMB {
		e, ok := items[step]
		if !ok {
			t.Errorf("var.lambda_memory_mb has no default for %s", step)
			continue
		}
		val, ok := literal(e)
		if !ok {
			t.Errorf("var.lambda_memory_mb.%s is not a literal", step)
			continue
		}
		got, _ := val.AsBigFloat().Int64()
		if int(got) != want {
			t.Errorf("var.lambda_memory_mb.%s = %d, workflow.DefaultMemoryMB says %d", step, got, want)
		}
	}
}
