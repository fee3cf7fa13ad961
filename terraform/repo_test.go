package terraform_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// repo is what the checks read: the Terraform files, the Makefile's
// packaging, the state machine definition, and the root of the tree they
// sit in (the real one, or a broken copy in a test).
type repo struct {
	root string
	tf   *tfConfig
	pkg  packaging
	asl  map[string]any
	// aslText is the definition as Terraform's templatefile reads it.
	aslText string
}

// packaging is what `make package` produces, read from the Makefile.
type packaging struct {
	functions []string          // FUNCTIONS
	zip       map[string]string // function -> zip path from the root (build/<fn>.zip)
	binary    string            // the executable in the zip (bootstrap)
	goos      string            // GOOS of the build
	goarch    string            // GOARCH of the build
	cgo       string            // CGO_ENABLED
	tags      string            // -tags
	runtime   string            // provided.al2023, from the target's description
}

func loadRepo(root string) (*repo, error) {
	tf, err := loadTF(filepath.Join(root, "terraform"))
	if err != nil {
		return nil, err
	}
	pkg, err := readMakefile(filepath.Join(root, "Makefile"))
	if err != nil {
		return nil, err
	}
	r := &repo{root: root, tf: tf, pkg: pkg}
	b, err := os.ReadFile(filepath.Join(root, "statemachine", "benchmark.asl.json"))
	if err != nil {
		return nil, err
	}
	r.aslText = string(b)
	if err := json.Unmarshal(b, &r.asl); err != nil {
		return nil, fmt.Errorf("statemachine/benchmark.asl.json: %w", err)
	}
	return r, nil
}

var (
	reFunctions = regexp.MustCompile(`(?m)^FUNCTIONS\s*:?=\s*(.+)$`)
	rePackage   = regexp.MustCompile(`(?m)^package:.*$((?:\n\t.*)+)`)
	reRuntime   = regexp.MustCompile(`provided\.al20[0-9]{2}`)
	reEnv       = regexp.MustCompile(`\b(GOOS|GOARCH|CGO_ENABLED)=(\S+)`)
	reTags      = regexp.MustCompile(`-tags[= ](\S+)`)
	reOutput    = regexp.MustCompile(`-o build/\$\$f/(\S+)`)
	reZip       = regexp.MustCompile(`(build/\$\$f\.zip)`)
)

// readMakefile reads the package target: what it builds and how.
func readMakefile(path string) (packaging, error) {
	var p packaging
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	mk := string(b)
	m := reFunctions.FindStringSubmatch(mk)
	if m == nil {
		return p, fmt.Errorf("%s: no FUNCTIONS := line", path)
	}
	p.functions = strings.Fields(m[1])
	target := rePackage.FindString(mk)
	if target == "" {
		return p, fmt.Errorf("%s: no package target", path)
	}
	header, recipe, _ := strings.Cut(target, "\n")
	p.runtime = reRuntime.FindString(header)
	for _, e := range reEnv.FindAllStringSubmatch(recipe, -1) {
		switch e[1] {
		case "GOOS":
			p.goos = e[2]
		case "GOARCH":
			p.goarch = e[2]
		case "CGO_ENABLED":
			p.cgo = e[2]
		}
	}
	if t := reTags.FindStringSubmatch(recipe); t != nil {
		p.tags = t[1]
	}
	if o := reOutput.FindStringSubmatch(recipe); o != nil {
		p.binary = o[1]
	}
	z := reZip.FindString(recipe)
	p.zip = map[string]string{}
	for _, f := range p.functions {
		p.zip[f] = strings.ReplaceAll(z, "$$f", f)
	}
	if p.runtime == "" || p.goarch == "" || p.binary == "" || z == "" {
		return p, fmt.Errorf("%s: package target: cannot read runtime %q, GOARCH %q, binary %q or zip path %q", path, p.runtime, p.goarch, p.binary, z)
	}
	return p, nil
}

// testBucket is the bucket name the checks put in place of the real one.
const testBucket = "bucket"

// keyPrefix is the store's key prefix by default ("llmbench/", or "" for
// the top of the bucket): var.store_prefix's default.
func (r *repo) keyPrefix() string {
	v := r.tf.find("var.store_prefix")
	if v == nil {
		return ""
	}
	a := attr(v.Body, "default")
	if a == nil {
		return ""
	}
	p, _ := literalString(a.Expr)
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// outputURL is what a spec's output is with the defaults.
func (r *repo) outputURL() string {
	return strings.TrimSuffix("s3://"+testBucket+"/"+r.keyPrefix(), "/")
}

// fixed gives the locals and attributes of the bucket their values with
// the defaults, for evaluating resource ARNs and S3 locations.
func (r *repo) fixed() map[string]string {
	arn := "arn:aws:s3:::" + testBucket
	return map[string]string{
		"aws_s3_bucket.store.bucket": testBucket,
		"aws_s3_bucket.store.id":     testBucket,
		"aws_s3_bucket.store.arn":    arn,
		"local.bucket_arn":           arn,
		"local.key_prefix":           r.keyPrefix(),
		"local.store_objects":        arn + "/" + r.keyPrefix(),
	}
}

// lambdaArch is the Lambda architecture of a GOARCH.
func lambdaArch(goarch string) string {
	switch goarch {
	case "arm64":
		return "arm64"
	case "amd64":
		return "x86_64"
	}
	return "unsupported GOARCH " + goarch
}

// aslTask is a Task state of the definition.
type aslTask struct {
	path     string // States.Levels.ItemProcessor.States.Work…
	resource string
	function string // the FunctionName (or Resource) as written: ${worker_arn}
}

// tasks walks every States map of the definition (Map ItemProcessor and
// Iterator, Parallel Branches) and returns its Task states.
func aslTasks(def map[string]any) []aslTask {
	var out []aslTask
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		states, _ := m["States"].(map[string]any)
		names := make([]string, 0, len(states))
		for n := range states {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			st, _ := states[n].(map[string]any)
			p := prefix + "States." + n
			if st["Type"] == "Task" {
				t := aslTask{path: p}
				t.resource, _ = st["Resource"].(string)
				for _, k := range []string{"Parameters", "Arguments"} {
					if params, ok := st[k].(map[string]any); ok {
						if fn, ok := params["FunctionName"].(string); ok {
							t.function = fn
						}
					}
				}
				if t.function == "" && strings.HasPrefix(t.resource, "${") {
					t.function = t.resource
				}
				out = append(out, t)
			}
			for _, k := range []string{"ItemProcessor", "Iterator"} {
				if sub, ok := st[k].(map[string]any); ok {
					walk(p+"."+k+".", sub)
				}
			}
			if branches, ok := st["Branches"].([]any); ok {
				for i, b := range branches {
					if sub, ok := b.(map[string]any); ok {
						walk(fmt.Sprintf("%s.Branches[%d].", p, i), sub)
					}
				}
			}
		}
	}
	walk("", def)
	return out
}

// copyTree copies the parts of the tree the checks read (terraform/,
// statemachine/, functions/, events/, the Makefile) under dst, for a test
// to break.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	for _, part := range []string{"terraform", "statemachine", "functions", "events", "Makefile"} {
		from := filepath.Join(src, part)
		err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if d.IsDir() {
				if d.Name() == ".terraform" {
					return filepath.SkipDir
				}
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		if err != nil {
			t.Fatalf("copy %s: %v", part, err)
		}
	}
	return dst
}
