# DSAR and detokenize permission cases (see residency_test.rego for the case format; a
# "query" field evaluates another rule than the decision).
package gateway.dsar_test

import rego.v1

ask(role, action) := {
	"caller": {"sub": "u1", "role": role, "region": "eu", "purpose": "dsar"},
	"request": {"method": "POST", "system": "dsar", "path": "/dsar/cases", "action": action},
	"subject": {"region": null, "source": null},
}

test_dpo_may_approve_a_dsar := {"query": "data.gateway.dsar.allow",
	"input": ask("dpo", "approve"), "expect": true}

test_dpo_may_erase_with_prefixed_action := {"query": "data.gateway.dsar.allow",
	"input": ask("dpo", "dsar_erase"), "expect": true}

test_supervisor_may_create_a_dsar := {"query": "data.gateway.dsar.allow",
	"input": ask("supervisor", "create"), "expect": true}

test_supervisor_may_not_approve_a_dsar := {"query": "data.gateway.dsar.allow",
	"input": ask("supervisor", "approve"), "expect": false}

test_agent_may_not_create_a_dsar := {"query": "data.gateway.dsar.allow",
	"input": ask("agent", "create"), "expect": false}

test_unknown_role_may_not_run_dsars := {"query": "data.gateway.dsar.allow",
	"input": ask("nobody", "create"), "expect": false}

test_dsar_step_through_the_gateway_decision := {
	"input": ask("dpo", "dsar_erase"),
	"expect": {"allow": true, "route": {"region": null}, "audit": "elevated"},
}

test_dsar_step_refused_with_reason := {
	"input": ask("agent", "dsar_export"),
	"expect": {"allow": false, "reasons": ["role agent may not run DSAR step export"]},
}

test_dpo_may_detokenize := {
	"input": ask("dpo", "detokenize"),
	"expect": {"allow": true, "obligations": ["audit_detokenize"], "audit": "elevated"},
}

test_agent_may_not_detokenize := {
	"input": ask("agent", "detokenize"),
	"expect": {"allow": false, "reasons": ["role agent may not detokenize"]},
}
