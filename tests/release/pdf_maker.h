// Test PDFs written by hand, and the engine that keeps values: what the
// release tests share.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bundled_engine.h"
#include "engine/engine.h"

namespace steward::release::testing_pdf {

// A PDF from its objects (numbered from 1) with a correct xref table;
// `trailer_extra` is added to the trailer ("/Info 9 0 R").
inline std::string MakePdf(const std::vector<std::string>& objects,
                           const std::string& trailer_extra = "") {
  std::string out = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) +
         "\n0000000000 65535 f \n";
  for (size_t o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R " + trailer_extra + " >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

// The engine on the bundled pack with findings' values kept (what
// release reads); null when the pack does not load.
inline std::unique_ptr<engine::Engine> ValuesEngine() {
  engine::Options o;
  o.policy = steward::testing::PackDir();
  o.cache_dir = "none";
  o.show_values = true;
  auto e = engine::Engine::Create(o);
  return e.ok() ? std::move(e).value() : nullptr;
}

}  // namespace steward::release::testing_pdf
