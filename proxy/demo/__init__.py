"""Sample upstreams for the demo, tests and benchmarks: generated CRM, helpdesk and
call-center data (``build_dataset``) served per region by ``create_crm_app``."""
