#pragma once
// Adds every component `meshd serve` runs besides the HTTP API to `server`:
// the schema registry (before the HTTP API, which validates against it), then
// the Kafka listener unless --kafka off, the event bus, ...

#include "app/mesh_server.h"

namespace meshd::app {

void AddStandardComponents(MeshServer& server);

}  // namespace meshd::app
