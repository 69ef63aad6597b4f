// One call from message bytes and envelope to a verdict: the engine's
// findings, clamd's (when the pack names it), the envelope's, then the
// rules. The enforcement layer (enforce::Enforcer::Apply) calls it for
// every door, `steward verdict`'s dry run included, so the shell answers
// exactly what the gateway would do.
#pragma once

#include <string_view>

#include "core/status.h"
#include "decide/verdict.h"
#include "engine/engine.h"

namespace steward::decide {

// An error only when the message could not be judged at all: clamd named in
// the pack but unreachable, or the history (C.19) unreadable. The door then
// applies [mail] on_failure. `vendors`: the registry's (see Decide).
core::Result<Verdict> DecideMessage(const engine::Engine& engine,
                                    const Envelope& env, std::string_view bytes,
                                    engine::Engine::Scratch& scratch,
                                    const History* history,
                                    const Vendors* vendors = nullptr);

}  // namespace steward::decide
