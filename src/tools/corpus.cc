#include "tools/corpus.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"

namespace steward::tools {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kGiven = {
    "Maria",  "Jose",   "Emily",   "Daniel",   "Sofia",    "Ethan",
    "Olivia", "Noah",   "Ava",     "Liam",     "Isabella", "Mateo",
    "Mia",    "Lucas",  "Camila",  "Aiden",    "Harper",   "Elijah",
    "Evelyn", "James",  "Abigail", "Benjamin", "Luna",     "Henry",
    "Chloe",  "Samuel", "Aria",    "David",    "Grace",    "Joseph"};
const std::vector<std::string> kFamily = {
    "Garcia",    "Martinez", "Nguyen",   "Johnson",  "Smith",  "Lopez",
    "Hernandez", "Patel",    "Kim",      "Brown",    "Davis",  "Rodriguez",
    "Wilson",    "Anderson", "Thomas",   "Taylor",   "Moore",  "Jackson",
    "Lee",       "Perez",    "Thompson", "White",    "Harris", "Sanchez",
    "Clark",     "Ramirez",  "Lewis",    "Robinson", "Walker", "Young"};
const std::vector<std::string> kSentences = {
    "Thanks for sending the agenda for Thursday's staff meeting.",
    "The library will be closed on Friday for inventory.",
    "Please remind your classes that picture day is next week.",
    "The science fair projects are due before winter break.",
    "Our PLC will review the unit assessment data on Monday afternoon.",
    "The field trip buses leave at 8:15 from the front loop.",
    "Could you cover my duty at lunch tomorrow? I have a dentist appointment.",
    "The new Chromebook carts arrived and are being tagged by site tech.",
    "Attached is the draft newsletter for families; edits are welcome.",
    "We need two more volunteers for the book fair.",
    "The district office moved the professional development day to March.",
    "Parking lot B will be resurfaced over spring break.",
    "Please submit your substitute plans in the shared folder by 3 pm.",
    "The choir concert starts at 7 in the multipurpose room.",
    "Remember to take attendance in the first ten minutes of each period.",
    "The math department is piloting a new curriculum next fall.",
    "Facilities will test the fire alarms between 9 and 10 tomorrow.",
    "Our site council meets in room 14 after school on Wednesday.",
    "Can someone share the rubric for the eighth-grade essay?",
    "The copier on the second floor is jammed again.",
    "Congratulations to the robotics team on their regional win.",
    "Lunch will be served in the gym while the cafeteria is painted.",
    "Please update your classroom web page with the new bell schedule.",
    "The counselor's office has college application workshops this month.",
    "Here are the notes from the grade-level team meeting.",
};
const std::vector<std::string> kStreets = {
    "Fowler Avenue",     "Herndon Road", "Shaw Avenue", "Maple Street",
    "Oak Lane",          "Willow Drive", "Cedar Court", "Sunnyside Boulevard",
    "Temperance Avenue", "Locan Place"};

std::vector<std::string> ReadNames(const fs::path& f, size_t max) {
  std::vector<std::string> out;
  std::ifstream in(f);
  std::string line;
  while (std::getline(in, line) && out.size() < max) {
    auto sp = line.find_first_of(" \t\r");
    if (sp != std::string::npos) line.resize(sp);
    if (line.size() < 2) continue;
    for (auto& c : line)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    line[0] =
        static_cast<char>(std::toupper(static_cast<unsigned char>(line[0])));
    out.push_back(line);
  }
  return out;
}

}  // namespace

