package terraform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// tfConfig is the parsed *.tf files of one folder: every top-level block,
// with the source it came from.
type tfConfig struct {
	dir    string
	blocks []*tfBlock
}

// tfBlock is a top-level block (resource, data, variable, output, locals…).
type tfBlock struct {
	*hclsyntax.Block
	file string
	src  []byte
}

// typ and name are the block's labels: a resource's type and name; a
// variable's or an output's name in typ.
func (b *tfBlock) typ() string {
	if len(b.Labels) > 0 {
		return b.Labels[0]
	}
	return ""
}

func (b *tfBlock) name() string {
	if len(b.Labels) > 1 {
		return b.Labels[1]
	}
	return ""
}

// addr is the block's address as Terraform writes it.
func (b *tfBlock) addr() string {
	switch b.Type {
	case "resource":
		return b.typ() + "." + b.name()
	case "data":
		return "data." + b.typ() + "." + b.name()
	case "variable":
		return "var." + b.typ()
	case "output":
		return "output." + b.typ()
	}
	return b.Type
}

// at is where something of b is, for messages.
func (b *tfBlock) at(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", b.file, r.Start.Line)
}

// text is the source of an expression.
func (b *tfBlock) text(e hcl.Expression) string {
	return string(e.Range().SliceBytes(b.src))
}

func loadTF(dir string) (*tfConfig, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no *.tf files in %s", dir)
	}
	sort.Strings(names)
	c := &tfConfig{dir: dir}
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		f, diags := hclsyntax.ParseConfig(src, filepath.Base(n), hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", n, diags.Error())
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			c.blocks = append(c.blocks, &tfBlock{Block: b, file: filepath.Base(n), src: src})
		}
	}
	return c, nil
}

// all returns the blocks of a kind ("resource", "data", "variable"…) and,
// for resources and data sources, of a type ("" for any).
func (c *tfConfig) all(kind, typ string) []*tfBlock {
	var out []*tfBlock
	for _, b := range c.blocks {
		if b.Type == kind && (typ == "" || b.typ() == typ) {
			out = append(out, b)
		}
	}
	return out
}

// find returns the block at an address such as aws_iam_role.worker,
// data.aws_iam_policy_document.worker or var.region.
func (c *tfConfig) find(addr string) *tfBlock {
	for _, b := range c.blocks {
		if b.addr() == addr {
			return b
		}
	}
	return nil
}

// attr returns a body's attribute, or nil.
func attr(body *hclsyntax.Body, name string) *hclsyntax.Attribute {
	if a, ok := body.Attributes[name]; ok {
		return a
	}
	return nil
}

// nested is a nested block with whether it exists only under a condition
// (the content of a dynamic block).
type nested struct {
	body        *hclsyntax.Body
	conditional bool
	dynamic     bool
}

// children returns the nested blocks of a type, including the content of
// dynamic blocks of that type.
func children(body *hclsyntax.Body, typ string) []nested {
	var out []nested
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, nested{body: b.Body})
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, nested{body: c.Body, conditional: true, dynamic: true})
				}
			}
		}
	}
	return out
}

// child returns the single nested block of a type, or nil.
func child(body *hclsyntax.Body, typ string) *hclsyntax.Body {
	for _, b := range body.Blocks {
		if b.Type == typ {
			return b.Body
		}
	}
	return nil
}

// refs returns the references an expression makes, as dotted paths
// (aws_iam_role.worker.arn; an index as [key]).
func refs(e hcl.Expression) []string {
	var out []string
	for _, t := range e.Variables() {
		out = append(out, traversalString(t))
	}
	sort.Strings(out)
	return out
}

func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				b.WriteString("[" + s.Key.AsString() + "]")
			} else if s.Key.Type() == cty.Number {
				b.WriteString("[" + s.Key.AsBigFloat().String() + "]")
			}
		case hcl.TraverseSplat:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// hasRef reports whether e refers to addr or to something under it
