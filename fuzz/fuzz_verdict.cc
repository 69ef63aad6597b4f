// Fuzzes the mail door's decision: hostile message bytes and a hostile
// envelope (recipients and the signed-in user taken from the input's first
// line) through decide::DecideMessage and the verdict's JSON. Nothing may
// crash, hang or leak, and every verdict has an action.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bundled_engine.h"
#include "core/text.h"
#include "decide/decider.h"

using steward::testing::BundledEngine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto scratch = BundledEngine().NewScratch();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // First line: "sender|rcpt,rcpt,…|auth-user"; the rest: the message.
  size_t nl = bytes.find('\n');
  std::string_view head =
      nl == std::string_view::npos ? "" : bytes.substr(0, nl);
  std::string_view message =
      nl == std::string_view::npos ? bytes : bytes.substr(nl + 1);
  auto fields = steward::core::SplitList(head, '|');
  steward::decide::Envelope env;
  env.sender = fields.size() > 0 ? fields[0] : "a@example-usd.org";
  env.recipients =
      steward::core::SplitList(fields.size() > 1 ? fields[1] : "", ',');
  if (env.recipients.size() > 200) env.recipients.resize(200);
  if (env.recipients.empty()) env.recipients.push_back("b@gmail.com");
  env.auth_user = fields.size() > 2 ? fields[2] : "";
  auto v = steward::decide::DecideMessage(BundledEngine(), env, message,
                                          *scratch, nullptr);
  if (!v.ok()) std::abort();  // no clamd configured: never an error
  (void)steward::decide::ToJson(*v).dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return 0;
}
