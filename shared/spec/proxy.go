package spec

// checkProxy checks target.proxy: llmbench's proxy in front of the
// simulated SageMaker runtime, both started in-process. A deployed proxy
// is an OpenAI-compatible URL: kind openai, with SigV4 auth when its
// Function URL wants IAM (events/aws-proxy.json).
func (s *Spec) checkProxy() Problems {
	t := s.Target
	if !t.Proxy {
		return nil
	}
	var p Problems
	switch {
	case t.Kind != KindSageMaker:
		p = append(p, "target.proxy: is for kind "+KindSageMaker+" (the proxy fronts a SageMaker endpoint); a deployed proxy is measured as kind "+KindOpenAI+" at its URL")
	case t.Profile == "":
		p = append(p, "target.proxy: runs the proxy in-process in front of the simulated SageMaker runtime, so it needs target.profile; "+
			"a deployed proxy is measured as kind "+KindOpenAI+" at its Function URL (events/aws-proxy.json)")
	}
	return p
}
