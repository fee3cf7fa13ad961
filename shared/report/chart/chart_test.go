package chart

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func pts(xy ...float64) []Point {
	var out []Point
	for i := 0; i+1 < len(xy); i += 2 {
		out = append(out, Point{xy[i], xy[i+1]})
	}
	return out
}

func TestCharts(t *testing.T) {
	tests := []struct {
		name    string
		chart   interface{ svg() (string, error) }
		wantErr string   // empty: must draw
		want    []string // in the SVG
	}{
		// Two series with explicit ticks, one dashed.
		{"lines", lines(&Lines{Title: "T", XLabel: "x (u)", YLabel: "y (ms)", XTicks: []Tick{{6, "6"}, {32, "32"}},
			Series: []Series{{Name: "a", Points: pts(6, 1, 32, 2)}, {Name: "b", Points: pts(6, 2, 32, 3), Dashed: true}}}),
			"", []string{`aria-label="T"`, "x (u)", "y (ms)", ">a<", ">b<", "stroke-dasharray"}},
		// One point alone still makes a chart.
		{"one point", lines(&Lines{Title: "one", Series: []Series{{Name: "a", Points: pts(6, 100)}}}), "", []string{"<path"}},
		// Point labels are drawn beside the points.
		{"labels", lines(&Lines{Title: "L", Series: []Series{{Points: pts(1, 1, 2, 4), Labels: []string{"c=6", "c=12"}}}}), "", []string{">c=6<", ">c=12<"}},
		// A log axis labels 1, 2, 5 × 10^k with thousands separators.
		{"log", lines(&Lines{Title: "log", LogY: true, Series: []Series{{Name: "a", Points: pts(1, 50, 2, 30000)}}}), "", []string{">1,000<", ">2,000<", ">100<"}},
		// A log x axis, for a CDF over a wide spread, and bare lines.
		{"log x", lines(&Lines{Title: "cdf", LogX: true, Series: []Series{{Name: "a", Bare: true, Points: pts(3, 0, 40, 50, 9000, 100)}}}), "", []string{">1,000<", ">10<", ">a<"}},
		// Marks: a labelled dashed vertical line each.
		{"marks", lines(&Lines{Title: "M", Marks: []Tick{{10, "c=6"}, {40, "c=12"}}, Series: []Series{{Name: "a", Points: pts(0, 1, 50, 2)}}}), "", []string{">c=6<", ">c=12<", "stroke-dasharray"}},
		// Text is escaped.
		{"escaping", lines(&Lines{Title: "a<b", Series: []Series{{Name: "x&y", Points: pts(1, 1)}}}), "", []string{`aria-label="a&lt;b"`, "x&amp;y"}},
		// Stacked bars, one per category.
		{"bars", bars(&Bars{Title: "B", YLabel: "errors (%)", Categories: []string{"6", "12"}, Stacks: []Stack{{"timeout", []float64{0, 1}}, {"http_429", []float64{2, 0.5}}}}),
			"", []string{">timeout<", ">http_429<", ">12<"}},
		// Bars of zero height still make a chart with its axes.
		{"zero bars", bars(&Bars{Title: "Z", Categories: []string{"6"}, Stacks: []Stack{{"x", []float64{0}}}}), "", []string{"<path"}},
		// Nothing to draw is an error, not an empty picture.
		{"no series", lines(&Lines{Title: "none"}), "no series", nil},
		{"no points", lines(&Lines{Title: "none", Series: []Series{{Name: "a"}}}), "no points", nil},
		{"no bars", bars(&Bars{Title: "none"}), "no bars", nil},
		// Malformed input is refused.
		{"NaN", lines(&Lines{Series: []Series{{Name: "a", Points: pts(1, math.NaN())}}}), "not finite", nil},
		{"label count", lines(&Lines{Series: []Series{{Name: "a", Points: pts(1, 1), Labels: []string{"x", "y"}}}}), "2 labels for 1 points", nil},
		{"log x of zero", lines(&Lines{LogX: true, Series: []Series{{Name: "a", Points: pts(0, 1, 2, 5)}}}), "x = 0 on a log scale", nil},
		{"mark not finite", lines(&Lines{Marks: []Tick{{math.Inf(1), "x"}}, Series: []Series{{Name: "a", Points: pts(0, 1, 2, 5)}}}), "mark \"x\" is not finite", nil},
		{"log of zero", lines(&Lines{LogY: true, Series: []Series{{Name: "a", Points: pts(1, 0, 2, 5)}}}), "log scale", nil},
		{"negative bar", bars(&Bars{Categories: []string{"6"}, Stacks: []Stack{{"x", []float64{-1}}}}), "value 0 is -1", nil},
		{"short stack", bars(&Bars{Categories: []string{"6", "12"}, Stacks: []Stack{{"x", []float64{1}}}}), "1 values for 2 categories", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := tt.chart.svg()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(svg, `<svg class="chart"`) || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") || strings.Contains(svg, "<?xml") {
				t.Errorf("not a bare <svg> element: %.120s…", svg)
			}
			if head := svg[:strings.IndexByte(svg, '>')]; strings.Contains(head, " width=") || !strings.Contains(head, "viewBox=") {
				t.Errorf("the <svg> must scale by its viewBox alone: %s", head)
			}
			for _, w := range tt.want {
				if !strings.Contains(svg, w) {
					t.Errorf("SVG lacks %q", w)
				}
			}
			again, _ := tt.chart.svg()
			if again != svg {
				t.Error("two renders differ")
			}
		})
	}
}

