package dataset_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
)

var update = flag.Bool("update", false, "rewrite events/data/ from the generators")

const dataDir = "../../events/data"

// TestSampleFiles checks that the sample datasets in events/data/ are
// what the generators below make, and that they parse to the records the
// generators meant. go test ./shared/dataset -run TestSampleFiles -update
// rewrites them.
func TestSampleFiles(t *testing.T) {
	tests := []struct {
		file, format string
		gen          func() ([]byte, []dataset.Record, dataset.Stats)
	}{
		{"sample-sharegpt.json", dataset.ShareGPT, sampleShareGPT},
		{"sample.jsonl", dataset.JSONL, sampleJSONL},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want, recs, stats := tt.gen()
			path := filepath.Join(dataDir, tt.file)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./shared/dataset -run TestSampleFiles -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is not what its generator makes (go test ./shared/dataset -run TestSampleFiles -update rewrites it)", path)
			}
			if len(got) > 300<<10 {
				t.Errorf("%s is %d KB, want at most 300", path, len(got)>>10)
			}
			parsed, st, err := dataset.Parse(bytes.NewReader(got), tt.format, tt.file, dataset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st, stats) {
				t.Errorf("stats %+v, want %+v", st, stats)
			}
			if !reflect.DeepEqual(parsed, recs) {
				t.Errorf("parsed records differ from the generator's")
			}
			t.Logf("%s: %d bytes, %s", tt.file, len(got), st)
		})
	}
}

// words are plain English words the samples are made of.
var words = strings.Fields(`time person year way day thing man world life hand part child eye
woman place work week case point number group problem fact water room mother area money story
month lot right study book job word business issue side kind head house service friend father
power hour game line end member law car city name president team minute idea body information
back parent face others level office door health art war history party result change morning
reason research girl guy moment air teacher force education food light music paper river tree
garden window road bridge market letter question answer village island mountain table coffee
bread winter summer station train engine picture voice field forest
be have do say get make go know take see come think look want give use find tell ask work seem
feel try leave call need become keep begin help show hear play run move like live believe hold
bring happen write provide sit stand lose pay meet include continue set learn change lead
understand watch follow stop create speak read spend grow open walk win offer remember consider
appear buy wait serve die send expect build stay fall cut reach kill remain suggest raise pass
sell require report decide pull explain carry develop hope drive break thank receive join
good new first last long great little own other old right big high different small large next
early young important few public bad same able late hard major better economic strong possible
whole free military true federal international full special easy clear recent certain personal
open red difficult available likely short single medical current wrong private past foreign
fine common poor natural significant similar hot dead central happy serious ready simple left
physical general environmental financial blue democratic dark various entire close legal
religious cold final main green nice huge popular traditional cultural quiet warm gentle
about after again also always because before often never only really still then there today
together well almost already perhaps quickly slowly usually yesterday tomorrow soon`)

// gen draws the samples' text from a PCG's raw output only, so the files
// do not depend on how math/rand/v2 implements IntN.
type gen struct{ r *rand.PCG }

func (g gen) intn(n int) int { return int(g.r.Uint64() % uint64(n)) }

// length returns a word count from lo to hi, mostly short, sometimes
// long, as real prompts and answers are: a bucket of doubling lengths,
// bucket i of b having weight (b-i)^power, then a length in it.
func (g gen) length(lo, hi, power int) int {
	var buckets [][2]int
	for a := lo; a < hi; a *= 2 {
		buckets = append(buckets, [2]int{a, min(2*a, hi+1)})
	}
	weight := func(i int) int {
		w := 1
		for range power {
			w *= len(buckets) - i
		}
		return w
	}
	total := 0
	for i := range buckets {
		total += weight(i)
	}
	w := g.intn(total)
	for i, b := range buckets {
		if w -= weight(i); w < 0 {
			return b[0] + g.intn(b[1]-b[0])
		}
	}
	panic("unreachable")
}

// text returns n words of sentences of 4 to 15 words, capitalized and
// ending in a full stop, or a question mark when ask.
func (g gen) text(n int, ask bool) string {
	var b strings.Builder
	for i, left := 0, 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := words[g.intn(len(words))]
		if left == 0 {
			left = 4 + g.intn(12)
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		if left--; left == 0 || i == n-1 {
			if ask && g.intn(2) == 0 {
				b.WriteByte('?')
			} else {
				b.WriteByte('.')
			}
			left = 0
		}
	}
	return b.String()
}

type shareGPTTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

type shareGPTConversation struct {
	ID            string         `json:"id"`
	Conversations []shareGPTTurn `json:"conversations"`
}

// sampleShareGPT makes events/data/sample-sharegpt.json: 300
// conversations, prompts and answers of 5 to 400 words, mostly human and
// gpt, some user and assistant, some opening with a system turn, some
// going on for more exchanges. Three are unusable on purpose, so a run
// on the sample shows what is reported as skipped: 97 has no answer, 198
// no human turn, 299 an empty prompt.
func sampleShareGPT() ([]byte, []dataset.Record, dataset.Stats) {
	g := gen{rand.NewPCG(2026, 1)}
	var (
		lines []string
		recs  []dataset.Record
	)
	for i := range 300 {
		user, model := "human", "gpt"
		if i%7 == 3 {
			user, model = "user", "assistant"
		}
		prompt, answer := g.length(5, 400, 2), g.length(5, 400, 1)
		c := shareGPTConversation{ID: fmt.Sprintf("sample-%03d", i)}
		if i%11 == 5 {
			c.Conversations = append(c.Conversations, shareGPTTurn{"system", g.text(5+g.intn(20), false)})
		}
		first := shareGPTTurn{user, g.text(prompt, true)}
		c.Conversations = append(c.Conversations, first, shareGPTTurn{model, g.text(answer, false)})
		for range g.intn(4) / 3 * (1 + g.intn(2)) { // a quarter go on, for 1 or 2 more exchanges
			c.Conversations = append(c.Conversations,
				shareGPTTurn{user, g.text(g.length(5, 20, 1), true)}, shareGPTTurn{model, g.text(g.length(5, 40, 1), false)})
		}
		switch i {
		case 97:
			c.Conversations = []shareGPTTurn{first}
		case 198:
			c.Conversations = []shareGPTTurn{{model, g.text(answer, false)}}
		case 299:
			c.Conversations = []shareGPTTurn{{user, ""}, {model, g.text(answer, false)}}
		default:
			recs = append(recs, dataset.Record{ID: int64(i), Prompt: first.Value, OutputTokens: answer})
		}
		lines = append(lines, marshal(c))
	}
	stats := dataset.Stats{Records: len(recs), Skipped: 3, SkippedReasons: map[string]int{
		dataset.SkipNoAnswer: 1, dataset.SkipNoHumanTurn: 1, dataset.SkipEmptyPrompt: 1,
	}}
	return []byte("[\n" + strings.Join(lines, ",\n") + "\n]\n"), recs, stats
}

type jsonlLine struct {
	Prompt       string            `json:"prompt,omitempty"`
	Messages     []dataset.Message `json:"messages,omitempty"`
	OutputTokens int               `json:"output_tokens,omitempty"`
}

// sampleJSONL makes events/data/sample.jsonl: 100 requests, a prompt or a
// chat (a system message and a question, or a question, its answer and a
// follow-up), 60 of them with an output length.
func sampleJSONL() ([]byte, []dataset.Record, dataset.Stats) {
	g := gen{rand.NewPCG(2026, 2)}
	var (
		b    strings.Builder
		recs []dataset.Record
	)
	for i := range 100 {
		var l jsonlLine
		switch i % 4 {
		case 0, 1:
			l.Prompt = g.text(g.length(5, 300, 1), true)
		case 2:
			l.Messages = []dataset.Message{
				{Role: dataset.RoleSystem, Content: g.text(5+g.intn(20), false)},
				{Role: dataset.RoleUser, Content: g.text(g.length(5, 200, 1), true)},
			}
		case 3:
			l.Messages = []dataset.Message{
				{Role: dataset.RoleUser, Content: g.text(g.length(5, 100, 1), true)},
				{Role: dataset.RoleAssistant, Content: g.text(g.length(5, 100, 1), false)},
				{Role: dataset.RoleUser, Content: g.text(g.length(5, 50, 1), true)},
			}
		}
		if i%2 == 1 || i%5 == 0 {
			l.OutputTokens = g.length(16, 512, 1)
		}
		b.WriteString(marshal(l))
		b.WriteByte('\n')
		recs = append(recs, dataset.Record{ID: int64(i), Prompt: l.Prompt, Messages: l.Messages, OutputTokens: l.OutputTokens})
	}
	return []byte(b.String()), recs, dataset.Stats{Records: len(recs)}
}

func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
