# Who may use the gateway's own API (audit, evidence, policy, residency directory). The
# gateway asks the decision with request.action set to the admin action (see
# data/admin.json); see residency_test.rego for the case format.
package gateway.admin_test

import rego.v1

ask(role, action) := {
	"caller": {"sub": "staff-1", "role": role, "region": "eu", "purpose": "admin"},
	"request": {"method": "POST", "system": "gateway", "path": "/admin", "action": action},
	"subject": {"region": null, "source": null},
	"upstream": {"region": null},
	"transfer": {"consent": false},
}

allowed := {
	"allow": true, "reasons": [], "route": {"region": null, "fanout": []},
	"audit": "elevated", "obligations": [],
}

refused(role, action) := {"allow": false, "reasons": [concat("", ["role ", role, " may not ", action])]}

# --- DPO: audit, evidence and residency directory; not policy reload -------------------

test_dpo_may_search_the_audit_log := {"input": ask("dpo", "audit.search"), "expect": allowed}

test_dpo_may_verify_the_audit_log := {"input": ask("dpo", "audit.verify"), "expect": allowed}

test_dpo_may_export_an_evidence_pack := {"input": ask("dpo", "audit.export"), "expect": allowed}

test_dpo_may_list_evidence := {"input": ask("dpo", "evidence.list"), "expect": allowed}

test_dpo_may_shred_evidence := {"input": ask("dpo", "evidence.shred"), "expect": allowed}

test_dpo_may_read_identity_documents := {
	"input": ask("dpo", "evidence.read.identity_document"),
	"expect": allowed,
}

test_dpo_may_upload_identity_documents := {
	"input": ask("dpo", "evidence.upload.identity_document"),
	"expect": allowed,
}

test_dpo_may_view_the_residency_directory := {"input": ask("dpo", "residency.view"), "expect": allowed}

test_dpo_may_correct_the_residency_directory := {
	"input": ask("dpo", "residency.update"),
	"expect": allowed,
}

test_dpo_may_view_the_live_policy := {"input": ask("dpo", "policy.view"), "expect": allowed}

test_dpo_may_not_reload_policies := {
	"input": ask("dpo", "policy.reload"),
	"expect": refused("dpo", "policy.reload"),
}

# --- compliance team: policies and audit integrity ------------------------------------

test_compliance_may_reload_policies := {"input": ask("compliance", "policy.reload"), "expect": allowed}

test_compliance_may_view_the_live_policy := {
	"input": ask("compliance", "policy.view"),
	"expect": allowed,
}

test_compliance_may_verify_the_audit_log := {
	"input": ask("compliance", "audit.verify"),
	"expect": allowed,
}

test_compliance_may_search_the_audit_log := {
	"input": ask("compliance", "audit.search"),
	"expect": allowed,
}

test_compliance_may_not_read_evidence := {
	"input": ask("compliance", "evidence.read.correspondence"),
	"expect": refused("compliance", "evidence.read.correspondence"),
}

test_compliance_may_not_correct_the_residency_directory := {
	"input": ask("compliance", "residency.update"),
	"expect": refused("compliance", "residency.update"),
}

test_compliance_reads_no_customer_data := {
	"input": object.union(ask("compliance", "read"), {
		"request": {"method": "GET", "system": "crm", "path": "/contacts/1", "action": "read"},
		"subject": {"region": "eu", "source": "routing_key"},
	}),
	"expect": refused("compliance", "read"),
}

# --- platform admin: operates the gateway, sees no personal data ----------------------

test_admin_may_reload_policies := {"input": ask("admin", "policy.reload"), "expect": allowed}

test_admin_may_verify_the_audit_log := {"input": ask("admin", "audit.verify"), "expect": allowed}

test_admin_may_not_search_the_audit_log := {
	"input": ask("admin", "audit.search"),
	"expect": refused("admin", "audit.search"),
}

test_admin_may_not_export_evidence_packs := {
	"input": ask("admin", "audit.export"),
	"expect": refused("admin", "audit.export"),
}

