package openai

import (
	"net/url"
	"sort"
	"strings"
)

// Header values (a resolved auth header among them) and a URL's password
// are secrets: these keep them out of every Err, captured header and
// Describe.

// safeURL shows a URL without its password or query (either may hold a
// key).
func safeURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.ForceQuery, v.Fragment, v.RawFragment = "", false, "", ""
	s := strings.TrimSuffix(v.Redacted(), "/")
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// secretParts lists what to scrub for one secret value: the value itself
// and, for "Bearer sk-…" style values, the token alone. Very short strings
// are left alone: scrubbing "1" would garble every message and such values
// are not credentials.
func secretParts(v string) []string {
	var out []string
	if len(v) >= 4 {
		out = append(out, v)
	}
	if f := strings.Fields(v); len(f) > 1 {
		for _, p := range f {
			if len(p) >= 8 {
				out = append(out, p)
			}
		}
	}
	return out
}

func newScrubber(secrets []string) *strings.Replacer {
	// Longest first, so that a value wins over a token inside it.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, "[REDACTED]")
	}
	return strings.NewReplacer(pairs...)
}
