"""One sample CRM upstream as its own process: ``python -m proxy.demo.upstream``."""

from __future__ import annotations

import argparse

import uvicorn

from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import build_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description="serve the sample CRM for one region")
    parser.add_argument("--region", default="eu")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()
    dataset = build_dataset(seed=args.seed, contacts_per_region=args.contacts)
    app = create_crm_app(args.region, dataset.regions[args.region], token=args.token)
    uvicorn.run(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools",
                access_log=False, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