Corpus::Corpus(const CorpusOptions& o)
    : o_(o), state_(o.seed * 0x9E3779B97F4A7C15ull + 1) {
  if (!o.names_dir.empty()) {
    fs::path d(o.names_dir);
    given_ = ReadNames(d / "female_names.txt", 2000);
    auto male = ReadNames(d / "male_names.txt", 2000);
    given_.insert(given_.end(), male.begin(), male.end());
    family_ = ReadNames(d / "surnames.txt", 8000);
  }
  if (given_.size() < 10) given_ = kGiven;
  if (family_.size() < 10) family_ = kFamily;
  schools_ = {"Lincoln Elementary",         "Cedar Elementary",
              "Valley Elementary",          "Riverview Intermediate",
              "Granite Ridge Intermediate", "Buchanan High"};
  static const char* kGrades[] = {"KG", "01", "02", "03", "04", "05", "06",
                                  "07", "08", "09", "10", "11", "12"};
  for (uint32_t i = 0; i < o.students; ++i) {
    Person p;
    p.given = Pick(given_);
    p.family = Pick(family_);
    p.role = "student";
    p.id = fmt::format("{:07d}", 1000000 + (state_ % 8999999));
    Pick(given_);
    p.ssid = fmt::format("{:010d}", 1000000000ull + state_ % 8999999999ull);
    size_t g = i % 13;
    p.grade = kGrades[g];
    p.school = schools_[g <= 5 ? i % 3 : g <= 8 ? 3 + i % 2 : 5];
    p.email = core::AsciiLower(p.given + "." + p.family) + std::to_string(i) +
              "@students.example-usd.org";
    p.id = fmt::format("{:07d}", 2000000 + i);
    students_.push_back(std::move(p));
  }
  static const char* kRoles[] = {"teacher", "teacher", "teacher", "aide",
                                 "administrator"};
  for (uint32_t i = 0; i < o.employees; ++i) {
    Person p;
    p.given = Pick(given_);
    p.family = Pick(family_);
    p.role = kRoles[i % 5];
    p.id = fmt::format("E{:05d}", i + 1);
    p.school = schools_[i % schools_.size()];
    p.email = core::AsciiLower(p.given.substr(0, 1) + p.family) +
              std::to_string(i) + "@example-usd.org";
    employees_.push_back(std::move(p));
  }
}

std::string Corpus::Pick(const std::vector<std::string>& v) {
  // xorshift64*: fast, deterministic, good enough for test data.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return v[(state_ * 2685821657736338717ull >> 11) % v.size()];
}

const Corpus::Person& Corpus::AnyStudent() {
  Pick(kGiven);
  return students_[(state_ >> 7) % students_.size()];
}
const Corpus::Person& Corpus::AnyEmployee() {
  Pick(kGiven);
  return employees_[(state_ >> 7) % employees_.size()];
}

std::string Corpus::Ssn() {
  Pick(kGiven);
  uint64_t s = state_ >> 5;
  int area = 1 + static_cast<int>(s % 665);  // 001-665: valid, not 666
  int group = 1 + static_cast<int>((s >> 10) % 99);
  int serial = 1 + static_cast<int>((s >> 20) % 9999);
  return fmt::format("{:03d}-{:02d}-{:04d}", area, group, serial);
}

