// Package tokenize counts tokens the way a model's server does, from the
// model's own Hugging Face tokenizer.json, so that a synthetic prompt can
// have exactly the number of input tokens a spec asks for and every row can
// record the count the client computed.
//
// It reads the byte-level BPE files of Llama 3 and GPT-2 and their kin:
// model.type "BPE" with merges in either form ("a b" strings or ["a", "b"]
// pairs), ignore_merges, added tokens (<|begin_of_text|> and the like), and
// a pre-tokenizer that is ByteLevel or a Sequence of a regex Split and
// ByteLevel. Go's regexp has no lookahead, so the split patterns these
// models use are hand-written scanners (with the patterns of GPT-2, Llama 3
// and Qwen 2 recognised by their exact text); any other pattern is run
// through regexp with the one lookahead those patterns share, `\s+(?!\S)`,
// done by hand, and a pattern with any other lookaround is refused.
// Anything else the file asks for that would change the count (a
// normalizer, a WordPiece model, dropout) is refused with ErrUnsupported
// rather than counted wrongly.
//
// Load reads a file once; a Tokenizer is then safe for concurrent use.
// Count and Encode do not add the post-processor's special tokens (the
// <|begin_of_text|> a server's chat template puts in front): they count
// the text as given. A Prompter draws prompts of exactly n tokens.
package tokenize