type chartFunc func() (string, error)

func (f chartFunc) svg() (string, error) { return f() }

func lines(l *Lines) chartFunc {
	return func() (string, error) { s, err := l.SVG(); return string(s), err }
}

func bars(b *Bars) chartFunc {
	return func() (string, error) { s, err := b.SVG(); return string(s), err }
}

func TestThousands(t *testing.T) {
	tests := []struct {
		v    float64
		prec int
		want string
	}{
		{2257385.7, 0, "2,257,386"}, // rounds, then groups
		{950, 1, "950.0"},           // no separator below 1,000
		{1234.56, 1, "1,234.6"},     // decimals kept
		{-12345, 0, "-12,345"},      // sign outside the groups
		{0, 2, "0.00"},              // zero
	}
	for _, tt := range tests {
		if got := Thousands(tt.v, tt.prec); got != tt.want {
			t.Errorf("Thousands(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
}

func TestWideRange(t *testing.T) {
	tests := []struct {
		name string
		ys   []float64
		want bool
	}{
		{"factor 10", []float64{100, 1000}, true},      // the threshold
		{"factor 9", []float64{100, 900}, false},       // below it
		{"zero", []float64{0, 1000}, false},            // a log axis cannot show 0
		{"single", []float64{5}, false},                // one value spans nothing
		{"across series", []float64{2, 3, 40}, true},   // min and max of all series
		{"negative", []float64{-1, 100, 5000}, false},  // not all positive
		{"empty", nil, false},                          // no point
		{"equal", []float64{7, 7}, false},              // flat
		{"big", []float64{0.5, 60000}, true},           // milliseconds to minutes
		{"just under", []float64{1000, 9999.9}, false}, // 9.99×
	}
	for _, tt := range tests {
		var ss []Series
		for i, y := range tt.ys {
			ss = append(ss, Series{Points: []Point{{float64(i), y}}})
		}
		if got := WideRange(ss); got != tt.want {
			t.Errorf("%s: WideRange(%v) = %v, want %v", tt.name, tt.ys, got, tt.want)
		}
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		name string
		ss   []Series
		want float64
	}{
		{"none", nil, 1}, // no point
		{"one", []Series{{Points: pts(4, 1)}}, 1},                               // one x
		{"two series", []Series{{Points: pts(2, 1)}, {Points: pts(50, 1)}}, 25}, // across series
		{"zero", []Series{{Points: pts(0, 1, 5, 1)}}, math.Inf(1)},              // a log axis cannot hold 0
	}
	for _, tt := range tests {
		if got := Spread(tt.ss); got != tt.want {
			t.Errorf("%s: Spread = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestYMax: YMax caps the y axis (a share stops at 100%); without it the
// axis leaves room above the data for the legend.
func TestYMax(t *testing.T) {
	var ss []Series
	for i := range 6 {
		ss = append(ss, Series{Name: fmt.Sprint(i), Points: pts(1, 0, 2, 100-float64(i))})
	}
	l := &Lines{Title: "Y", Series: ss}
	top := func() float64 {
		t.Helper()
		svg, err := l.SVG()
		if err != nil {
			t.Fatal(err)
		}
		hi := 0.0
		for _, m := range regexp.MustCompile(`>([0-9]+)</text>`).FindAllStringSubmatch(string(svg), -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			hi = math.Max(hi, v)
		}
		return hi
	}
	free := top()
	l.YMax = 100
	if capped := top(); free <= 100 || capped != 100 {
		t.Errorf("highest tick %v without the cap, %v with it; want above 100, then 100", free, capped)
	}
}
