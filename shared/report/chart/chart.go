// Package chart draws the charts of llmbench's HTML reports as inline SVG,
// with gonum's plot package: line charts (one line per series, every point
// marked, optionally labelled) and stacked bar charts.
//
// The SVG it returns is ready to paste into an HTML page: no XML prolog, no
// fixed size (it scales to its container through its viewBox), no external
// resource (text uses the Liberation Sans metrics and the page's fonts, never
// a downloaded one). The output is deterministic: the same chart gives the
// same bytes.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size of every chart, in points; the page scales it to its column.
const (
	width  = 6 * vg.Inch
	height = 3.6 * vg.Inch
)

// Palette is the colour of series i (i modulo its length): Okabe and Ito's
// colour-blind-safe set, without its yellow (too pale on white).
var Palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x33, 0x33, 0x33, 0xff}, // near black
}

// glyphs mark the points of series i, so that lines stay apart in grey.
var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Point is one point of a series.
type Point struct{ X, Y float64 }

// Series is one line: its points in drawing order, and optionally a label
// per point, drawn beside it.
type Series struct {
	Name   string
	Points []Point
	Labels []string // empty, or one per point
	Dashed bool
	// Bare draws the line without a mark at each point: for series of
	// hundreds of points (a timeline, a CDF).
	Bare bool
}

// Tick is an explicit tick on the x axis.
type Tick struct {
	Value float64
	Label string
}

// Lines is a line chart. Both axes start at zero unless the data go below.
type Lines struct {
	Title, XLabel, YLabel string
	// XTicks, when set, are the only ticks of the x axis: the concurrency
	// levels, or the names of percentiles on an ordinal axis.
	XTicks []Tick
	Series []Series
	// LogY draws the y axis on a log scale (every y must be > 0), for
	// figures spanning orders of magnitude; see WideRange.
	LogY bool
	// LogX does the same for the x axis (every x must be > 0).
	LogX bool
	// YMax, when above zero, is the top of the y axis (100 for a share in
	// %), instead of the data's maximum and room for the legend.
	YMax float64
	// Marks are vertical dashed lines across the plot at their x, each
	// labelled at the top: where a level begins on a timeline.
	Marks []Tick
}

// Spread is the ratio of the largest to the smallest x of the series'
// points, +Inf when the smallest is not positive, 1 with no point: an
// axis over a spread above 20 or so reads better on a log scale.
func Spread(ss []Series) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	switch {
	case math.IsInf(lo, 1):
		return 1
	case lo <= 0:
		return math.Inf(1)
	}
	return hi / lo
}

// WideRange reports whether the series' y values are all positive and span
// a factor of 10 or more: a linear axis would flatten all but the largest.
func WideRange(ss []Series) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.Points {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
	}
	return lo > 0 && !math.IsInf(hi, 0) && hi/lo >= 10
}

// Stack is one layer of a stacked bar chart: a value per category.
type Stack struct {
	Name   string
	Values []float64
}

// Bars is a stacked bar chart: one bar per category, the stacks drawn
// bottom-up in order.
type Bars struct {
	Title, XLabel, YLabel string
	Categories            []string
	Stacks                []Stack
}

