# Residency and cross-border transfer rules.
#
# A read of a subject's data by a caller in another region is a transfer out of the
# subject's home region. The law of the home region (data.regions[r].law) decides it,
# from data.laws (adequacy, accepted mechanisms, required extras such as PIPL separate
# consent, fallback when nothing applies) and data.transfers (mechanisms in place per system).
#
# transfer_for() is the rule. precompute.rego evaluates it once per policy load for every
# system x consent x region pair (data.precomputed.*); requests look their answer up there
# and compute it here only for pairs the table does not hold.
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

# The precomputed tables are keyed by system ("*": a system without its own transfers
# entry) and consent ("true" / "false").
table_system := input.request.system if {
	is_string(input.request.system)
	data.transfers[input.request.system]
} else := "*"

consented := input.transfer.consent == true

table_consent := "true" if consented else := "false"

# Mechanisms in place for a transfer src -> dst of a system, plus the subject's consent.
# (Arguments are re-bound first: regopy 1.5 leaves function arguments unbound when they
# index a collection inside a comprehension.)
mechanisms(system, consent, src, dst) := found | consent_given(consent) if {
	from := src
	to := dst
	own := system
	found := {m |
		some s in ["*", own]
		some m in data.transfers[s][from][to]
	}
}

consent_given(consent) := {"separate_consent"} if consent == true else := set()

# The outcome of moving a subject's data of `system` from src to dst:
# {"outcome": "local"|"allow"|"pseudonymize"|"deny", "basis": why}.
transfer_for(system, consent, src, dst) := {"outcome": "local", "basis": "same_region"} if {
	src == dst
} else := {"outcome": "allow", "basis": "unrestricted"} if {
	not data.laws[data.regions[src].law].restricted
} else := {"outcome": "allow", "basis": "adequacy"} if {
	some adequate in data.laws[data.regions[src].law].adequate
	adequate == dst
} else := {"outcome": "allow", "basis": concat("+", sort(used))} if {
	law := data.laws[data.regions[src].law]
	have := mechanisms(system, consent, src, dst)
	used := ({m | some m in law.mechanisms} | {m | some m in law.requires}) & have
	count({m | some m in law.mechanisms} & used) > 0
	count({m | some m in law.requires} - used) == 0
} else := {
	"outcome": data.laws[data.regions[src].law].fallback,
	"basis": missing(system, consent, src, dst),
}

missing(system, consent, src, dst) := concat(" ", ["missing", concat("+", sort(absent))]) if {
	law := data.laws[data.regions[src].law]
	have := mechanisms(system, consent, src, dst)
	count({m | some m in law.mechanisms} & have) > 0
	absent := {m | some m in law.requires} - have
} else := "no transfer mechanism"

# The transfer this request makes (defined only when the subject's region is known).
current := t if {
	t := data.precomputed.transfers[table_system][table_consent][subject_region][destination]
} else := transfer_for(input.request.system, consented, subject_region, destination)

# Regions a read of an unknown subject may fan out to, and whether one of them allows it
# only pseudonymized.
fanout := f if {
	f := data.precomputed.fanout[table_system][table_consent][destination]
} else := fanout_for(input.request.system, consented, destination)

fanout_regions := fanout.regions

fanout_pseudonymized := fanout.pseudonymized

fanout_for(system, consent, dst) := {"regions": regions, "pseudonymized": pseudonymized} if {
	to := dst
	outcomes := {r: transfer_for(system, consent, r, to).outcome | some r in object.keys(data.regions)}
	regions := sort([r | some r in object.keys(outcomes); outcomes[r] != "deny"])
	pseudonymized := count([r | some r in regions; outcomes[r] == "pseudonymize"]) > 0
}

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
