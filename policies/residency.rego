# Residency and cross-border transfer rules.
#
# A read of a subject's data by a caller in another region is a transfer out of the
# subject's home region. The law of the home region (data.regions[r].law) decides it,
# from data.laws (adequacy, accepted mechanisms, required extras such as PIPL separate
# consent, fallback when nothing applies) and data.transfers (mechanisms in place per system).
#
# transfer_for() is the rule; reading(), writing() and staying_put() say what it means for a
# read, a write or delete, and any other action. precompute.rego evaluates reading() once per
# policy load for every system x consent x region pair (data.precomputed.reads); requests
# look their answer up there and compute it here only for pairs the table does not hold.
#
# Two regopy 1.5 defects shape the functions. Arguments are unbound when a function is
# called inside a comprehension (as precompute.rego does), so a function re-binds those it
# looks things up with (`from := src`). And a comprehension inside a function loses the
# function's values it uses in its head or passes to a call (it may iterate over them and
# compare with them): so the fan-out is given the outcome per region ready-made.
package gateway.residency

import rego.v1

# --- the request -----------------------------------------------------------------------

# The subject's home region as given; "" when unknown (no region, not a string, or empty).
subject := input.subject.region if {
	is_string(input.subject.region)
} else := ""

# Where the data goes when the caller reads it: the caller's region ("unknown" if none).
destination := input.caller.region if {
	is_string(input.caller.region)
} else := "unknown"

# The upstream a write targets, if the gateway chose one (null: none).
target := input.upstream.region if {
	is_string(input.upstream.region)
} else := null

# The tables are keyed by system ("*": a system without its own transfers entry) and
# consent ("true" / "false").
table_system := system if {
	system := input.request.system
	data.transfers[system]
} else := "*"

# Only an explicit `true` is consent (a missing transfer field is no consent).
consented := true if input.transfer.consent == true else := false

table_consent := "true" if consented else := "false"

# What residency says about this request if it is a read.
read := r if {
	r := data.precomputed.reads[table_system][table_consent][subject][destination]
} else := reading(table_system, consented, subject, destination, fanout_outcomes)

# The outcome of a transfer from each region to the caller's, for reading() to fan out
# (evaluated only when the tables have no entry for this request).
fanout_outcomes := {r: transfer_for(table_system, consented, r, destination).outcome |
	some r in object.keys(data.regions)
}

# --- what residency says about an action -----------------------------------------------
# Each of reading(), writing() and staying_put() gives the shape of staying():
#   refusals:    why the request may not go (empty when it may)
#   notes:       the reasons an allowed decision gives
#   route:       {"region": the upstream region or null, "fanout": regions of a fan-out}
#   overlays:    masking profiles combined with the caller's (e.g. "pseudonymized")
#   obligations: what the gateway must do when it allows the request
#   audit:       "standard" or "elevated"
staying(refusals, region) := {
	"refusals": refusals,
	"notes": [],
	"route": {"region": region, "fanout": []},
	"overlays": [],
	"obligations": [],
	"audit": "standard",
}

unconfigured(region) := staying([concat("", ["subject region ", region, " is not configured"])], null)

# A read of `system` data of a subject whose home region is `region` ("": unknown) by a
# caller in `dst`: the transfer it makes, or the fan-out when the region is unknown
# (`outcomes`: region -> transfer_for(system, consent, region, dst).outcome).
reading(system, consent, region, dst, outcomes) := fanning_out(outcomes) if {
	region == ""
} else := transferring(system, consent, region, dst) if {
	home := region
	data.regions[home]
} else := unconfigured(region)

transferring(system, consent, src, dst) := {
	"refusals": refusals,
	"notes": [reason],
	"route": {"region": src, "fanout": []},
	"overlays": effects.overlays,
	"obligations": effects.obligations,
	"audit": effects.audit,
} if {
	t := transfer_for(system, consent, src, dst)
	reason := transfer_reason(src, dst, t)
	refusals := refused_transfer(t.outcome, reason)
	effects := transfer_effects(t.outcome)
}

refused_transfer(outcome, reason) := [reason] if outcome == "deny" else := []

transfer_effects(outcome) := {"overlays": [], "obligations": [], "audit": "standard"} if {
	outcome == "local"
} else := {"overlays": [], "obligations": [], "audit": "elevated"} if {
	outcome == "deny" # refused: these never reach a decision
} else := {"overlays": ["pseudonymized"], "obligations": ["pseudonymize", "record_transfer"], "audit": "elevated"} if {
	outcome == "pseudonymize"
} else := {"overlays": [], "obligations": ["record_transfer"], "audit": "elevated"}

