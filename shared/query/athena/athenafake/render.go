package athenafake

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// run executes sql on the Querier and renders its rows as Athena would.
func (f *Fake) run(ctx context.Context, sql string) ([]column, [][]*string, error) {
	rows, err := f.q.Query(ctx, sql)
	if err != nil {
		return nil, nil, err
	}
	desc, err := f.q.Query(ctx, "DESCRIBE "+sql)
	if err != nil {
		return nil, nil, fmt.Errorf("describe the result: %w", err)
	}
	cols := make([]column, len(desc))
	duck := make([]string, len(desc))
	for i, d := range desc {
		name, _ := d["column_name"].(string)
		typ, _ := d["column_type"].(string)
		if name == "" || typ == "" {
			return nil, nil, fmt.Errorf("describe the result: row %d: %v", i, d)
		}
		duck[i] = typ
		cols[i] = athenaColumn(name, typ)
	}
	out := make([][]*string, len(rows))
	for r, row := range rows {
		vals := make([]*string, len(cols))
		for i, c := range cols {
			v, ok := row[c.name]
			if !ok {
				return nil, nil, fmt.Errorf("row %d has no column %q", r, c.name)
			}
			vals[i] = render(duck[i], v)
		}
		out[r] = vals
	}
	return cols, out, nil
}

var decimalType = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// athenaColumn describes a column of DuckDB type duck as Athena would: its
// type name (Trino's, lower case) and the precision and scale Athena
// reports for it.
func athenaColumn(name, duck string) column {
	up := strings.ToUpper(duck)
	c := column{name: name}
	if m := decimalType.FindStringSubmatch(up); m != nil {
		c.typ = "decimal"
		c.precision, _ = strconv.Atoi(m[1])
		c.scale, _ = strconv.Atoi(m[2])
		return c
	}
	switch {
	case strings.HasSuffix(up, "]"):
		c.typ = "array"
		return c
	case strings.HasPrefix(up, "STRUCT"):
		c.typ = "row"
		return c
	case strings.HasPrefix(up, "MAP"):
		c.typ = "map"
		return c
	}
	switch up {
	case "BIGINT", "HUGEINT", "UBIGINT", "UHUGEINT", "UINTEGER":
		c.typ, c.precision = "bigint", 19
	case "INTEGER", "USMALLINT":
		c.typ, c.precision = "integer", 10
	case "SMALLINT", "UTINYINT":
		c.typ, c.precision = "smallint", 5
	case "TINYINT":
		c.typ, c.precision = "tinyint", 3
	case "DOUBLE":
		c.typ, c.precision = "double", 17
	case "FLOAT":
		c.typ, c.precision = "real", 24
	case "VARCHAR":
		c.typ, c.precision = "varchar", math.MaxInt32
	case "BOOLEAN":
		c.typ = "boolean"
	case "DATE":
		c.typ = "date"
	case "TIMESTAMP", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE":
		// The Glue table declares start_time a timestamp, which Athena
		// reads with millisecond precision.
		c.typ, c.precision = "timestamp", 3
	case "TIME":
		c.typ = "time"
	case "BLOB":
		c.typ = "varbinary"
	case "UUID":
		c.typ = "uuid"
	case "INTERVAL":
		c.typ = "interval day to second"
	default:
		c.typ, c.precision = "varchar", math.MaxInt32
	}
	return c
}

// render writes a value as Athena's text, nil for NULL.
func render(duck string, v any) *string {
	if v == nil {
		return nil
	}
	s := text(strings.ToUpper(duck), v)
	return &s
}

func text(duck string, v any) string {
	switch x := v.(type) {
	case nil:
		return "null" // inside an array
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if m := decimalType.FindStringSubmatch(duck); m != nil {
			scale, _ := strconv.Atoi(m[2])
			return strconv.FormatFloat(x, 'f', scale, 64)
		}
		if duck == "FLOAT" {
			return JavaDouble(x, 32)
		}
		return JavaDouble(x, 64)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		switch duck {
		case "DATE":
			return x.UTC().Format(time.DateOnly)
		case "TIME":
			return x.Format("15:04:05.000")
		}
		return x.UTC().Format("2006-01-02 15:04:05.000")
	case []any:
		elem := duck
		if i := strings.LastIndexByte(elem, '['); i >= 0 {
			elem = elem[:i]
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = text(elem, e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return fmt.Sprint(v)
	}
}

// JavaDouble writes v as Java's Double.toString (bits 64) or
// Float.toString (bits 32) does, which is how Athena renders DOUBLE and
// REAL values: the shortest digits that read back to v, with at least one
// digit after the point, in scientific notation ("1.0E-5", "1.2345678E7")
// below 10⁻³ and from 10⁷ on, and NaN, Infinity, -Infinity. (For a few
// subnormals Java picks other digits, 4.9E-324 for 5.0E-324, that read
// back to the same double.)
func JavaDouble(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(v); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'E', -1, bits) // 1.2345678E+07, 1E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-")
	exp = strings.TrimLeft(exp, "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}
