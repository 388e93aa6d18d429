# Decision-level cases (see residency_test.rego for the case format).
package gateway_test

import rego.v1

delete_as(role) := {
	"caller": {"sub": "u1", "role": role, "region": "eu", "purpose": "reporting"},
	"request": {"method": "DELETE", "system": "crm", "path": "/contacts/1", "action": "delete"},
	"subject": {"region": "eu", "source": "directory"},
	"upstream": {"region": "eu"},
}

test_role_without_the_action_is_refused := {
	"input": delete_as("analyst"),
	"expect": {"allow": false, "reasons": ["role analyst may not delete"]},
}

test_supervisor_may_delete_in_home_region := {
	"input": delete_as("supervisor"),
	"expect": {"allow": true, "route": {"region": "eu"}},
}

test_unknown_action_is_refused := {
	"input": object.union(delete_as("analyst"), {"request": {"action": "patch"}}),
	"expect": {"allow": false, "reasons": ["unknown action 'patch'"]},
}

test_non_string_fields_are_refused_not_errors := {
	"input": {"caller": {"role": 5}, "request": {"action": [1]}, "subject": {"region": 7}},
	"expect": {"allow": false, "reasons": ["unknown action ''", "unknown role"]},
}

test_empty_input_is_refused_with_every_field := {
	"input": {},
	"expect": {
		"allow": false, "reasons": ["unknown action ''", "unknown role"],
		"route": {"region": null, "fanout": []}, "obligations": [], "audit": "elevated",
		"masking": {"default": "drop", "entities": {}, "drop_fields": [], "detokenize": false},
	},
}