// SVG draws the line chart.
func (l *Lines) SVG() (template.HTML, error) {
	if len(l.Series) == 0 {
		return "", errors.New("chart: no series")
	}
	p := newPlot(l.Title, l.XLabel, l.YLabel)
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	ymin := 0.0
	longest, named := 0, 0 // the longest point label, in runes
	for i, s := range l.Series {
		if len(s.Points) == 0 {
			continue
		}
		if len(s.Labels) != 0 && len(s.Labels) != len(s.Points) {
			return "", fmt.Errorf("chart: series %q has %d labels for %d points", s.Name, len(s.Labels), len(s.Points))
		}
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			if math.IsNaN(pt.X) || math.IsNaN(pt.Y) || math.IsInf(pt.X, 0) || math.IsInf(pt.Y, 0) {
				return "", fmt.Errorf("chart: series %q point %d is not finite", s.Name, j)
			}
			xys[j] = plotter.XY{X: pt.X, Y: pt.Y}
			xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
			ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return "", fmt.Errorf("chart: series %q: %w", s.Name, err)
		}
		c := Palette[i%len(Palette)]
		line.Color = c
		line.Width = vg.Points(1.8)
		if s.Dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		points.Color = c
		points.Shape = glyphs[i%len(glyphs)]
		points.Radius = vg.Points(3)
		if s.Bare {
			line.Width = vg.Points(1.4)
			p.Add(line)
		} else {
			p.Add(line, points)
		}
		if len(s.Labels) > 0 {
			for _, lb := range s.Labels {
				longest = max(longest, utf8.RuneCountInString(lb))
			}
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: s.Labels})
			if err != nil {
				return "", fmt.Errorf("chart: series %q: %w", s.Name, err)
			}
			for k := range lb.TextStyle {
				lb.TextStyle[k].Font = font.From(sans, 8)
				lb.TextStyle[k].Color = c
			}
			lb.Offset = vg.Point{X: vg.Points(6), Y: -vg.Points(10)}
			p.Add(lb)
		}
		if s.Name != "" && s.Bare {
			p.Legend.Add(s.Name, line)
			named++
		} else if s.Name != "" {
			p.Legend.Add(s.Name, line, points)
			named++
		}
	}
	if math.IsInf(xmin, 0) {
		return "", errors.New("chart: no points")
	}
	// Marks' labels take the top line: the legend goes below them, with
	// a line more of room above the data.
	rows := 1 + named/2
	if len(l.Marks) > 0 {
		rows++
		p.Legend.YOffs -= vg.Points(10)
	}
	// Room around the data: a margin on x (more on the right when points
	// carry labels), and on y for the legend above the highest point.
	span := xmax - xmin
	if span == 0 {
		span = math.Max(math.Abs(xmax), 1)
	}
	// Labels go right of their points: room for "c=32" (15%), more for
	// longer ones ("12.5 req/s"), at most 60% of the data's span.
	right := 0.05
	if longest > 0 {
		right = math.Min(0.15+0.03*float64(max(longest-5, 0)), 0.6)
	}
	switch {
	case l.LogX:
		if xmin <= 0 {
			return "", fmt.Errorf("chart: x = %v on a log scale", xmin)
		}
		llo, lhi := math.Log10(xmin), math.Log10(xmax)
		lspan := math.Max(lhi-llo, 0.5)
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = commaTicks{logTicks{}}
		p.X.Min = math.Pow(10, llo-0.03*lspan)
		p.X.Max = math.Pow(10, lhi+right*lspan)
	case xmin >= 0 && xmin-0.05*span < 0 && len(l.XTicks) == 0:
		p.X.Min = 0
		p.X.Max = xmax + right*span
	default:
		p.X.Min = xmin - 0.05*span
		p.X.Max = xmax + right*span
	}
	if l.LogY {
		lo, hi := math.Inf(1), 0.0
		for _, s := range l.Series {
			for _, pt := range s.Points {
				if pt.Y <= 0 {
					return "", fmt.Errorf("chart: series %q has y = %v on a log scale", s.Name, pt.Y)
				}
				lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
			}
		}
		llo, lhi := math.Log10(lo), math.Log10(hi)
		lspan := math.Max(lhi-llo, 0.5)
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = commaTicks{logTicks{}}
		p.Y.Min = math.Pow(10, llo-0.05*lspan)
		p.Y.Max = math.Pow(10, lhi+0.08*lspan*float64(rows))
	} else {
		p.Y.Min = ymin
		if ymax <= ymin {
			ymax = ymin + 1
		}
		p.Y.Max = ymax + 0.08*(ymax-ymin)*float64(rows)
		if l.YMax > ymin {
			p.Y.Max = l.YMax
		}
	}
	if len(l.XTicks) > 0 {
		ticks := make(plot.ConstantTicks, len(l.XTicks))
		for i, t := range l.XTicks {
			ticks[i] = plot.Tick{Value: t.Value, Label: t.Label}
		}
		p.X.Tick.Marker = ticks
	}
	if err := addMarks(p, l.Marks); err != nil {
		return "", err
	}
	return render(p)
}

// addMarks draws each mark as a dashed grey line from the bottom of the
// plot to the top, labelled just below the top.
func addMarks(p *plot.Plot, marks []Tick) error {
	for _, m := range marks {
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			return fmt.Errorf("chart: mark %q is not finite", m.Label)
		}
		if m.Value < p.X.Min || m.Value > p.X.Max {
			continue
		}
		top := p.Y.Max
		if p.Y.Scale != nil {
			if _, log := p.Y.Scale.(plot.LogScale); log {
				top = p.Y.Min * math.Pow(p.Y.Max/p.Y.Min, 0.97)
			}
		}
		ln, err := plotter.NewLine(plotter.XYs{{X: m.Value, Y: p.Y.Min}, {X: m.Value, Y: top}})
		if err != nil {
			return fmt.Errorf("chart: mark %q: %w", m.Label, err)
		}
		ln.Color = color.Gray{Y: 0x88}
		ln.Width = vg.Points(0.8)
		ln.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(ln)
		if m.Label == "" {
			continue
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: m.Value, Y: top}}, Labels: []string{m.Label}})
		if err != nil {
			return fmt.Errorf("chart: mark %q: %w", m.Label, err)
		}
		lb.TextStyle[0].Font = font.From(sans, 7.5)
		lb.TextStyle[0].Color = color.Gray{Y: 0x55}
		lb.Offset = vg.Point{X: vg.Points(2), Y: -vg.Points(9)}
		p.Add(lb)
	}
	return nil
}

