package sse_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/llmbench/llmbench/shared/sse"
)

// Decode a stream: comments are skipped, data lines are joined, the last
// event ID persists, and an event the stream ends without terminating is
// still dispatched, marked Partial. Each event's Time (not printed: it is
// the clock) is when its last byte was read.
func Example() {
	stream := ": keep-alive\n\n" +
		"id: 1\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n" +
		"event: note\ndata: two\ndata: lines\r\n\r\n" +
		"data: [DONE]"
	d := sse.NewDecoder(strings.NewReader(stream))
	for d.Next() {
		ev := d.Event() // ev.Data is valid until the next call to Next
		fmt.Printf("type=%q id=%q partial=%v data=%q\n", ev.Type, ev.ID, ev.Partial, ev.Data)
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// type="" id="1" partial=false data="{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}"
	// type="note" id="1" partial=false data="two\nlines"
	// type="" id="1" partial=true data="[DONE]"
}
