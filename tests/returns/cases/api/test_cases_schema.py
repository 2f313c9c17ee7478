def test_the_openapi_schema_describes_the_cases_api(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = {
        (path, method): sorted(operation["responses"])
        for path, methods in paths.items()
        if path.startswith(("/api/v1/cases/", "/api/v1/assistance/", "/api/v1/referrals/"))
        for method, operation in methods.items()
    }
    # Every operation: 403 (a role, or an API key without the scope) and 429 (throttled); every POST:
    # 413 (too large) and 422 (an Idempotency-Key reused with another body).
    post = ["400", "401", "403", "404", "413", "415", "422", "429"]
    assert operations == {
        ("/api/v1/cases/", "get"): ["200", "400", "401", "403", "429"],
        ("/api/v1/cases/assign/", "post"): ["200", "400", "401", "403", "413", "415", "422", "429"],
        ("/api/v1/cases/deleted/", "get"): ["200", "400", "401", "403", "429"],
        ("/api/v1/cases/{id}/", "get"): ["200", "401", "403", "404", "429"],
        ("/api/v1/cases/{id}/events/", "get"): ["200", "401", "403", "404", "429"],
        ("/api/v1/cases/{id}/transitions/", "post"): sorted(["200", *post, "409"]),
        ("/api/v1/cases/{id}/assistance/", "get"): ["200", "401", "403", "404", "429"],
        ("/api/v1/cases/{id}/assistance/", "post"): ["201", *post],
        ("/api/v1/cases/{id}/referrals/", "post"): ["201", *post],
        ("/api/v1/assistance/{id}/decision/", "post"): ["200", *post],
        ("/api/v1/referrals/", "get"): ["200", "400", "401", "403", "429"],
        ("/api/v1/referrals/{id}/answer/", "post"): ["200", *post],
    }


def test_the_schema_documents_filters_errors_and_money(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    cases = paths["/api/v1/cases/"]["get"]
    assert {parameter["name"] for parameter in cases["parameters"]} >= {
        "stage",
        "office",
        "assigned_to",
        "overdue",
        "open",
        "updated_since",
        "cursor",
        "page_size",
    }
    assert cases["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedCaseList"
    }
    transition = paths["/api/v1/cases/{id}/transitions/"]["post"]
    assert transition["responses"]["409"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert transition["responses"]["400"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert components["TransitionRequestRequest"]["required"] == ["transition", "version"]
    assert components["Assistance"]["properties"]["value"] == {
        "type": "string",
        "format": "decimal",
        "pattern": "^-?\\d{0,10}(?:\\.\\d{0,2})?$",
        "nullable": True,
    }
    assert "allowed_transitions" in components["CaseDetail"]["properties"]
