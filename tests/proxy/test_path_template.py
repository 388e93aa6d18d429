"""Paths as logs, audit entries and the policy see them: only words of the API are kept."""

from __future__ import annotations

import pytest

from proxy.path_template import PathTemplates

ROUTES = ["/contacts", "/contacts/{id}", "/contacts/by-name/{name}",
          "/tickets/{ticket_id}/comments/{comment_id}"]


@pytest.mark.parametrize(("path", "template"), [
    ("/contacts/42", "/contacts/{id}"),
    ("/contacts/by-name/john-smith", "/contacts/by-name/{name}"),
    ("/CONTACTS/42/", "/contacts/{id}"),
    ("/tickets/7/comments/9", "/tickets/{ticket_id}/comments/{comment_id}"),
])
def test_a_declared_route_is_the_template(path: str, template: str) -> None:
    assert PathTemplates(ROUTES).template(path) == template


@pytest.mark.parametrize(("path", "template"), [
    ("/contacts/by-email/ann.lee@example.com", "/contacts/by-email/{id}"),
    ("/contacts/by-name/john-smith/notes", "/contacts/by-name/{id}/notes"),
    ("/people/wei-zhang", "/people/{id}"),
    ("/people/张伟", "/people/{id}"),
    ("/people/John%20Smith", "/people/{id}"),
    ("/eu/contacts/smith", "/eu/contacts/{id}"),
    ("/v2/sobjects/Contact/003xx000004TmiQ", "/v2/sobjects/contact/{id}"),
    ("/", "/"),
])
def test_other_segments_are_kept_only_when_they_are_words_of_the_api(path: str,
                                                                     template: str) -> None:
    assert PathTemplates(ROUTES, regions=["eu", "cn"]).template(path) == template


def test_without_routes_only_the_built_in_vocabulary_is_kept() -> None:
    templates = PathTemplates()
    assert templates.template("/api/v1/contacts/search") == "/api/v1/contacts/search"
    assert templates.template("/widgets/john-smith") == "/{id}/{id}"


def test_a_route_word_is_kept_where_no_route_matches() -> None:
    templates = PathTemplates(["/widgets/{id}", "/widgets/by-owner/{owner}"])
    assert templates.template("/widgets/by-owner/john-smith/history") == \
        "/widgets/by-owner/{id}/history"
