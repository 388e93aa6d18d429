# Tables evaluated once when the policy set is loaded, never per request: the gateway
# stores each rule of this package at data.precomputed.<rule>. They only make decisions
# faster; a pair missing from a table is computed per request with the same rule.
# Rules here must not read `input` or data.precomputed.
package precompute

import rego.v1

import data.gateway.masking
import data.gateway.residency

regions := object.keys(data.regions)

systems := object.keys(data.transfers) | {"*"}

consents := {"false": false, "true": true}

# transfers[system][consent][src][dst] = residency.transfer_for(...)
transfers := {system: {c: {src: {dst: residency.transfer_for(system, consents[c], src, dst) |
	some dst in regions
} |
	some src in regions
} |
	some c in object.keys(consents)
} |
	some system in systems
}

# fanout[system][consent][dst] = residency.fanout_for(...)
fanout := {system: {c: {dst: residency.fanout_for(system, consents[c], dst) |
	some dst in regions | {"unknown"}
} |
	some c in object.keys(consents)
} |
	some system in systems
}

# overlaid[profile][overlay] = masking.combine([profile, overlay]) for every pair of profiles
overlaid := {name: {o: masking.combine([p, overlay]) |
	some o in object.keys(data.masking.profiles)
	overlay := data.masking.profiles[o]
} |
	some name in object.keys(data.masking.profiles)
	p := data.masking.profiles[name]
}
