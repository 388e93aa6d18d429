# The one decision the gateway asks for every request: data.gateway.decision.
#
# Input (filled by the gateway, never by the caller):
#   caller:   {sub, role, region, purpose, tenant, method}
#   request:  {method, system, path, action}   action: read|write|delete|detokenize|dsar_*
#                                               or an admin action (data.admin.actions)
#   subject:  {region, source}                  region null when unknown
#   upstream: {region}                          target upstream of a write, if chosen
#   transfer: {consent}                         subject's separate consent to transfers
package gateway

import rego.v1

# Membership is written `some x in xs; x == y` or `xs[y]`, never `y in xs`: regopy 1.5
# aborts the process when `y in xs` is evaluated under `with input as` (policy tests).

import data.gateway.dsar
import data.gateway.masking
import data.gateway.residency

actions := {"read", "write", "delete", "detokenize"}

mutating := {"write", "delete"}

action := input.request.action if {
	is_string(input.request.action)
} else := ""

dsar_action if startswith(action, "dsar_")

# The gateway's own API (audit, evidence, policy, residency directory): data.admin.actions
# names them, data.roles[role].admin says who may.
admin_action if data.admin.actions[action]

role_known if {
	is_string(input.caller.role)
	data.roles[input.caller.role]
}

role_permits_action if {
	some permitted in data.roles[input.caller.role].actions
	permitted == action
}

role_permits_admin if {
	some permitted in data.roles[input.caller.role].admin
	permitted == action
}

# --- reasons to refuse -------------------------------------------------------------

deny contains "unknown role" if not role_known

deny contains concat("", ["unknown action '", action, "'"]) if {
	not actions[action]
	not dsar_action
	not admin_action
}

deny contains concat("", ["role ", input.caller.role, " may not ", action]) if {
	role_known
	actions[action]
	not role_permits_action
}

deny contains concat("", ["role ", input.caller.role, " may not ", action]) if {
	role_known
	admin_action
	not role_permits_admin
}

deny contains concat("", ["role ", input.caller.role, " may not run DSAR step ", dsar.step]) if {
	role_known
	dsar_action
	not dsar.allow
}

deny contains concat("", ["subject region ", input.subject.region, " is not configured"]) if {
	residency.subject_region_unconfigured
}

deny contains residency.transfer_reason(residency.subject_region, residency.destination, t) if {
	action == "read"
	t := residency.current
	t.outcome == "deny"
}

deny contains "no region may serve this read" if {
	action == "read"
	residency.subject_region_unknown
	count(residency.fanout_regions) == 0
}

deny contains concat("", [action, " needs the subject's home region, which is unknown"]) if {
	mutating[action]
	residency.subject_region_unknown
}

deny contains msg if {
	mutating[action]
	target := input.upstream.region
	is_string(target)
	target != residency.subject_region
	msg := concat("", [
		action, " refused: subject's home region is ", residency.subject_region,
		", target upstream is ", target,
	])
}

deny contains "detokenize is not allowed by the caller's masking profile" if {
	action == "detokenize"
	role_known
	role_permits_action
	not masking.base.detokenize
}

default allow := false

allow if count(deny) == 0

# --- what an allowed request gets --------------------------------------------------

notes contains residency.transfer_reason(residency.subject_region, residency.destination, t) if {
	action == "read"
	t := residency.current
}

notes contains concat("", ["subject region unknown: fan out to ", concat(", ", residency.fanout_regions)]) if {
	action == "read"
	residency.subject_region_unknown
}

reasons := sort(deny) if {
	count(deny) > 0
} else := sort(notes)

pseudonymize_only if {
	action == "read"
	residency.current.outcome == "pseudonymize"
}

pseudonymize_only if {
	action == "read"
	residency.subject_region_unknown
	residency.fanout_pseudonymized
}

overlays contains "pseudonymized" if pseudonymize_only

profile := masking.combined(overlays) if {
	allow
} else := data.masking.profiles.restricted

route_region := residency.subject_region if {
	allow
	action != "detokenize"
	not dsar_action
	not admin_action
} else := null

fanout := residency.fanout_regions if {
	allow
	action == "read"
	residency.subject_region_unknown
} else := []

obligations contains "pseudonymize" if {
	allow
	pseudonymize_only
}

obligations contains "fan_out" if count(fanout) > 0

obligations contains "record_transfer" if {
	allow
	action == "read"
	residency.current.outcome != "local"
	residency.current.outcome != "deny"
}

obligations contains "audit_detokenize" if {
	allow
	action == "detokenize"
}

audit := "elevated" if {
	elevated
} else := "standard"

elevated if not allow

elevated if action == "detokenize"

elevated if dsar_action

elevated if admin_action

elevated if obligations.record_transfer

decision := {
	"allow": allow,
	"reasons": reasons,
	"route": {"region": route_region, "fanout": fanout},
	"masking": profile,
	"audit": audit,
	"obligations": sort(obligations),
}
