# Who may run data-subject requests. The DSAR service asks data.gateway.dsar.allow with
# input.request.action set to the step ("create", "approve", ... or "dsar_create", ...).
package gateway.dsar

import rego.v1

step := trim_prefix(input.request.action, "dsar_")

# Written with `else` rather than `default`: regopy 1.5 leaves a `default` rule undefined
# when a compiled bundle queries it directly.
allow := true if {
	may_run(input.caller.role, step)
} else := false

# Whether `role` may run DSAR step `s` (the gateway's decision on dsar_* actions uses it too).
may_run(role, s) if {
	r := role # re-bound: see access_for in gateway.rego
	wanted := s
	some permitted in data.roles[r].dsar
	permitted == wanted
}
