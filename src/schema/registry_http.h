#pragma once
// The Confluent Schema Registry REST API (v1) over a SchemaRegistry, mounted
// on an http::Router that the application serves on its own listener
// (`--registry HOST:PORT`, default 127.0.0.1:8081). Every error answers
// {"error_code": <Confluent code>, "message": "..."}; responses use
// Content-Type application/vnd.schemaregistry.v1+json. Endpoints and
// choices: docs/schema-registry.md.
//
// Thread-safety: handlers may run concurrently; the registry locks.

#include "http/router.h"
#include "schema/schema_registry.h"

namespace meshd::schema {

// Adds every registry route (and a catch-all 404 in Confluent's error shape)
// to `router`. `registry` must outlive the server.
void RegisterRegistryRoutes(http::Router& router, SchemaRegistry& registry);

}  // namespace meshd::schema
