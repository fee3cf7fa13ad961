package sagemaker

import (
	"fmt"

	"github.com/llmbench/llmbench/shared/target"
)

// inputsBody writes LMI's and TGI's {"inputs","parameters","stream"} body.
// The generation parameters go in "parameters", under each container's
// names, and so do ExtraBody's members: both containers read generation
// settings from there only (LMI passes the rest of "parameters" on to
// vLLM's request; TGI's GenerateRequest has nothing else but inputs).
//
//	                 lmi                               tgi
//	max tokens       max_new_tokens                    max_new_tokens (and details: true)
//	temperature t    temperature: t, do_sample if t>0  t>0: temperature: t, do_sample; 0: none (TGI's greedy default)
//	top_p p          top_p                             p<1: top_p; 1: none (TGI's default, and TGI refuses 1.0)
//	min_tokens       min_tokens                        refused
//	ignore_eos       ignore_eos_token: true            refused
//	stop             stop                              stop
//
// do_sample is sent with a positive temperature because LMI up to 0.31
// samples only with it, and TGI at temperature 1 samples only with it
// (its warpers are off at 1.0).
func inputsBody(r target.Request, format string, stream bool) ([]byte, error) {
	if err := r.CheckParams(); err != nil {
		return nil, err
	}
	tgi := format == FormatTGI
	if tgi && r.MinTokens != nil {
		return nil, fmt.Errorf("format %s has no min_tokens (TGI's parameters have no minimum length)", format)
	}
	if tgi && r.IgnoreEOS {
		return nil, fmt.Errorf("format %s cannot ignore EOS (TGI's parameters have no ignore_eos)", format)
	}
	b := make([]byte, 0, r.BodySize())
	b = append(b, `{"inputs":`...)
	b = target.AppendJSONString(b, r.PromptText())
	b = append(b, `,"parameters":{`...)
	if r.MaxTokens > 0 {
		b = target.AppendJSONInt(append(b, `"max_new_tokens":`...), r.MaxTokens)
		b = append(b, ',')
	}
	if tgi {
		b = append(b, `"details":true,`...)
	}
	if t := r.Temperature; t != nil && (*t > 0 || !tgi) {
		b = target.AppendJSONFloat(append(b, `"temperature":`...), *t)
		b = append(b, ',')
		if *t > 0 {
			b = append(b, `"do_sample":true,`...)
		}
	}
	if p := r.TopP; p != nil && (*p < 1 || !tgi) {
		b = target.AppendJSONFloat(append(b, `"top_p":`...), *p)
		b = append(b, ',')
	}
	if r.MinTokens != nil {
		b = target.AppendJSONInt(append(b, `"min_tokens":`...), *r.MinTokens)
		b = append(b, ',')
	}
	if r.IgnoreEOS {
		b = append(b, `"ignore_eos_token":true,`...)
	}
	if len(r.Stop) > 0 {
		b = target.AppendJSONStrings(append(b, `"stop":`...), r.Stop)
		b = append(b, ',')
	}
	b = target.CloseObject(target.AppendMembers(b, r.ExtraBody))
	if stream {
		return append(b, `,"stream":true}`...), nil
	}
	return append(b, `,"stream":false}`...), nil
}
