package spec

// ExtraBodyRefusal says why a member named key may not be added to the
// generation settings of a SageMaker payload format (SageMakerChat, also
// the OpenAI schema, SageMakerLMI or SageMakerTGI), or "" when it may:
// the rule workload.extra_body is checked by, for package proxy, which
// passes an OpenAI request's other members on the same way.
func ExtraBodyRefusal(format, key string) string {
	schema := SageMakerChat
	if format == SageMakerLMI || format == SageMakerTGI {
		schema = format
	}
	return extraBodyRefusal(schema, key)
}
