"""End to end on the demo: real sample-CRM upstreams per region, the demo's connector
configuration, a real runtime (database, masker, key store), checked against the dataset's
ground truth of who owns and who is mentioned in which record."""

from __future__ import annotations

import copy
from pathlib import Path

from dsar.identities import Identity
from proxy.demo.dataset import REGIONS, Subject, build_dataset
from tests.dsar.demo_world import (
    content,
    demo_settings,
    identities_of,
    open_world,
    search_everything,
    serve_dataset,
    stored,
    two_region_subject,
)

_PATHS = {"contact": "/crm/v1/contacts/{}", "ticket": "/helpdesk/v1/tickets/{}",
          "call": "/calls/v1/calls/{}"}


def _found(world, case_id: str) -> set[tuple[str, str, str, int, str]]:
    return {(region, system, item["kind"], int(item["id"]), item["relation"])
            for system, region in world.dsar.system_regions()
            for item in world.results.records(case_id, system, region)}


def _truth(subject: Subject) -> set[tuple[str, str, str, int, str]]:
    return ({(r.region, r.system, r.kind, r.id, "record") for r in subject.records}
            | {(r.region, r.system, r.kind, r.id, "mention") for r in subject.mentions})


async def test_access_finds_every_record_and_mention_and_nothing_about_others(
        tmp_path: Path) -> None:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    subject = two_region_subject(dataset)
    with serve_dataset(dataset) as urls:
        async with open_world(demo_settings(urls, tmp_path)) as world:
            outcomes = await world.run_all("access1", "access", identities_of(subject))
            found = _found(world, "access1")
            items = [item for system, region in world.dsar.system_regions()
                     for item in world.results.records("access1", system, region)]
    assert {o.status for o in outcomes.values()} == {"done"}
    assert len({ref.system for ref in subject.records}) == 3 and len(subject.regions) == 2
    assert found == _truth(subject)
    text = str(items)
    assert subject.email in text and subject.name in text
    agents = {a for region in REGIONS for a in dataset.regions[region].agents}
    assert not [a for a in agents if a in text and a not in subject.name]
    assert sum(o.summary["records_found"] for o in outcomes.values()) == len(subject.records)


async def test_access_by_phone_only_finds_the_same_records(tmp_path: Path) -> None:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    subject = two_region_subject(dataset)
    with serve_dataset(dataset) as urls:
        async with open_world(demo_settings(urls, tmp_path)) as world:
            await world.run_all("phone1", "access", (Identity("phone", subject.phone),))
            found = _found(world, "phone1")
    assert {f for f in found if f[4] == "record"} == {f for f in _truth(subject)
                                                      if f[4] == "record"}


async def test_erasure_leaves_nothing_to_find_and_other_subjects_untouched(
        tmp_path: Path) -> None:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    subject = two_region_subject(dataset)
    others = [s for s in dataset.subjects.values() if s is not subject]
    before = {ref: copy.deepcopy(stored(dataset, ref)) for s in others for ref in s.records}
    with serve_dataset(dataset) as urls:
        assert search_everything(urls, subject)
        async with open_world(demo_settings(urls, tmp_path)) as world:
            outcomes = await world.run_all("erase1", "erasure", identities_of(subject))
            again = await world.run_all("erase1", "erasure", identities_of(subject))
        leftovers = search_everything(urls, subject)
    assert {o.status for o in outcomes.values()} == {"done"}, outcomes
    assert leftovers == []
    assert not [ref for ref in subject.records if stored(dataset, ref) is not None]
    assert sum(o.summary["erased"] for o in outcomes.values()) == len(subject.records)
    assert sum(o.summary["redacted"] for o in outcomes.values()) == len(subject.mentions)
    for ref in subject.mentions:  # someone else's comment: kept, the subject redacted
        comment = stored(dataset, ref)
        assert comment is not None and subject.email not in comment["body"]
    changed = [ref for ref, record in before.items()
               if content(stored(dataset, ref)) != content(record)]
    assert changed == []  # a redacted comment only touches its ticket's updated_at
    assert {o.status for o in again.values()} == {"done"}
    assert sum(o.summary["erased"] for o in again.values()) == len(subject.records)


async def test_legal_hold_keeps_the_record_and_says_why(tmp_path: Path) -> None:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    subject = two_region_subject(dataset)
    with serve_dataset(dataset) as urls:
        settings = demo_settings(urls, tmp_path)
        connectors = copy.deepcopy(settings.dsar["connectors"])
        for region in REGIONS:
            connectors["calls"][region]["records"]["call"]["legal_hold"] = {
                "reason": "call recordings kept 6 years for pending claims",
                "basis": "GDPR Art. 17(3)(e)"}
        settings = demo_settings(urls, tmp_path, {"connectors": connectors})
        async with open_world(settings) as world:
            outcomes = await world.run_all("hold1", "erasure", identities_of(subject))
    calls = [ref for ref in subject.records if ref.system == "calls"]
    assert calls and all(stored(dataset, ref) is not None for ref in calls)
    assert not [ref for ref in subject.records
                if ref.system != "calls" and stored(dataset, ref) is not None]
    held = [o.summary for (system, _), o in outcomes.items() if system == "calls"]
    assert sum(s["held"] for s in held) == len(calls)
    reasons = {reason for s in held for reason in s["held_reasons"]}
    assert reasons == {"GDPR Art. 17(3)(e): call recordings kept 6 years for pending claims"}
    assert {o.status for o in outcomes.values()} == {"done"}