# A read of an unknown subject goes to every region whose transfer to the caller is not
# denied; if one of them allows it only pseudonymized, the whole read is pseudonymized.
fanning_out(outcomes) := {
	"refusals": effects.refusals,
	"notes": [concat("", ["subject region unknown: fan out to ", concat(", ", regions)])],
	"route": {"region": null, "fanout": regions},
	"overlays": effects.overlays,
	"obligations": effects.obligations,
	"audit": "standard",
} if {
	regions := sort([r | some r in object.keys(outcomes); outcomes[r] != "deny"])
	pseudonymized := count([r | some r in regions; outcomes[r] == "pseudonymize"]) > 0
	effects := fan_out_effects(count(regions), pseudonymized)
}

fan_out_effects(regions, pseudonymized) := {"refusals": ["no region may serve this read"], "overlays": [], "obligations": []} if {
	regions == 0
} else := {"refusals": [], "overlays": ["pseudonymized"], "obligations": ["fan_out", "pseudonymize"]} if {
	pseudonymized
} else := {"refusals": [], "overlays": [], "obligations": ["fan_out"]}

# A write or delete (`act`) must go to the subject's home region `region` ("": unknown);
# `upstream` is the region of the upstream it was sent to, if any (null: none chosen).
writing(act, region, upstream) := staying([concat("", [act, " needs the subject's home region, which is unknown"])], null) if {
	region == ""
} else := unconfigured(region) if {
	home := region
	not data.regions[home]
} else := staying([concat("", [act, " refused: subject's home region is ", region, ", target upstream is ", upstream])], region) if {
	is_string(upstream)
	upstream != region
} else := staying([], region)

# Any other action (detokenize, DSAR steps, the gateway's own API) moves no customer data;
# a subject region it names must still be configured.
staying_put(region) := unconfigured(region) if {
	home := region
	home != ""
	not data.regions[home]
} else := staying([], null)

# --- transfers ---------------------------------------------------------------------------

# Mechanisms in place for a transfer src -> dst of a system, plus the subject's consent.
# (Arguments are re-bound first: regopy 1.5 leaves function arguments unbound when they
# index a collection inside a comprehension.)
mechanisms(system, consent, src, dst) := (every_system | own_system) | consent_given(consent) if {
	from := src
	to := dst
	own := system
	every_system := {m | some m in data.transfers["*"][from][to]}
	own_system := {m | some m in data.transfers[own][from][to]}
}

consent_given(consent) := {"separate_consent"} if consent == true else := set()

# The outcome of moving a subject's data of `system` from src to dst:
# {"outcome": "local"|"allow"|"pseudonymize"|"deny", "basis": why}.
transfer_for(system, consent, src, dst) := {"outcome": "local", "basis": "same_region"} if {
	src == dst
} else := {"outcome": "allow", "basis": "unrestricted"} if {
	from := src
	not data.laws[data.regions[from].law].restricted
} else := {"outcome": "allow", "basis": "adequacy"} if {
	from := src
	to := dst
	some adequate in data.laws[data.regions[from].law].adequate
	adequate == to
} else := {"outcome": "allow", "basis": concat("+", sort(used))} if {
	from := src
	law := data.laws[data.regions[from].law]
	have := mechanisms(system, consent, src, dst)
	used := ({m | some m in law.mechanisms} | {m | some m in law.requires}) & have
	count({m | some m in law.mechanisms} & used) > 0
	count({m | some m in law.requires} - used) == 0
} else := {
	"outcome": law_of(src).fallback,
	"basis": missing(system, consent, src, dst),
}

law_of(region) := data.laws[data.regions[home].law] if home := region

missing(system, consent, src, dst) := concat(" ", ["missing", concat("+", sort(absent))]) if {
	law := law_of(src)
	have := mechanisms(system, consent, src, dst)
	count({m | some m in law.mechanisms} & have) > 0
	absent := {m | some m in law.requires} - have
} else := "no transfer mechanism"

# concat, not sprintf: regopy's sprintf quotes strings that arrive as function arguments.
transfer_reason(src, dst, t) := concat("", [
	"transfer ", src, "->", dst, " ", verb[outcome], " under ", law_of(src).name, ": ", t.basis,
]) if outcome := t.outcome

verb := {
	"local": "stays local",
	"allow": "allowed",
	"pseudonymize": "allowed pseudonymized only",
	"deny": "denied",
}
