# Masking profiles: role x purpose picks a profile (data.roles[role].profiles, "*" is the
# role's default); overlays such as pseudonymize-only transfers are combined with it.
# When profiles disagree on an entity, the least revealing operator wins, in the order of
# data.masking.order (drop > redact > hash > token > generalize > partial > keep).
package gateway.masking

import rego.v1

profile_name := name if {
	name := data.roles[input.caller.role].profiles[input.caller.purpose]
} else := name if {
	name := data.roles[input.caller.role].profiles["*"]
} else := "restricted"

base := p if {
	p := data.masking.profiles[profile_name]
} else := data.masking.profiles.restricted

# The caller's profile with overlays (e.g. "pseudonymized", from residency) combined in.
# Without overlays it is the base profile as is; with one, the pair is looked up in
# data.precomputed (combining costs comprehensions on every request).
combined(overlays) := base if {
	count(overlays) == 0
} else := p if {
	count(overlays) == 1
	some o in overlays
	p := data.precomputed.overlaid[profile_name][o]
} else := combine(array.concat([base], [data.masking.profiles[o] | some o in overlays]))

combine(ps) := {
	"default": least([p.default | some p in ps]),
	"entities": {k: least([object.get(p.entities, k, p.default) | some p in ps]) |
		some p0 in ps
		some k in object.keys(p0.entities)
	},
	"drop_fields": sort({f | some p in ps; some f in p.drop_fields}),
	"detokenize": all_detokenize(ps),
}

all_detokenize(ps) := true if {
	every p in ps {
		p.detokenize == true
	}
} else := false

rank := {op: i | some i, op in data.masking.order}

# An operator the order does not name ranks as "drop": a typo never reveals more.
least(ops) := data.masking.order[min([object.get(rank, o, 0) | some o in ops])]