test_admin_may_not_view_the_residency_directory := {
	"input": ask("admin", "residency.view"),
	"expect": refused("admin", "residency.view"),
}

test_admin_gets_the_restricted_profile := {
	"input": ask("admin", "policy.view"),
	"expect": {"allow": true, "masking": {"default": "drop", "entities": {}, "detokenize": false}},
}

# --- supervisor: complaint evidence, tiered by category -------------------------------

test_supervisor_may_read_screenshots := {
	"input": ask("supervisor", "evidence.read.screenshot"),
	"expect": allowed,
}

test_supervisor_may_read_chat_exports := {
	"input": ask("supervisor", "evidence.read.chat_export"),
	"expect": allowed,
}

test_supervisor_may_read_correspondence := {
	"input": ask("supervisor", "evidence.read.correspondence"),
	"expect": allowed,
}

test_supervisor_may_not_read_identity_documents := {
	"input": ask("supervisor", "evidence.read.identity_document"),
	"expect": refused("supervisor", "evidence.read.identity_document"),
}

test_supervisor_may_not_read_other_evidence := {
	"input": ask("supervisor", "evidence.read.other"),
	"expect": refused("supervisor", "evidence.read.other"),
}

test_supervisor_may_upload_screenshots := {
	"input": ask("supervisor", "evidence.upload.screenshot"),
	"expect": allowed,
}

test_supervisor_may_upload_other_evidence := {
	"input": ask("supervisor", "evidence.upload.other"),
	"expect": allowed,
}

test_supervisor_may_not_upload_identity_documents := {
	"input": ask("supervisor", "evidence.upload.identity_document"),
	"expect": refused("supervisor", "evidence.upload.identity_document"),
}

test_supervisor_may_list_evidence := {"input": ask("supervisor", "evidence.list"), "expect": allowed}

test_supervisor_may_not_shred_evidence := {
	"input": ask("supervisor", "evidence.shred"),
	"expect": refused("supervisor", "evidence.shred"),
}

test_supervisor_may_not_search_the_audit_log := {
	"input": ask("supervisor", "audit.search"),
	"expect": refused("supervisor", "audit.search"),
}

# --- roles without admin rights -------------------------------------------------------

test_agent_may_not_list_evidence := {
	"input": ask("agent", "evidence.list"),
	"expect": refused("agent", "evidence.list"),
}

test_agent_may_not_view_the_residency_directory := {
	"input": ask("agent", "residency.view"),
	"expect": refused("agent", "residency.view"),
}

test_analyst_may_not_search_the_audit_log := {
	"input": ask("analyst", "audit.search"),
	"expect": refused("analyst", "audit.search"),
}

test_analyst_may_not_view_the_live_policy := {
	"input": ask("analyst", "policy.view"),
	"expect": refused("analyst", "policy.view"),
}

# --- unknown roles and actions --------------------------------------------------------

test_unknown_role_may_not_use_the_admin_api := {
	"input": ask("intern", "audit.search"),
	"expect": {"allow": false, "reasons": ["unknown role"]},
}

test_unknown_admin_action_is_refused := {
	"input": ask("dpo", "audit.delete"),
	"expect": {"allow": false, "reasons": ["unknown action 'audit.delete'"]},
}

test_unknown_evidence_category_is_refused := {
	"input": ask("dpo", "evidence.read.passport_scan"),
	"expect": {"allow": false, "reasons": ["unknown action 'evidence.read.passport_scan'"]},
}

# A typo in roles.json would silently grant nothing: every granted admin action must exist.
test_every_granted_admin_action_is_known if {
	every role in data.roles {
		every granted in object.get(role, "admin", []) {
			data.admin.actions[granted]
		}
	}
}

# Admin actions are their own kind: none is also a request action or a DSAR step.
test_admin_actions_are_not_request_actions_or_dsar_steps if {
	count({name | some name in object.keys(data.admin.actions); data.gateway.actions[name]}) == 0
	count({name | some name in object.keys(data.admin.actions); startswith(name, "dsar_")}) == 0
}
