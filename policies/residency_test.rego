# Residency and transfer cases. Each test_* rule is a case: the runner evaluates the
# decision with "input" and passes when every field of "expect" matches the decision.
package gateway.residency_test

import rego.v1

read(system, caller_region, subject_region, consent) := {
	"caller": {"sub": "u1", "role": "agent", "region": caller_region, "purpose": "support"},
	"request": {"method": "GET", "system": system, "path": "/tickets/1", "action": "read"},
	"subject": {"region": subject_region, "source": "directory"},
	"upstream": {"region": null},
	"transfer": {"consent": consent},
}

write(subject_region, upstream_region) := {
	"caller": {"sub": "u1", "role": "agent", "region": "eu", "purpose": "support"},
	"request": {"method": "POST", "system": "crm", "path": "/contacts", "action": "write"},
	"subject": {"region": subject_region, "source": "record"},
	"upstream": {"region": upstream_region},
}

denied(reason) := {
	"allow": false,
	"reasons": [reason],
	"route": {"region": null, "fanout": []},
	"masking": {"default": "drop", "entities": {}, "drop_fields": [], "detokenize": false},
}

# --- same region ------------------------------------------------------------------

test_local_read_routes_home_without_transfer := {
	"input": read("crm", "eu", "eu", false),
	"expect": {
		"allow": true, "route": {"region": "eu", "fanout": []}, "obligations": [],
		"audit": "standard",
		"reasons": ["transfer eu->eu stays local under GDPR Chapter V: same_region"],
	},
}

# --- GDPR Chapter V: EU -> US --------------------------------------------------------

test_eu_to_us_with_scc_is_allowed := {
	"input": read("crm", "us", "eu", false),
	"expect": {
		"allow": true, "route": {"region": "eu"}, "obligations": ["record_transfer"],
		"audit": "elevated", "masking": {"entities": {"PERSON": "keep"}},
		"reasons": ["transfer eu->us allowed under GDPR Chapter V: scc"],
	},
}

test_eu_to_us_without_scc_is_pseudonymized_only := {
	"input": read("chat", "us", "eu", false),
	"expect": {
		"allow": true, "route": {"region": "eu"},
		"obligations": ["pseudonymize", "record_transfer"],
		"masking": {"default": "redact", "detokenize": false,
			"entities": {"PERSON": "hash", "PHONE_NUMBER": "hash", "DATE_OF_BIRTH": "generalize"}},
		"reasons": ["transfer eu->us allowed pseudonymized only under GDPR Chapter V: no transfer mechanism"],
	},
}

test_eu_to_uk_is_allowed_by_adequacy := {
	"input": read("chat", "uk", "eu", false),
	"expect": {"allow": true, "reasons": ["transfer eu->uk allowed under GDPR Chapter V: adequacy"]},
}

# --- PIPL Articles 38-39: CN -> EU ------------------------------------------------------

test_cn_to_eu_with_standard_contract_and_consent_is_allowed := {
	"input": read("crm", "eu", "cn", true),
	"expect": {
		"allow": true, "route": {"region": "cn"},
		"reasons": ["transfer cn->eu allowed under PIPL Articles 38-39: separate_consent+standard_contract"],
	},
}

test_cn_to_eu_with_security_assessment_and_consent_is_allowed := {
	"input": read("chat", "eu", "cn", true),
	"expect": {
		"allow": true,
		"reasons": ["transfer cn->eu allowed under PIPL Articles 38-39: cac_security_assessment+separate_consent"],
	},
}

test_cn_to_eu_with_mechanism_but_no_consent_is_denied := {
	"input": read("crm", "eu", "cn", false),
	"expect": denied("transfer cn->eu denied under PIPL Articles 38-39: missing separate_consent"),
}

test_cn_to_eu_with_consent_but_no_mechanism_is_denied := {
	"input": read("helpdesk", "eu", "cn", true),
	"expect": denied("transfer cn->eu denied under PIPL Articles 38-39: no transfer mechanism"),
}

