"""Sample upstreams for the demo, tests and benchmarks.

``proxy.demo.dataset.build_dataset(seed, contacts_per_region)`` generates deterministic CRM,
helpdesk and call-center data for the eu, cn and us regions with ground truth per data
subject; ``proxy.demo.crm.create_crm_app(region, dataset.regions[region], token=...)`` serves
one region's slice as a JSON REST API.
"""
