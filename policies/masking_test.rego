# Masking profile cases (see residency_test.rego for the case format) and checks of the
# profile data itself (boolean test_* rules).
package gateway.masking_test

import rego.v1

local_read(role, purpose) := {
	"caller": {"sub": "u1", "role": role, "region": "eu", "purpose": purpose},
	"request": {"method": "GET", "system": "crm", "path": "/contacts/1", "action": "read"},
	"subject": {"region": "eu", "source": "routing_key"},
	"upstream": {"region": "eu"},
}

test_agent_sees_partial_contacts_and_names := {
	"input": local_read("agent", "support"),
	"expect": {"allow": true, "masking": {
		"default": "redact", "detokenize": false, "drop_fields": ["bank_card", "national_id"],
		"entities": {"PHONE_NUMBER": "partial", "EMAIL_ADDRESS": "partial",
			"CN_RESIDENT_ID": "partial", "PERSON": "keep"},
	}},
}

test_analyst_gets_pseudonyms_and_no_names := {
	"input": local_read("analyst", "reporting"),
	"expect": {"allow": true, "masking": {"detokenize": false, "entities": {
		"PHONE_NUMBER": "hash", "EMAIL_ADDRESS": "hash", "PERSON": "redact",
	}}},
}

test_supervisor_sees_emails := {
	"input": local_read("supervisor", "support"),
	"expect": {"allow": true, "masking": {"drop_fields": ["bank_card"],
		"entities": {"EMAIL_ADDRESS": "keep", "PHONE_NUMBER": "partial"}}},
}

test_supervisor_quality_review_purpose_gets_tokens := {
	"input": local_read("supervisor", "quality_review"),
	"expect": {"allow": true, "masking": {"entities": {"PERSON": "token", "PHONE_NUMBER": "token"}}},
}

test_dpo_keeps_everything_and_may_detokenize := {
	"input": local_read("dpo", "dsar"),
	"expect": {"allow": true,
		"masking": {"default": "keep", "entities": {}, "drop_fields": [], "detokenize": true}},
}

test_unknown_role_is_denied_with_most_restrictive_profile := {
	"input": local_read("intern", "support"),
	"expect": {"allow": false, "reasons": ["unknown role"],
		"masking": {"default": "drop", "entities": {}, "drop_fields": [], "detokenize": false}},
}

test_missing_role_is_unknown := {
	"input": {"request": {"action": "read"}, "subject": {"region": "eu"}},
	"expect": {"allow": false, "reasons": ["unknown role"]},
}

# A query, not a boolean rule: regopy 1.5 mis-evaluates this call inside a rule body.
test_least_revealing_operator_wins := {
	"query": concat("", [
		`data.gateway.masking.combine([`,
		`{"default": "keep", "entities": {"PERSON": "keep", "PHONE_NUMBER": "partial"}, `,
		`"drop_fields": ["a"], "detokenize": true}, `,
		`{"default": "partial", "entities": {"PERSON": "token", "EMAIL_ADDRESS": "hash"}, `,
		`"drop_fields": ["b"], "detokenize": false}])`,
	]),
	"input": {},
	"expect": {
		"default": "partial",
		"entities": {"PERSON": "token", "PHONE_NUMBER": "partial", "EMAIL_ADDRESS": "hash"},
		"drop_fields": ["a", "b"],
		"detokenize": false,
	},
}

test_unknown_operator_ranks_as_drop if {
	data.gateway.masking.least(["keep", "kep"]) == "drop"
}

test_every_profile_uses_known_operators if {
	every _, p in data.masking.profiles {
		data.masking.order[_] == p.default
		every _, op in p.entities {
			data.masking.order[_] == op
		}
	}
}

test_every_role_profile_exists if {
	every _, role in data.roles {
		every _, name in role.profiles {
			data.masking.profiles[name]
		}
	}
}
