// Package sse decodes a Server-Sent Events stream (the text/event-stream
// format of the HTML Living Standard, §9.2) and stamps each event with the
// moment its bytes arrived.
//
// The decoder exists because token timing is the product of llmbench: the
// time of a streamed token is the time the read that completed its event
// returned, not the time some later layer got around to parsing it. So the
// Decoder holds its own buffer and calls Read itself (a bufio.Scanner would
// hide where one read ends and the next begins), and takes time.Now right
// after every Read that delivers bytes. An event's Time is the stamp of the
// Read that delivered its terminating blank line: the arrival of its last
// byte.
//
// Usage, in the shape of openai-go's ssestream:
//
//	d := sse.NewDecoder(body)
//	for d.Next() {
//		ev := d.Event() // ev.Data is valid until the next call to Next
//		...
//	}
//	if err := d.Err(); err != nil { ... }
//
// Parsing follows the standard: "\n", "\r\n" and "\r" all end a line, even
// when a "\r\n" pair is split across reads; a leading UTF-8 BOM is dropped;
// lines beginning with ':' are comments; a field without a colon has an empty
// value; one space after the colon is dropped; data lines are joined with
// "\n"; an event without a data line is not dispatched; the event ID
// persists from event to event (it is the "last event ID"), and an id
// containing NUL is ignored; retry and unknown fields are ignored.
//
// One deliberate departure: the standard discards an event that the stream
// ends before terminating with a blank line. A benchmark wants to count it
// (its bytes did arrive, and a server that omits the final blank line still
// produced the tokens), so the Decoder dispatches it as a last event with
// Partial set, stamped with the arrival of its last byte. Callers that need
// the strict behaviour skip Partial events.
//
// Memory is bounded: the read buffer starts small and grows to MaxLineSize,
// and a line (or an event's joined data) that does not fit fails the stream
// with ErrTooLong rather than growing without limit.
package sse
