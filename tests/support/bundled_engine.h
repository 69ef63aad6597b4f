// The engine on the bundled pack (policy/ of the source tree), for tests and
// fuzz targets alike.
#pragma once

#include <string>

#include "engine/engine.h"

namespace steward::testing {

std::string PackDir();  // the bundled policy/, unless SetPackDir said
// Another pack folder for every later caller (`steward-eval --policy DIR`:
// a district's edited pack measured on the same suites).
void SetPackDir(std::string dir);

// An engine on the bundled pack and an optional roster folder, built once
// per roster and shared by every caller in the process (from any thread).
// Compiled databases are cached where the build says: the test build's
// test-cache folder; the fuzz build caches nothing, so fuzzing writes
// nowhere outside its own folders. A pack that does not load ends the
// process with its errors: nothing that needs the engine can run.
const engine::Engine& BundledEngine(const std::string& roster = "");

}  // namespace steward::testing
