package target

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestMessagesBody: a request's messages go to a chat body as they are,
// and to a one-text schema (completions) joined by blank lines.
func TestMessagesBody(t *testing.T) {
	r := Request{Prompt: "ignored", Messages: []Message{
		{Role: "system", Content: "Be \"brief\"."},
		{Role: "user", Content: "Hi"},
		{Role: "assistant", Content: "Hello"},
		{Role: "user", Content: "Why is the sky blue?"},
	}, MaxTokens: 8}
	b, err := OpenAIBody(r, "m", true, false)
	if err != nil {
		t.Fatal(err)
	}
	var chat struct {
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	if err := json.Unmarshal(b, &chat); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	var got []Message
	for _, m := range chat.Messages {
		got = append(got, Message{Role: m.Role, Content: m.Content})
	}
	if !reflect.DeepEqual(got, r.Messages) {
		t.Errorf("chat messages %+v, want %+v", got, r.Messages)
	}
	b, err = OpenAIBody(r, "m", false, false)
	if err != nil {
		t.Fatal(err)
	}
	var comp struct {
		Prompt string `json:"prompt"`
	}
	if err := json.Unmarshal(b, &comp); err != nil {
		t.Fatal(err)
	}
	if want := "Be \"brief\".\n\nHi\n\nHello\n\nWhy is the sky blue?"; comp.Prompt != want {
		t.Errorf("completions prompt %q, want %q", comp.Prompt, want)
	}
	if (Request{Prompt: "p"}).PromptText() != "p" {
		t.Error("PromptText of a prompt is not the prompt")
	}
}
