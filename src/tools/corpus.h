// A generator of realistic District data for demos, tests and benchmarks:
// a OneRoster 1.1 export of students and employees, and a mailbox (Maildir
// or mbox) of plain-text mail in which a known share of messages break the
// regulation. Names come from the census lists in shared corpora when
// present, else from a small built-in set. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace steward::tools {

struct CorpusOptions {
  std::string names_dir;  // folder with surnames.txt, male_names.txt, ...
  uint64_t seed = 7;
  uint32_t students = 3000;
  uint32_t employees = 200;
  uint32_t messages = 300;  // used when bytes == 0
  uint64_t bytes = 0;       // generate until this many bytes of mail
  double violating = 0.12;  // share of messages that break a rule
  uint32_t min_message = 4000, max_message = 20000;  // body size range
};

struct CorpusStats {
  uint64_t messages = 0, bytes = 0, violating = 0;
};

class Corpus {
 public:
  explicit Corpus(const CorpusOptions& o);
  core::Status WriteRoster(const std::string& dir) const;
  core::Result<CorpusStats> WriteMaildir(const std::string& dir);
  core::Result<CorpusStats> WriteMbox(const std::string& file);
  // A day of the District's web proxy log in Squid's native format
  // (`steward weblog report`): the employees at their schools' subnets
  // (10.N.0.0/16, N the school's place in the list, as policy/weblog.toml
  // has them) on Tuesday 2025-12-02 from 06:00 to 20:00 in Los Angeles,
  // mostly learning sites, some streaming, social and games, a few lines a
  // proxy mangled. Returns the lines written.
  core::Result<uint64_t> WriteAccessLog(const std::string& file,
                                        uint64_t requests);
  // One message (headers and body); `violating` says whether it breaks a rule.
  std::string Message(uint64_t n, bool* violating);

 private:
  struct Person {
    std::string given, family, id, ssid, email, school, grade, role;
  };
  std::string Pick(const std::vector<std::string>& v);
  std::string Filler(size_t bytes);
  const Person& AnyStudent();
  const Person& AnyEmployee();
  std::string Ssn();
  std::string Card();
  std::string Phone();

  CorpusOptions o_;
  uint64_t state_;
  std::vector<std::string> given_, family_;
  std::vector<std::string> schools_;
  std::vector<Person> students_, employees_;
};

}  // namespace steward::tools
