def test_the_openapi_schema_describes_the_households_api(client):
    # When the schema is fetched as JSON
    response = client.get("/api/schema/", {"format": "json"})

    # Then it holds the list, registration and detail operations with their bodies and errors
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    households, household = paths["/api/v1/households/"], paths["/api/v1/households/{id}/"]
    assert households["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HouseholdRegistrationRequest"
    }
    # (403 includes an API key without the scope; 413 too large; 422 an Idempotency-Key reused; 429 throttled)
    assert sorted(households["post"]["responses"]) == ["201", "400", "401", "403", "413", "415", "422", "429"]
    assert sorted(households["get"]["responses"]) == ["200", "400", "401", "403", "429"]
    assert sorted(household["get"]["responses"]) == ["200", "401", "403", "404", "429"]
    assert households["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedHouseholdList"
    }
    assert household["get"]["responses"]["404"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
