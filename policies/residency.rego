# Residency and cross-border transfer rules.
#
# A read of a subject's data by a caller in another region is a transfer out of the
# subject's home region. The law of the home region (data.regions[r].law) decides it,
# from data.laws (adequacy, accepted mechanisms, required extras such as PIPL separate
# consent, fallback when nothing applies) and data.transfers (mechanisms in place per system).
package gateway.residency

import rego.v1

# The subject's home region, when the gateway knows it and it is configured.
subject_region := input.subject.region if data.regions[input.subject.region]

subject_region_unknown if not is_string(input.subject.region)

subject_region_unknown if input.subject.region == ""

subject_region_unconfigured if {
	not subject_region_unknown
	not data.regions[input.subject.region]
}

# Where the data goes when the caller reads it: the caller's region ("unknown" if none).
destination := input.caller.region if {
	is_string(input.caller.region)
} else := "unknown"

# Mechanisms in place for a transfer src -> dst of the requested system.
# (Arguments are re-bound first: regopy 1.5 leaves function arguments unbound when they
# index a collection inside a comprehension.)
mechanisms(src, dst) := found | consent if {
	from := src
	to := dst
	found := {m |
		some system in ["*", input.request.system]
		some m in data.transfers[system][from][to]
	}
}

consent := {"separate_consent"} if {
	input.transfer.consent == true
} else := set()

# The outcome of moving a subject's data from src to dst:
# {"outcome": "local"|"allow"|"pseudonymize"|"deny", "basis": why}.
transfer(src, dst) := {"outcome": "local", "basis": "same_region"} if {
	src == dst
} else := {"outcome": "allow", "basis": "unrestricted"} if {
	not data.laws[data.regions[src].law].restricted
} else := {"outcome": "allow", "basis": "adequacy"} if {
	some adequate in data.laws[data.regions[src].law].adequate
	adequate == dst
} else := {"outcome": "allow", "basis": concat("+", sort(used))} if {
	law := data.laws[data.regions[src].law]
	used := ({m | some m in law.mechanisms} | {m | some m in law.requires}) & mechanisms(src, dst)
	count({m | some m in law.mechanisms} & used) > 0
	count({m | some m in law.requires} - used) == 0
} else := {"outcome": data.laws[data.regions[src].law].fallback, "basis": missing(src, dst)}

missing(src, dst) := concat(" ", ["missing", concat("+", sort(absent))]) if {
	law := data.laws[data.regions[src].law]
	have := mechanisms(src, dst)
	count({m | some m in law.mechanisms} & have) > 0
	absent := {m | some m in law.requires} - have
} else := "no transfer mechanism"

# The transfer this request makes (defined only when the subject's region is known).
current := transfer(subject_region, destination)

# Regions a read of an unknown subject may fan out to.
fanout_regions := sort([r |
	some r in object.keys(data.regions)
	transfer(r, destination).outcome != "deny"
])

# concat, not sprintf: regopy's sprintf quotes strings that arrive as function arguments.
transfer_reason(src, dst, t) := concat("", [
	"transfer ", src, "->", dst, " ", verb[t.outcome], " under ",
	data.laws[data.regions[src].law].name, ": ", t.basis,
])

verb := {
	"local": "stays local",
	"allow": "allowed",
	"pseudonymize": "allowed pseudonymized only",
	"deny": "denied",
}
