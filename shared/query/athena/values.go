package athena

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseValue converts the text Athena gives for a value of type typ (a
// ColumnInfo.Type, lower case) into the Go type of the query.Engine
// contract.
func parseValue(typ, s string) (any, error) {
	switch base(typ) {
	case "bigint", "integer", "int", "smallint", "tinyint":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer: %q", s)
		}
		return n, nil
	case "double", "decimal":
		return parseFloat(s, 64)
	case "real", "float":
		// A REAL is a float32: read it as one, as DuckDB does.
		return parseFloat(s, 32)
	case "varchar", "char", "string":
		return s, nil
	case "boolean":
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("not a boolean: %q", s)
	case "array":
		return parseArray(s)
	case "timestamp":
		return parseTimestamp(s)
	case "date":
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("not a date: %q", s)
		}
		return t, nil
	default: // map, row, json, varbinary, time, interval, uuid, …
		return s, nil
	}
}

// base is a type name without its parameters and qualifiers:
// "decimal(10,2)" → "decimal", "timestamp(3) with time zone" → "timestamp",
// "array(double)" → "array".
func base(typ string) string {
	if i := strings.IndexAny(typ, "( "); i >= 0 {
		return typ[:i]
	}
	return typ
}

// parseFloat reads a number as Athena writes it (Java's Double.toString:
// "1.5", "1.0E-5", "NaN", "Infinity"; a decimal as "123.450").
func parseFloat(s string, bits int) (float64, error) {
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, nil // ±Inf or 0 for an out-of-range literal, as Java reads it
		}
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return f, nil
}

// Timestamps as Athena writes them: "2025-01-02 03:04:05.006", with as
// many fraction digits as the type's precision (or none), and for a
// timestamp with time zone a zone after a space: "… UTC",
// "… +01:00", "… Europe/Paris".
const timestampLayout = "2006-01-02 15:04:05" // parsing accepts any fraction after the seconds

func parseTimestamp(s string) (time.Time, error) {
	if t, err := time.Parse(timestampLayout, s); err == nil {
		return t, nil
	}
	// With a zone: the date, the time, then the zone.
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return time.Time{}, fmt.Errorf("not a timestamp: %q", s)
	}
	ts, zone := s[:i], s[i+1:]
	var loc *time.Location
	switch {
	case zone == "UTC" || zone == "Z":
		loc = time.UTC
	case strings.HasPrefix(zone, "+") || strings.HasPrefix(zone, "-"):
		off, err := time.Parse("-07:00", zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("not a timestamp: %q: zone offset %q", s, zone)
		}
		_, secs := off.Zone()
		loc = time.FixedZone(zone, secs)
	default:
		l, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("not a timestamp: %q: zone %q: %w", s, zone, err)
		}
		loc = l
	}
	t, err := time.ParseInLocation(timestampLayout, ts, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a timestamp: %q", s)
	}
	return t, nil
}

// parseArray reads an array as Athena writes it: "[1.5, 2.25]",
// "[[1, 2], []]", "[a, null]". See the package documentation for how
// elements are typed.
func parseArray(s string) ([]any, error) {
	p := arrayParser{s: s}
	v, err := p.array()
	if err == nil && p.i != len(s) {
		err = fmt.Errorf("text after the array at offset %d", p.i)
	}
	if err != nil {
		return nil, fmt.Errorf("not an array: %q: %w", s, err)
	}
	return v, nil
}

type arrayParser struct {
	s string
	i int
}

func (p *arrayParser) array() ([]any, error) {
	if p.i >= len(p.s) || p.s[p.i] != '[' {
		return nil, fmt.Errorf("no [ at offset %d", p.i)
	}
	p.i++
	out := []any{}
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return out, nil
	}
	for {
		var v any
		if p.i < len(p.s) && p.s[p.i] == '[' {
			a, err := p.array()
			if err != nil {
				return nil, err
			}
			v = a
		} else {
			v = element(p.scalar())
		}
		out = append(out, v)
		switch {
		case strings.HasPrefix(p.s[p.i:], ", "):
			p.i += 2
		case strings.HasPrefix(p.s[p.i:], "]"):
			p.i++
			return out, nil
		default:
			return nil, fmt.Errorf("no ', ' or ] at offset %d", p.i)
		}
	}
}

// scalar reads an element up to the ", " or "]" that ends it at its own
// depth; brackets and braces of maps and rows inside it are kept.
func (p *arrayParser) scalar() string {
	start, depth := p.i, 0
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '[' || c == '{':
			depth++
		case (c == ']' || c == '}') && depth > 0:
			depth--
		case depth == 0 && (c == ']' || c == ',' && strings.HasPrefix(p.s[p.i:], ", ")):
			return p.s[start:p.i]
		}
	}
	return p.s[start:]
}

// element types one element of an array by its text.
func element(s string) any {
	switch s {
	case "null":
		return nil
	case "true":
		return true
	case "false":
		return false
	case "NaN", "Infinity", "-Infinity":
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if looksNumeric(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}

// looksNumeric reports whether s is a decimal number: digits with an
// optional sign, point and exponent, so that words ParseFloat also takes
// ("inf", "0x1p-2") stay strings.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digits = true
		case c == '.' || c == 'E' || c == 'e' || c == '-' || c == '+':
		default:
			return false
		}
	}
	return digits
}