// SVG draws the stacked bar chart.
func (b *Bars) SVG() (template.HTML, error) {
	if len(b.Categories) == 0 || len(b.Stacks) == 0 {
		return "", errors.New("chart: no bars")
	}
	p := newPlot(b.Title, b.XLabel, b.YLabel)
	p.NominalX(b.Categories...)
	w := vg.Points(math.Min(36, 300/float64(len(b.Categories))))
	var below *plotter.BarChart
	total := make([]float64, len(b.Categories))
	for i, s := range b.Stacks {
		if len(s.Values) != len(b.Categories) {
			return "", fmt.Errorf("chart: stack %q has %d values for %d categories", s.Name, len(s.Values), len(b.Categories))
		}
		vals := make(plotter.Values, len(s.Values))
		for j, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return "", fmt.Errorf("chart: stack %q value %d is %v", s.Name, j, v)
			}
			vals[j] = v
			total[j] += v
		}
		bc, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return "", fmt.Errorf("chart: stack %q: %w", s.Name, err)
		}
		bc.Color = Palette[i%len(Palette)]
		bc.LineStyle.Width = vg.Points(0.5)
		bc.LineStyle.Color = color.White
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		p.Add(bc)
		p.Legend.Add(s.Name, bc)
	}
	ymax := 0.0
	for _, t := range total {
		ymax = math.Max(ymax, t)
	}
	if ymax == 0 {
		ymax = 1
	}
	p.X.Min = -0.5
	p.X.Max = float64(len(b.Categories)) - 0.5
	p.Y.Min = 0
	p.Y.Max = ymax * (1.1 + 0.08*float64(len(b.Stacks)))
	return render(p)
}

// newPlot makes a plot in the reports' style: sans-serif text, a light
// grid, the legend at the top left, tick labels with thousands separators.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}, 11)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 9.5)
		a.Tick.Label.Font = font.From(sans, 8.5)
		a.Tick.Marker = commaTicks{}
	}
	p.Legend.TextStyle.Font = font.From(sans, 8.5)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(6)
	p.Legend.YOffs = -vg.Points(2)
	p.Legend.Padding = vg.Points(1)
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 0xe4}
	g.Horizontal.Color = color.Gray{Y: 0xe4}
	g.Vertical.Width = vg.Points(0.5)
	g.Horizontal.Width = vg.Points(0.5)
	p.Add(g)
	return p
}

// commaTicks label the ticks of another ticker (gonum's default when nil)
// with thousands separators and without trailing zeros.
type commaTicks struct{ plot.Ticker }

func (c commaTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	if c.Ticker != nil {
		ts = c.Ticker.Ticks(min, max)
	} else {
		ts = plot.DefaultTicks{}.Ticks(min, max)
	}
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		v, err := strconv.ParseFloat(ts[i].Label, 64)
		switch {
		case err != nil:
		case math.Abs(v) >= 1000 && v == math.Trunc(v):
			ts[i].Label = Thousands(v, 0)
		default: // "250.00" → "250", "0.50" → "0.5"
			ts[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ts
}

// logTicks tick a log axis at the integers × 10^k, labelled at 1, 2 and
// 5 × 10^k, or at every tick when that would label fewer than three.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); math.Pow(10, e) <= max; e++ {
		base := math.Pow(10, e)
		for i := 1; i < 10; i++ {
			v := float64(i) * base
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if i == 1 || i == 2 || i == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 6, 64)
			}
			ts = append(ts, t)
		}
	}
	// Less than a decade: label every tick, or there would be one label.
	labelled := 0
	for _, t := range ts {
		if t.Label != "" {
			labelled++
		}
	}
	if labelled < 3 {
		for i := range ts {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 6, 64)
		}
	}
	return ts
}

// Thousands formats v with prec decimals and commas between thousands:
// Thousands(2257385.7, 0) = "2,257,386".
func Thousands(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(frac)
	return b.String()
}

var viewBox = regexp.MustCompile(`viewBox="[^"]*"`)

// render draws p on an SVG canvas and returns the <svg> element alone,
// sized by its viewBox only so that CSS can scale it.
func render(p *plot.Plot) (template.HTML, error) {
	c := vgsvg.New(width, height)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("chart: %w", err)
	}
	out := buf.String()
	start := strings.Index(out, "<svg")
	if start < 0 {
		return "", errors.New("chart: the canvas wrote no <svg>")
	}
	out = out[start:]
	end := strings.IndexByte(out, '>')
	vb := viewBox.FindString(out[:end])
	if vb == "" {
		return "", errors.New("chart: the canvas wrote no viewBox")
	}
	label := template.HTMLEscapeString(p.Title.Text)
	head := fmt.Sprintf(`<svg class="chart" role="img" aria-label="%s" %s preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">`, label, vb)
	return template.HTML(head + out[end+1:]), nil //nolint:gosec // built here from escaped text
}
