def test_the_openapi_schema_describes_the_cases_api(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = {
        (path, method): sorted(operation["responses"])
        for path, methods in paths.items()
        if not path.startswith("/api/v1/households/")
        for method, operation in methods.items()
    }
    assert operations == {
        ("/api/v1/cases/", "get"): ["200", "400", "401"],
        ("/api/v1/cases/assign/", "post"): ["200", "400", "401", "403"],
        ("/api/v1/cases/{id}/", "get"): ["200", "401", "404"],
        ("/api/v1/cases/{id}/events/", "get"): ["200", "401", "404"],
        ("/api/v1/cases/{id}/transitions/", "post"): ["200", "400", "401", "403", "404", "409"],
        ("/api/v1/cases/{id}/assistance/", "get"): ["200", "401", "404"],
        ("/api/v1/cases/{id}/assistance/", "post"): ["201", "400", "401", "403", "404"],
        ("/api/v1/cases/{id}/referrals/", "post"): ["201", "400", "401", "403", "404"],
        ("/api/v1/assistance/{id}/decision/", "post"): ["200", "400", "401", "403", "404"],
        ("/api/v1/referrals/", "get"): ["200", "400", "401"],
        ("/api/v1/referrals/{id}/answer/", "post"): ["200", "400", "401", "403", "404"],
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
    assert transition["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert transition["responses"]["400"]["content"]["application/json"]["schema"] == {
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
