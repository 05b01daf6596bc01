#pragma once
// Adds every component `meshd serve` runs after the HTTP API (Kafka
// listener unless --kafka off, the event bus, ...) to `server`.

#include "app/mesh_server.h"

namespace meshd::app {

void AddStandardComponents(MeshServer& server);

}  // namespace meshd::app
