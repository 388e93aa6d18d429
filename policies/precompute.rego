# Tables evaluated once when the policy set is loaded, never per request: the gateway
# stores each rule of this package at data.precomputed.<rule>. They only make decisions
# faster; a pair missing from a table is computed per request with the same rule.
# Rules here must not read `input` or data.precomputed.
#
# Keep only tables in this package (a lookup in regopy costs time for every key of each
# object it passes through, data.precomputed included) and keep their levels small.
package precompute

import rego.v1

import data.gateway
import data.gateway.masking
import data.gateway.residency

# access[role][action] = gateway.access_for(role, action) for the request actions and every
# DSAR step a role names; admin_access the same for the admin API's actions.
access := {role: {a: gateway.access_for(role, a) |
	some a in gateway.actions | {concat("", ["dsar_", s]) | some r in data.roles; some s in r.dsar}
} |
	some role in object.keys(data.roles)
}

admin_access := {role: {a: gateway.access_for(role, a) | some a in object.keys(data.admin.actions)} |
	some role in object.keys(data.roles)
}

# outcomes[system][consent][dst][src] = residency.transfer_for(system, consent, src, dst).outcome,
# for every system with its own transfers entry ("*": any other), consent "true"/"false",
# and destination region ("unknown": a caller without a region)
outcomes := {system: {c: {dst: {src: residency.transfer_for(system, consent, src, dst).outcome |
	some src in object.keys(data.regions)
} |
	some dst in object.keys(data.regions) | {"unknown"}
} |
	some c in ["false", "true"]
	consent := c == "true"
} |
	some system in object.keys(data.transfers) | {"*"}
}

# reads[system][consent][subject][dst] = residency.reading(...) over the same keys; subject
# "" is a subject whose region is unknown
reads := {system: {c: {subject: {dst: residency.reading(system, consent, subject, dst, outcomes[system][c][dst]) |
	some dst in object.keys(data.regions) | {"unknown"}
} |
	some subject in object.keys(data.regions) | {""}
} |
	some c in ["false", "true"]
	consent := c == "true"
} |
	some system in object.keys(data.transfers) | {"*"}
}

# overlaid[profile][overlay] = masking.combine([profile, overlay]) for every pair of
# profiles; overlaid[profile][""] is the profile itself (no overlay)
overlaid := {name: object.union({"": p}, {o: masking.combine([p, overlay]) |
	some o in object.keys(data.masking.profiles)
	overlay := data.masking.profiles[o]
}) |
	some name in object.keys(data.masking.profiles)
	p := data.masking.profiles[name]
}
