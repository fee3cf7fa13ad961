package sfnlocal

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Problem is one static problem of a definition. State is "" for the
// top level.
type Problem struct {
	State   string
	Message string
}

// String formats the problem as "state X: message".
func (p Problem) String() string {
	if p.State == "" {
		return p.Message
	}
	return "state " + p.State + ": " + p.Message
}

// LoadError lists every problem Load found.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("sfnlocal: invalid state machine definition")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// unsupportedPrefix starts every message about a valid feature that
// sfnlocal refuses to run.
const unsupportedPrefix = "unsupported by sfnlocal: "

// compiler turns a parsed definition into machineDefs, collecting problems.
type compiler struct {
	problems  []Problem
	functions map[string]lambda.Handler
	resolve   bool            // look functions up (Load) or not (Check)
	unfilled  map[string]bool // template placeholders left unfilled
	seen      map[string]bool // state names across all scopes
}

func (c *compiler) add(state, format string, args ...any) {
	c.problems = append(c.problems, Problem{State: state, Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) addAll(state string, msgs []string) {
	for _, m := range msgs {
		c.add(state, "%s", m)
	}
}

// compileDefinition fills the templates, parses and compiles a definition.
func compileDefinition(definition []byte, vars map[string]string, functions map[string]lambda.Handler, resolve bool) (*machineDef, []Problem) {
	c := &compiler{functions: functions, resolve: resolve, seen: map[string]bool{}}
	text, unfilled, msgs := fillVars(string(definition), vars)
	c.unfilled = unfilled
	c.addAll("", msgs)
	doc, err := parseJSON([]byte(text))
	if err != nil {
		c.add("", "definition is not valid JSON: %v", err)
		return nil, c.problems
	}
	top, ok := doc.(map[string]any)
	if !ok {
		c.add("", "definition must be a JSON object")
		return nil, c.problems
	}
	for _, k := range sortedKeys(top) {
		switch k {
		case "StartAt", "States", "Comment", "Version", "TimeoutSeconds":
		case "QueryLanguage":
			if top[k] != "JSONPath" {
				c.add("", unsupportedPrefix+"QueryLanguage %v (sfnlocal runs JSONPath only)", top[k])
			}
		default:
			c.add("", "unknown top-level field %q", k)
		}
	}
	m := c.machine("", top)
	if v, ok := top["TimeoutSeconds"]; ok {
		n, ok := asInt(v)
		if !ok || n <= 0 {
			c.add("", "TimeoutSeconds must be a positive integer")
		}
		if m != nil {
			m.timeout = time.Duration(n) * time.Second
		}
	}
	c.findUnfilled("", top)
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].State < c.problems[j].State })
	return m, c.problems
}

// machine compiles one scope (StartAt + States); owner names the Map or
// Parallel state holding it, "" at the top.
func (c *compiler) machine(owner string, m map[string]any) *machineDef {
	md := &machineDef{states: map[string]*stateDef{}}
	md.startAt, _ = m["StartAt"].(string)
	states, ok := m["States"].(map[string]any)
	if !ok || len(states) == 0 {
		c.add(owner, "States must be a non-empty object")
		return md
	}
	if md.startAt == "" {
		c.add(owner, "StartAt is missing")
	} else if _, ok := states[md.startAt]; !ok {
		c.add(owner, "StartAt %q names no state", md.startAt)
	}
	md.names = sortedKeys(states)
	for _, name := range md.names {
		if c.seen[name] {
			c.add(name, "state name is used twice (names must be unique in the whole state machine)")
		}
		c.seen[name] = true
		if len(name) > 80 {
			c.add(name, "state name longer than 80 characters")
		}
		sm, ok := states[name].(map[string]any)
		if !ok {
			c.add(name, "state must be a JSON object")
			continue
		}
		md.states[name] = c.state(name, sm)
	}
	c.checkGraph(owner, md)
	return md
}

// checkGraph checks targets, reachability from StartAt and that the scope
// can end.
func (c *compiler) checkGraph(owner string, md *machineDef) {
	terminal := false
	for _, name := range md.names {
		st := md.states[name]
		if st == nil {
			continue
		}
		if st.end || st.typ == "Succeed" || st.typ == "Fail" {
			terminal = true
		}
		for _, t := range st.targets() {
			if _, ok := md.states[t]; !ok {
				c.add(name, "Next %q names no state in this scope", t)
			}
		}
	}
	if !terminal {
		c.add(owner, "no terminal state (End: true, Succeed or Fail) in this scope")
	}
	reached := map[string]bool{}
	queue := []string{md.startAt}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		st := md.states[n]
		if st == nil || reached[n] {
			continue
		}
		reached[n] = true
		queue = append(queue, st.targets()...)
	}
	for _, name := range md.names {
		if md.states[name] != nil && !reached[name] {
			c.add(name, "state is not reachable from StartAt %q", md.startAt)
		}
	}
}

// targets lists the states a state can go to.
func (st *stateDef) targets() []string {
	var out []string
	if st.next != "" {
		out = append(out, st.next)
	}
	for _, r := range st.choices {
		if r.next != "" {
			out = append(out, r.next)
		}
	}
	if st.deflt != "" {
		out = append(out, st.deflt)
	}
	for _, k := range st.catch {
		if k.next != "" {
			out = append(out, k.next)
		}
	}
	return out
}

// fillVars substitutes Terraform templatefile placeholders: "${name}"
// becomes vars[name], "$${" a literal "${" and "%%{" a literal "%{".
// Unknown names stay as written and are reported where they occur.
func fillVars(text string, vars map[string]string) (string, map[string]bool, []string) {
	var out strings.Builder
	unfilled := map[string]bool{}
	var msgs []string
	for i := 0; i < len(text); i++ {
		rest := text[i:]
		switch {
		case strings.HasPrefix(rest, "$${"), strings.HasPrefix(rest, "%%{"):
			out.WriteString(rest[1:3])
			i += 2
		case strings.HasPrefix(rest, "%{"):
			msgs = append(msgs, unsupportedPrefix+"Terraform template directives %{...}")
			out.WriteByte(text[i])
		case strings.HasPrefix(rest, "${"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				out.WriteByte(text[i])
				continue
			}
			name := strings.TrimSpace(rest[2:end])
			if v, ok := vars[name]; ok {
				out.WriteString(v)
			} else {
				unfilled[name] = true
				out.WriteString(rest[:end+1])
			}
			i += end
		default:
			out.WriteByte(text[i])
		}
	}
	return out.String(), unfilled, msgs
}

// findUnfilled reports the strings still holding an unfilled placeholder,
// naming the innermost state that holds them.
func (c *compiler) findUnfilled(state string, v any) {
	if len(c.unfilled) == 0 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			c.findUnfilled(state, k)
			if k == "States" {
				if states, ok := t[k].(map[string]any); ok {
					for _, name := range sortedKeys(states) {
						c.findUnfilled(name, states[name])
					}
					continue
				}
			}
			c.findUnfilled(state, t[k])
		}
	case []any:
		for _, e := range t {
			c.findUnfilled(state, e)
		}
	case string:
		names := make([]string, 0, len(c.unfilled))
		for name := range c.unfilled {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.Contains(t, "${"+name+"}") || strings.Contains(t, "${ "+name+" }") {
				c.add(state, "template placeholder ${%s} is not filled (missing from Vars)", name)
			}
		}
	}
}
