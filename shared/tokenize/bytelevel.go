package tokenize

// byteRunes is GPT-2's bytes_to_unicode table, which every byte-level BPE
// vocabulary is written in: each byte stands for one printable rune, so
// that a vocabulary of byte strings can be stored as JSON text. The
// printable Latin-1 bytes stand for themselves; the other 68 (controls,
// space, DEL, NBSP, soft hyphen) stand for U+0100 onwards, in byte order:
// the space is 'Ġ' (U+0120), the newline 'Ċ' (U+010A).
var byteRunes = func() (t [256]rune) {
	next := rune(256)
	for b := 0; b < 256; b++ {
		switch {
		case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE:
			t[b] = rune(b)
		default:
			t[b] = next
			next++
		}
	}
	return t
}()

// runeBytes inverts byteRunes; a rune absent from it is not byte-level.
var runeBytes = func() map[rune]byte {
	m := make(map[rune]byte, 256)
	for b, r := range byteRunes {
		m[r] = byte(b)
	}
	return m
}()

// appendByteLevel appends the byte-level spelling of s to dst.
func appendByteLevel(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		r := byteRunes[s[i]]
		if r < 0x80 {
			dst = append(dst, byte(r))
		} else {
			dst = append(dst, byte(0xC0|r>>6), byte(0x80|r&0x3F))
		}
	}
	return dst
}

// fromByteLevel turns a vocabulary entry back into the bytes it stands
// for; ok is false when it holds a rune that no byte stands for.
func fromByteLevel(tok string) (b []byte, ok bool) {
	b = make([]byte, 0, len(tok))
	for _, r := range tok {
		c, found := runeBytes[r]
		if !found {
			return nil, false
		}
		b = append(b, c)
	}
	return b, true
}
