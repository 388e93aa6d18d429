# The one decision the gateway asks for every request: data.gateway.decision.
#
# Input (filled by the gateway, never by the caller):
#   caller:   {sub, role, region, purpose, tenant, method}
#   request:  {method, system, path, action}   action: read|write|delete|detokenize|dsar_*
#                                               or an admin action (data.admin.actions)
#   subject:  {region, source}                  region null when unknown
#   upstream: {region}                          target upstream of a write, if chosen
#   transfer: {consent}                         subject's separate consent to transfers
#
# The rules are functions of the few request fields they depend on (access_for here,
# residency.reading/writing/staying_put): precompute.rego evaluates the common ones once per
# policy load, and a request looks its answer up in data.precomputed (computing it with the
# same function when the table has no entry). See README.md.
package gateway

import rego.v1

# Membership is written `some x in xs; x == y` or `xs[y]`, never `y in xs`: regopy 1.5
# aborts the process when `y in xs` is evaluated under `with input as` (policy tests).

import data.gateway.dsar
import data.gateway.masking
import data.gateway.residency

actions := {"read", "write", "delete", "detokenize"}

mutating := {"write", "delete"}

action := a if {
	a := input.request.action
	is_string(a)
} else := ""

role := r if {
	r := input.caller.role
	is_string(r)
} else := ""

# --- who may do what (role x action) -------------------------------------------------

# What the caller's role says about the action: access_for(role, action).
access := a if {
	a := data.precomputed.access[role][action]
} else := a if {
	a := data.precomputed.admin_access[role][action]
} else := access_for(role, action)

# access_for(who, act) is the rule:
#   refusals:    why `who` may not take `act` (empty when it may)
#   permitted:   the role holds `act` among its actions (read, write, delete, detokenize)
#   elevated:    taking `act` is audited at the elevated level (detokenize, DSAR, admin API)
#   obligations: what the gateway must do when it allows `act`
# (The functions below re-bind their arguments first, `r := who`: regopy 1.5 treats
# arguments as unbound when precompute.rego calls them inside a comprehension, which makes
# each lookup a search over the whole collection.)
access_for(who, act) := {
	"refusals": sort(refusals_for(who, act)),
	"permitted": permitted(who, act),
	"elevated": elevated_action(act),
	"obligations": action_obligations(act),
}

refusals_for(who, act) := (((unknown_role(who) | unknown_action(act)) | refused_action(who, act)) | refused_admin_action(who, act)) | refused_dsar_step(who, act)

unknown_role(who) := set() if {
	r := who
	data.roles[r]
} else := {"unknown role"}

unknown_action(act) := {concat("", ["unknown action '", a, "'"])} if {
	a := act
	not actions[a]
	not startswith(a, "dsar_")
	not data.admin.actions[a]
} else := set()

refused_action(who, act) := {concat("", ["role ", r, " may not ", a])} if {
	r := who
	a := act
	data.roles[r]
	actions[a]
	not holds(r, "actions", a)
} else := set()

# The gateway's own API (audit, evidence, policy, residency directory): data.admin.actions
# names them, data.roles[role].admin says who may.
refused_admin_action(who, act) := {concat("", ["role ", r, " may not ", a])} if {
	r := who
	a := act
	data.roles[r]
	data.admin.actions[a]
	not holds(r, "admin", a)
} else := set()

refused_dsar_step(who, act) := {concat("", ["role ", r, " may not run DSAR step ", step])} if {
	r := who
	a := act
	data.roles[r]
	startswith(a, "dsar_")
	step := trim_prefix(a, "dsar_")
	not dsar.may_run(r, step)
} else := set()

# Whether data.roles[who][list] ("actions" or "admin") names `act`.
holds(who, list, act) if {
	r := who
	l := list
	a := act
	some granted in data.roles[r][l]
	granted == a
}

permitted(who, act) := true if holds(who, "actions", act) else := false

elevated_action(act) := true if {
	act == "detokenize"
} else := true if {
	startswith(act, "dsar_")
} else := true if {
	a := act
	data.admin.actions[a]
} else := false

action_obligations(act) := ["audit_detokenize"] if act == "detokenize" else := []

# --- where the data goes (residency.rego) --------------------------------------------

# What residency says about this request, in the shape residency.staying() describes.
residency_facts := residency.read if {
	action == "read"
} else := residency.writing(action, residency.subject, residency.target) if {
	mutating[action]
} else := residency.staying_put(residency.subject)

# --- reasons to refuse ---------------------------------------------------------------
# Every rule adding to `deny` refuses the request; a new reason can be added here as a
# `deny contains ... if {...}` rule of its own.

deny contains reason if {
	some reason in access.refusals
}

deny contains reason if {
	some reason in residency_facts.refusals
}

deny contains "detokenize is not allowed by the caller's masking profile" if {
	action == "detokenize"
	access.permitted
	not masking.base.detokenize
}

default allow := false

allow if count(deny) == 0

# --- the decision --------------------------------------------------------------------

decision := {
	"allow": true,
	"reasons": residency_facts.notes,
	"route": residency_facts.route,
	"masking": profile,
	"audit": audit,
	"obligations": sort(array.concat(residency_facts.obligations, access.obligations)),
} if {
	allow
} else := {
	"allow": false,
	"reasons": sort(deny),
	"route": {"region": null, "fanout": []},
	"masking": data.masking.profiles.restricted,
	"audit": "elevated",
	"obligations": [],
}

audit := "elevated" if {
	access.elevated
} else := residency_facts.audit

# The caller's masking profile with the overlays residency adds (masking.combined()).
profile := p if {
	p := data.precomputed.overlaid[masking.profile_name][concat("+", residency_facts.overlays)]
} else := masking.combined(residency_facts.overlays)