std::string Corpus::Card() {
  Pick(kGiven);
  std::string d =
      "4" + fmt::format("{:014d}", (state_ >> 3) % 100000000000000ull);
  int sum = 0;  // Luhn check digit for the 15 digits plus one
  for (size_t i = 0; i < d.size(); ++i) {
    int v = d[d.size() - 1 - i] - '0';
    if (i % 2 == 0) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  d.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return d.substr(0, 4) + " " + d.substr(4, 4) + " " + d.substr(8, 4) + " " +
         d.substr(12);
}

std::string Corpus::Phone() {
  Pick(kGiven);
  uint64_t s = state_ >> 9;
  return fmt::format("({}) {}-{:04d}", 559, 200 + s % 700, (s >> 12) % 10000);
}

std::string Corpus::Filler(size_t bytes) {
  std::string out;
  while (out.size() < bytes) {
    for (int i = 0; i < 4 && out.size() < bytes; ++i)
      out += Pick(kSentences) + " ";
    out += "\n\n";
  }
  return out;
}

std::string Corpus::Message(uint64_t n, bool* violating) {
  const Person& from = AnyEmployee();
  const Person& to = AnyEmployee();
  Pick(kGiven);
  uint64_t r = state_ >> 11;
  size_t span =
      o_.max_message > o_.min_message ? o_.max_message - o_.min_message : 1;
  size_t body_size = o_.min_message + (r % span);
  bool bad = static_cast<double>((r >> 20) % 10000) < o_.violating * 10000;
  *violating = bad;
  std::string subject = "Re: " + Pick(kSentences).substr(0, 40);
  std::string body = Filler(body_size / 2);
  std::string extra_headers;
  std::string attachment;  // a CSV to attach, when not empty
  if (bad) {
    const Person& s = AnyStudent();
    const Person& e = AnyEmployee();
    switch ((r >> 30) % 10) {
      case 0:
        subject = "IEP paperwork for " + s.given;
        body += fmt::format(
            "Here is what you asked for. Student: {} {}, grade {}, {}.\n"
            "SSN: {}  Date of birth: 04/{:02d}/{}\n"
            "Her IEP goals and accommodations are in the attached notes; "
            "the 504 plan review is next month.\n\n",
            s.given, s.family, s.grade, s.school, Ssn(), 1 + r % 28,
            2008 + r % 10);
        break;
      case 1:
        // A grade export attached as CSV: a bulk extract of student data.
        subject = "Semester grades";
        body +=
            "Final grades for period 3 are attached (please keep "
            "confidential).\n\n";
        attachment = "student_id,first_name,last_name,course,gpa\n";
        for (int i = 0; i < 15; ++i) {
          const Person& x = AnyStudent();
          attachment +=
              fmt::format("{},{},{},Algebra I,{}.{}\n", x.id, x.given, x.family,
                          1 + (r >> i) % 3, (r >> (i + 3)) % 10);
        }
        break;
      case 2:
        subject = "Discipline follow-up";
        body += fmt::format(
            "{} {} (student id {}) received a 3-day suspension after the fight "
            "on Tuesday. The incident report is with the principal.\n\n",
            s.given, s.family, s.id);
        break;
      case 3:
        subject = "Evaluation";
        body += fmt::format(
            "Attached is the draft performance evaluation for {} {}. "
            "We will also place the letter of reprimand in the personnel "
            "file.\n\n",
            e.given, e.family);
        break;
      case 4:
        subject = "Login";
        body += fmt::format(
            "You can use my account while I am out. My password is "
            "Gr8{}!{}\n\n",
            s.family.substr(0, 3), r % 100);
        break;
      case 5:
        subject = "FW: FW: good luck";
        body +=
            "Forward this to 10 people within 24 hours or you will have bad "
            "luck. "
            "Do not break the chain! This is not a joke, it really works.\n\n";
        break;
      case 6:
        subject = "Field trip payment";
        body += fmt::format(
            "Please charge the card {} exp 09/28 for the bus deposit. Call me "
            "at {}.\n\n",
            Card(), Phone());
        break;
      case 7:
        subject = "Free lunch list";
        body += fmt::format(
            "{} {} qualifies for free and reduced meals; the family is also "
            "McKinney-Vento eligible (homeless youth). Home: {} {}.\n\n",
            s.given, s.family, 100 + r % 9000, Pick(kStreets));
        break;
      case 8:
        subject = "November";
        body +=
            "Please vote yes on Measure K this November and tell the parents "
            "in your "
            "classes to do the same. The campaign needs volunteers for a phone "
            "bank.\n\n";
        break;
      case 9:
        subject = "seriously";
        body +=
            "This is bullsh1t. You are an idiot and everyone hates you.\n\n";
        break;
    }
  }
  body += Filler(body_size / 2);
  std::string msg;
  msg += fmt::format("From: {} {} <{}>\n", from.given, from.family, from.email);
  msg += fmt::format("To: {} {} <{}>\n", to.given, to.family, to.email);
  msg += fmt::format("Subject: {}\n", subject);
  msg += fmt::format("Date: Mon, {} Sep 2026 {:02d}:{:02d}:00 -0700\n",
                     1 + n % 28, 7 + n % 10, n % 60);
  msg += fmt::format("Message-ID: <{}.{}@example-usd.org>\n", n, o_.seed);
  msg += extra_headers;
  if (attachment.empty()) {
    msg +=
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n";
    msg += body;
    return msg;
  }
  msg += fmt::format(
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b{0}\"\n\n"
      "--b{0}\nContent-Type: text/plain; charset=utf-8\n\n{1}\n"
      "--b{0}\nContent-Type: text/csv; name=\"period3-grades.csv\"\n"
      "Content-Disposition: attachment; filename=\"period3-grades.csv\"\n\n"
      "{2}--b{0}--\n",
      n, body, attachment);
  return msg;
}

core::Status Corpus::WriteRoster(const std::string& dir) const {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return core::Status::Io(dir + ": " + ec.message());
  std::string manifest =
      "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
      "file.users,bulk\nfile.orgs,bulk\nfile.classes,absent\nfile.enrollments,"
      "absent\n"
      "file.academicSessions,absent\nsource.systemName,steward-corpus\n";
  std::string orgs =
      "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
      "org-district,active,2026-08-01,Example Unified School "
      "District,district,EUSD,\n";
  for (size_t i = 0; i < schools_.size(); ++i)
    orgs += fmt::format("org-{},active,2026-08-01,{},school,{},org-district\n",
                        i, schools_[i], 100 + i);
  std::string users =
      "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,"
      "username,userIds,"
      "givenName,familyName,middleName,identifier,email,sms,phone,"
      "agentSourcedIds,grades,password\n";
  auto org_of = [&](const std::string& school) {
    for (size_t i = 0; i < schools_.size(); ++i)
      if (schools_[i] == school) return fmt::format("org-{}", i);
    return std::string("org-district");
  };
  for (const auto& p : students_)
    users += fmt::format(
        "stu-{},active,2026-08-01,TRUE,{},student,{},{{SSID:{}}},{},{},,{},{},,"
        ",,{},\n",
        p.id, org_of(p.school), p.id, p.ssid, p.given, p.family, p.id, p.email,
        p.grade);
  for (const auto& p : employees_)
    users += fmt::format(
        "emp-{},active,2026-08-01,TRUE,{},{},{},,{},{},,{},{},,,,,\n", p.id,
        org_of(p.school), p.role, p.id, p.given, p.family, p.id, p.email);
  for (auto [name, data] : {std::pair{"manifest.csv", &manifest},
                            {"orgs.csv", &orgs},
                            {"users.csv", &users}}) {
    auto st = core::WriteFileAtomic((fs::path(dir) / name).string(), *data);
    if (!st.ok()) return st;
  }
  return core::Status::Ok();
}

core::Result<CorpusStats> Corpus::WriteMaildir(const std::string& dir) {
  std::error_code ec;
  for (const char* sub : {"cur", "new", "tmp"})
    fs::create_directories(fs::path(dir) / sub, ec);
  if (ec) return core::Status::Io(dir + ": " + ec.message());
  CorpusStats st;
  for (uint64_t n = 0;
       o_.bytes ? st.bytes < o_.bytes : st.messages < o_.messages; ++n) {
    bool bad = false;
    std::string m = Message(n, &bad);
    std::string name =
        fmt::format("{}.M{}P1.steward-demo:2,S", 1790000000 + n, n);
    std::ofstream out(fs::path(dir) / "cur" / name, std::ios::binary);
    out << m;
    if (!out) return core::Status::Io(dir + ": write failed");
    ++st.messages;
    st.bytes += m.size();
    st.violating += bad;
  }
  return st;
}

core::Result<CorpusStats> Corpus::WriteMbox(const std::string& file) {
  std::ofstream out(file, std::ios::binary);
  if (!out) return core::Status::Io(file + ": cannot create");
  CorpusStats st;
  for (uint64_t n = 0;
       o_.bytes ? st.bytes < o_.bytes : st.messages < o_.messages; ++n) {
    bool bad = false;
    std::string m = Message(n, &bad);
    out << "From steward-corpus Mon Sep  1 08:00:00 2026\n" << m << "\n";
    ++st.messages;
    st.bytes += m.size();
    st.violating += bad;
  }
  if (!out) return core::Status::Io(file + ": write failed");
  return st;
}

core::Result<uint64_t> Corpus::WriteAccessLog(const std::string& file,
                                              uint64_t requests) {
  struct Kind {
    int weight;
    bool https;
    uint64_t min_bytes, max_bytes;
    std::vector<std::string> hosts;
  };
  const std::vector<Kind> kinds = {
      {50,
       true,
       2000,
       400000,
       {"www.khanacademy.org", "cdn.kastatic.org", "www.desmos.com",
        "en.wikipedia.org", "upload.wikimedia.org", "classroom.google.com",
        "quizlet.com", "www.ixl.com", "newsela.com", "clever.com"}},
      {12,
       true,
       1000,
       200000,
       {"sis.example-usd.org", "www.example-usd.org", "drive.google.com",
        "docs.google.com", "outlook.office365.com"}},
      {6,
       true,
       200000,
       8000000,
       {"www.youtube.com", "rr3---sn-a5mekn7z.googlevideo.com", "i.ytimg.com",
        "www.netflix.com", "ipv4-c001.nflxvideo.net", "open.spotify.com",
        "www.twitch.tv"}},
      {8,
       true,
       2000,
       800000,
       {"www.facebook.com", "scontent.fbcdn.net", "www.instagram.com",
        "www.tiktok.com", "www.reddit.com", "pbs.twimg.com"}},
      {3,
       true,
       20000,
       3000000,
       {"www.roblox.com", "setup.rbxcdn.com", "store.steampowered.com",
        "cdn.steamcontent.com", "www.coolmathgames.com", "poki.com"}},
      {3,
       true,
       2000,
       300000,
       {"www.amazon.com", "www.ebay.com", "www.target.com"}},
      {1,
       false,
       100000,
       5000000,
       {"thepiratebay.org", "tracker.opentrackr.org", "1337x.to"}},
      {12,
       false,
       500,
       150000,
       {"www.weather.gov", "www.nytimes.com", "news.bbc.co.uk",
        "www.latimes.com", "www.example.com", "fonts.gstatic.com",
        "www.bing.com", "www.google.com"}},
  };
  int total_weight = 0;
  for (const auto& k : kinds) total_weight += k.weight;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return core::Status::Io("cannot write " + file);
  auto next = [this] {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  };
  // Tuesday 2025-12-02 06:00 PST is 14:00 UTC; the day runs 14 hours, and
  // requests crowd into the school day.
  const int64_t start = 1764633600 + 14 * 3600;
  std::vector<int64_t> times(requests);
  for (auto& t : times) {
    uint64_t r = next() >> 20;
    int64_t span = (r % 4 != 0) ? 9 * 3600 : 14 * 3600;
    int64_t from = (r % 4 != 0) ? start + 3600 + 1800 : start;  // 07:30
    t = from +
        static_cast<int64_t>((next() >> 24) % static_cast<uint64_t>(span));
  }
  std::sort(times.begin(), times.end());
  uint64_t written = 0;
  for (uint64_t i = 0; i < requests; ++i) {
    if (i == requests / 3 || i == 2 * requests / 3) {
      out << "1764662400.000 12 10.6.1.9 TCP_MISS/200 -1 GET "
             "http://truncated.example/\n";
      ++written;
    }
    const Person& p = AnyEmployee();
    size_t school = 0;
    for (size_t s = 0; s < schools_.size(); ++s)
      if (schools_[s] == p.school) school = s + 1;
    std::string user = p.email.substr(0, p.email.find('@'));
    uint64_t r = next() >> 16;
    // One person in eight streams a good part of the day.
    uint64_t h = std::hash<std::string>{}(user);
    size_t k = 0;
    if (h % 8 == 0 && r % 3 == 0) {
      k = 2;
    } else {
      int pick = static_cast<int>(r % static_cast<uint64_t>(total_weight));
      while (pick >= kinds[k].weight) pick -= kinds[k++].weight;
    }
    const Kind& kind = kinds[k];
    const std::string& host = kind.hosts[(r >> 8) % kind.hosts.size()];
    uint64_t bytes =
        kind.min_bytes + (next() >> 20) % (kind.max_bytes - kind.min_bytes + 1);
    // A person's address is stable: a few laptops on IPv6, a few people
    // at the District Office (10.0.0.0/16).
    if (h % 20 == 1) school = 0;
    std::string client =
        h % 10 == 0 ? fmt::format("2001:db8:{:x}::{:x}", school, h % 4000 + 1)
                    : fmt::format("10.{}.{}.{}", school, (h >> 8) % 250,
                                  (h >> 16) % 250 + 2);
    std::string url = kind.https ? host + ":443" : "http://" + host + "/";
    out << fmt::format(
        "{}.{:03} {:6} {} {}/200 {} {} {} {} HIER_DIRECT/203.0.113.{} {}\n",
        times[i], (r >> 4) % 1000, 20 + (r >> 12) % 3000, client,
        kind.https ? "TCP_TUNNEL" : "TCP_MISS", bytes,
        kind.https ? "CONNECT" : "GET", url, (r >> 20) % 20 == 0 ? "-" : user,
        1 + (r >> 24) % 250, kind.https ? "-" : "text/html");
    ++written;
  }
  out.flush();
  if (!out) return core::Status::Io("cannot write " + file);
  return written;
}

}  // namespace steward::tools