// (aws_iam_role.worker matches aws_iam_role.worker.arn and
// aws_iam_role.worker[0].arn).
func hasRef(e hcl.Expression, addr string) bool {
	for _, r := range refs(e) {
		if r == addr || strings.HasPrefix(r, addr+".") || strings.HasPrefix(r, addr+"[") {
			return true
		}
	}
	return false
}

// literal returns the value of an expression that refers to nothing.
func literal(e hcl.Expression) (cty.Value, bool) {
	if len(e.Variables()) > 0 {
		return cty.NilVal, false
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// literalString returns a literal string expression's value.
func literalString(e hcl.Expression) (string, bool) {
	v, ok := literal(e)
	if !ok || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// listItems returns the elements of a list written as [a, b, …]; nil and
// false for any other expression (a variable, a function call).
func listItems(e hcl.Expression) ([]hclsyntax.Expression, bool) {
	t, ok := e.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil, false
	}
	return t.Exprs, true
}

// literalStrings returns a literal list of strings.
func literalStrings(e hcl.Expression) ([]string, bool) {
	items, ok := listItems(e)
	if !ok {
		return nil, false
	}
	var out []string
	for _, it := range items {
		s, ok := literalString(it)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// objectItems returns the literal keys of an object written as { k = v }.
func objectItems(e hcl.Expression) (map[string]hclsyntax.Expression, bool) {
	o, ok := e.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil, false
	}
	out := map[string]hclsyntax.Expression{}
	for _, it := range o.Items {
		k, ok := objectKey(it.KeyExpr)
		if !ok {
			return nil, false
		}
		out[k] = it.ValueExpr
	}
	return out, true
}

func objectKey(e hclsyntax.Expression) (string, bool) {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" {
			return name, true
		}
		return literalString(k.Wrapped)
	}
	return literalString(e)
}

// evalWith evaluates e, every reference it makes standing for itself
// ("{aws_s3_bucket.store.bucket}") unless fixed gives its value (by dotted
// path). Functions are not available: an expression that calls one fails.
func evalWith(e hcl.Expression, fixed map[string]string) (cty.Value, error) {
	tree := map[string]any{}
	for _, t := range e.Variables() {
		var path []string
		for _, s := range t {
			switch s := s.(type) {
			case hcl.TraverseRoot:
				path = append(path, s.Name)
			case hcl.TraverseAttr:
				path = append(path, s.Name)
			case hcl.TraverseIndex:
				if s.Key.Type() == cty.String {
					path = append(path, s.Key.AsString())
				}
			}
		}
		node := tree
		for i, p := range path {
			if i == len(path)-1 {
				if _, isObj := node[p].(map[string]any); !isObj {
					full := strings.Join(path, ".")
					if v, ok := fixed[full]; ok {
						node[p] = v
					} else {
						node[p] = "{" + full + "}"
					}
				}
				break
			}
			next, ok := node[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[p] = next
			}
			node = next
		}
	}
	vars := map[string]cty.Value{}
	for k, v := range tree {
		vars[k] = toCty(v)
	}
	v, diags := e.Value(&hcl.EvalContext{Variables: vars})
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

func toCty(v any) cty.Value {
	switch v := v.(type) {
	case string:
		return cty.StringVal(v)
	case map[string]any:
		m := map[string]cty.Value{}
		for k, x := range v {
			m[k] = toCty(x)
		}
		return cty.ObjectVal(m)
	}
	return cty.NilVal
}

// evalString evaluates a string expression with evalWith.
func evalString(e hcl.Expression, fixed map[string]string) (string, error) {
	v, err := evalWith(e, fixed)
	if err != nil {
		return "", err
	}
	if v.IsNull() || v.Type() != cty.String {
		return "", fmt.Errorf("not a string: %s", v.Type().FriendlyName())
	}
	return v.AsString(), nil
}

// call returns the function call an expression is, or nil.
func call(e hcl.Expression, name string) *hclsyntax.FunctionCallExpr {
	if c, ok := e.(*hclsyntax.FunctionCallExpr); ok && c.Name == name {
		return c
	}
	return nil
}