test_cn_to_eu_without_mechanism_or_consent_is_denied := {
	"input": read("helpdesk", "eu", "cn", false),
	"expect": denied("transfer cn->eu denied under PIPL Articles 38-39: no transfer mechanism"),
}

test_consent_must_be_exactly_true := {
	"input": read("crm", "eu", "cn", "yes"),
	"expect": denied("transfer cn->eu denied under PIPL Articles 38-39: missing separate_consent"),
}

test_cn_to_us_standard_contract_does_not_cover_chat := {
	"input": read("chat", "us", "cn", true),
	"expect": denied("transfer cn->us denied under PIPL Articles 38-39: no transfer mechanism"),
}

# --- CCPA: no transfer restriction ---------------------------------------------------

test_us_to_eu_is_unrestricted := {
	"input": read("crm", "eu", "us", false),
	"expect": {"allow": true, "reasons": ["transfer us->eu allowed under CCPA/CPRA: unrestricted"]},
}

# --- caller without a region ---------------------------------------------------------

test_caller_without_region_gets_no_adequacy_or_mechanism := {
	"input": read("crm", null, "cn", true),
	"expect": denied("transfer cn->unknown denied under PIPL Articles 38-39: no transfer mechanism"),
}

# --- unknown and unconfigured subject regions ----------------------------------------

test_unknown_region_read_fans_out_to_regions_that_allow_it := {
	"input": read("crm", "eu", null, false),
	"expect": {
		"allow": true, "route": {"region": null, "fanout": ["eu", "uk", "us"]},
		"obligations": ["fan_out"], "masking": {"default": "redact"},
		"reasons": ["subject region unknown: fan out to eu, uk, us"],
	},
}

test_unknown_region_fan_out_is_pseudonymized_when_one_region_needs_it := {
	"input": read("chat", "us", null, false),
	"expect": {
		"allow": true, "route": {"region": null, "fanout": ["eu", "uk", "us"]},
		"obligations": ["fan_out", "pseudonymize"],
		"masking": {"default": "redact", "entities": {"PERSON": "hash", "EMAIL_ADDRESS": "hash"}},
	},
}

test_empty_region_counts_as_unknown := {
	"input": read("crm", "eu", "", false),
	"expect": {"allow": true, "route": {"region": null, "fanout": ["eu", "uk", "us"]}},
}

test_unconfigured_subject_region_is_denied := {
	"input": read("crm", "eu", "mars", false),
	"expect": denied("subject region mars is not configured"),
}

# --- writes go to the subject's home region ------------------------------------------

test_write_goes_to_subject_home_region := {
	"input": write("cn", "cn"),
	"expect": {"allow": true, "route": {"region": "cn", "fanout": []}, "reasons": []},
}

test_write_without_chosen_upstream_is_routed_home := {
	"input": write("cn", null),
	"expect": {"allow": true, "route": {"region": "cn"}},
}

test_write_to_wrong_region_is_refused_with_reason := {
	"input": write("cn", "eu"),
	"expect": denied("write refused: subject's home region is cn, target upstream is eu"),
}

test_write_with_unknown_subject_region_is_refused := {
	"input": write(null, "eu"),
	"expect": denied("write needs the subject's home region, which is unknown"),
}

# --- requests without a transfer field ---------------------------------------------
# (No transfer field is no consent: the rules used to be silently skipped for such a
# request whenever its region pair was not in data.precomputed.)

test_read_without_transfer_field_has_no_consent := {
	"input": object.remove(read("crm", null, "cn", true), ["transfer"]),
	"expect": denied("transfer cn->unknown denied under PIPL Articles 38-39: no transfer mechanism"),
}

test_fan_out_without_transfer_field_has_no_consent := {
	"input": object.remove(read("crm", "unknown", null, true), ["transfer"]),
	"expect": {"allow": true, "route": {"region": null, "fanout": ["eu", "uk", "us"]},
		"obligations": ["fan_out", "pseudonymize"]},
}

# --- the data the rules rely on -----------------------------------------------------

test_every_law_falls_back_to_a_known_outcome if {
	every _, law in data.laws {
		some outcome in ["deny", "pseudonymize"]
		law.fallback == outcome
	}
}
