// The vendor registry on both stores: a vendor's domains are its own; an
// agreement is in force only from its first day to the day before it
// expires, and only once every term of the pack is checked off with
// evidence and the vendor's attestation is kept; what the doors read
// (InForce) follows; ending is once, with a reason; every step audited.
#include "vendors/vendors.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "audit/chain.h"
#include "core/text.h"
#include "test_store.h"
#include "test_util.h"

namespace steward {
namespace {

using testing::StoreTest;
using vendors::Standing;

std::string DayText(int64_t offset_days, const std::string& today) {
  auto d = core::ParseIsoDate(today, 2000, 2200, "today");
  return core::IsoUtc((*d + offset_days) * 86400).substr(0, 10);
}

class VendorsTest : public StoreTest {
 protected:
  const policy::PolicyPack& Pack() { return testing::BundledEngine().pack(); }
  const audit::Actor kIts{"itsadmin", "10.0.0.3"};

  int64_t AddGradebook() {
    auto id = vendors::AddVendor(
        *db_, Pack(),
        {.name = "Gradebook Co",
         .product = "Gradebook",
         .domains = {"Gradebook.Example.NET", "gb-mail.example.org"}},
        kIts);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  int64_t AddAgreement(int64_t vendor, int64_t from, int64_t to) {
    const std::string today = vendors::Today(Pack());
    auto id = vendors::AddAgreement(
        *db_, Pack(), vendor,
        {.title = "Hosting agreement",
         .signed_on = DayText(from - 1, today),
         .starts_on = DayText(from, today),
         .expires_on = DayText(to, today),
         .categories = {"student-id", "grades-transcript"}},
        kIts);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  void Complete(int64_t agreement) {
    for (const auto& t : Pack().vendors.terms)
      ASSERT_TRUE(vendors::CheckTerm(*db_, Pack(), agreement, t.id,
                                     "section 4, page 2", kIts)
                      .ok());
    ASSERT_TRUE(vendors::Attest(*db_, agreement, "Pat Vendor", "2026-01-05",
                                "2026-12-31", kIts)
                    .ok());
  }

  std::vector<std::string> Approved() {
    auto list = vendors::InForce(*db_, Pack().vendors, vendors::Today(Pack()));
    EXPECT_TRUE(list.ok());
    std::vector<std::string> out;
    if (list.ok())
      for (const auto& a : list->approved) out.push_back(a.domain);
    return out;
  }

  Standing StandingOf(int64_t agreement) {
    auto a = vendors::GetAgreement(*db_, agreement);
    EXPECT_TRUE(a.ok());
    return vendors::PositionOf(*a, Pack().vendors, vendors::Today(Pack()))
        .standing;
  }
};
STEWARD_BOTH_BACKENDS(VendorsTest);

TEST_P(VendorsTest, AnAgreementApprovesOnlyOnceCompleteAndOnlyWhileItRuns) {
  ASSERT_FALSE(Pack().vendors.terms.empty()) << "the bundled pack's terms";
  int64_t v = AddGradebook();
  int64_t a = AddAgreement(v, -30, 300);
  EXPECT_EQ(StandingOf(a), Standing::kIncomplete);
  EXPECT_TRUE(Approved().empty()) << "no term checked yet";
  auto list = vendors::InForce(*db_, Pack().vendors, vendors::Today(Pack()));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->known, (std::vector<std::string>{"gradebook.example.net",
                                                   "gb-mail.example.org"}))
      << "known, lower-cased, though approved for nothing";
  // Every term but the last: still incomplete, and it says what is missing.
  const auto& terms = Pack().vendors.terms;
  for (size_t i = 0; i + 1 < terms.size(); ++i)
    ASSERT_TRUE(
        vendors::CheckTerm(*db_, Pack(), a, terms[i].id, "s. 4", kIts).ok());
  auto got = vendors::GetAgreement(*db_, a);
  ASSERT_TRUE(got.ok());
  auto pos = vendors::PositionOf(*got, Pack().vendors, vendors::Today(Pack()));
  EXPECT_EQ(pos.missing,
            (std::vector<std::string>{terms.back().id, "attestation"}));
  Complete(a);
  EXPECT_EQ(StandingOf(a), Standing::kInForce);
  EXPECT_EQ(Approved(), (std::vector<std::string>{"gradebook.example.net",
                                                  "gb-mail.example.org"}));
  auto log = audit::List(*db_, {.action = "vendor.term"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), terms.size() * 2 - 1) << "each check, kept";
}

TEST_P(VendorsTest, AnAgreementStopsApprovingOnTheDayItExpires) {
  int64_t v = AddGradebook();
  int64_t today = AddAgreement(v, -30, 0);
  Complete(today);
  EXPECT_EQ(StandingOf(today), Standing::kExpired);
  EXPECT_TRUE(Approved().empty());
  int64_t later = AddAgreement(v, 1, 365);
  Complete(later);
  EXPECT_EQ(StandingOf(later), Standing::kNotYet);
  EXPECT_TRUE(Approved().empty());
  int64_t now = AddAgreement(v, 0, 1);
  Complete(now);
  EXPECT_EQ(StandingOf(now), Standing::kInForce) << "its first day counts";
  auto got = vendors::GetAgreement(*db_, now);
  ASSERT_TRUE(got.ok());
  auto pos = vendors::PositionOf(*got, Pack().vendors, vendors::Today(Pack()));
  EXPECT_TRUE(pos.expiring);
  EXPECT_EQ(pos.days_left, 1);
  EXPECT_EQ(Approved().size(), 2u);
  // Ended early: at once, with a reason, once.
  EXPECT_FALSE(vendors::End(*db_, now, " ", kIts).ok()) << "a reason";
  ASSERT_TRUE(vendors::End(*db_, now, "Breach notified 2026-12-01", kIts).ok());
  EXPECT_EQ(StandingOf(now), Standing::kEnded);
  EXPECT_TRUE(Approved().empty());
  auto again = vendors::End(*db_, now, "again", kIts);
  EXPECT_EQ(again.code(), core::Code::kInvalidArgument);
  EXPECT_FALSE(
      vendors::CheckTerm(*db_, Pack(), now, "security", "s. 9", kIts).ok())
      << "an ended agreement is not changed";
}

TEST_P(VendorsTest, BadInputIsRefusedWithItsReason) {
  struct Case {
    vendors::NewVendor v;
    std::string says;
  };
  const Case cases[] = {
      {{.name = "", .domains = {"a.example.net"}}, "name"},
      {{.name = "A\nB", .domains = {"a.example.net"}}, "one line"},
      {{.name = "A", .domains = {}}, "domain"},
      {{.name = "A", .domains = {"https://a.example.net"}}, "not a domain"},
      {{.name = "A", .domains = {"a@example.net"}}, "not a domain"},
      {{.name = "A", .domains = {"localhost"}}, "not a domain"},
      {{.name = "A", .domains = {"a..example.net"}}, "not a domain"},
      {{.name = "A", .domains = {"-a.example.net"}}, "not a domain"},
      {{.name = "A", .domains = {"mail.example-usd.org"}}, "District's own"},
      {{.name = "A", .domains = {"example-usd.org"}}, "District's own"},
      {{.name = "A", .domains = {"x.example.net", "a.x.example.net"}},
       "overlap"},
      {{.name = "A", .domains = {"10.0.0.1"}}, "IP address"},
      {{.name = "A", .domains = {"169.254.169.254"}}, "IP address"},
      {{.name = "A", .domains = {"co.uk"}}, "public suffix"},
      {{.name = "A", .domains = {"com.au"}}, "public suffix"},
      {{.name = "A", .domains = {"bidi\u202e.example.com"}}, "not a domain"},
  };
  for (const auto& c : cases) {
    auto id = vendors::AddVendor(*db_, Pack(), c.v, kIts);
    ASSERT_FALSE(id.ok()) << c.says;
    EXPECT_NE(id.status().message().find(c.says), std::string::npos)
        << id.status().message();
  }
  int64_t v = AddGradebook();
  auto taken = vendors::AddVendor(
      *db_, Pack(), {.name = "Other", .domains = {"eu.gradebook.example.net"}},
      kIts);
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.status().message().find("already vendor"), std::string::npos);
  struct ACase {
    vendors::NewAgreement a;
    std::string says;
  };
  const ACase acases[] = {
      {{.kind = "verbal",
        .title = "T",
        .signed_on = "2026-01-01",
        .starts_on = "2026-01-01",
        .expires_on = "2027-01-01",
        .categories = {"student-id"}},
       "signed, or a general offer"},
      {{.title = "T",
        .signed_on = "2026-02-30",
        .starts_on = "2026-03-01",
        .expires_on = "2027-01-01",
        .categories = {"student-id"}},
       "signed"},
      {{.title = "T",
        .signed_on = "2026-01-01",
        .starts_on = "2026-03-01",
        .expires_on = "2026-03-01",
        .categories = {"student-id"}},
       "expires after it begins"},
      {{.title = "T",
        .signed_on = "2026-04-01",
        .starts_on = "2026-03-01",
        .expires_on = "2027-03-01",
        .categories = {"student-id"}},
       "on or after the day it is signed"},
      {{.title = "T",
        .signed_on = "2026-01-01",
        .starts_on = "2026-03-01",
        .expires_on = "2199-03-01",
        .categories = {"student-id"}},
       "20 years"},
      {{.title = "T",
        .signed_on = "2026-01-01",
        .starts_on = "2026-03-01",
        .expires_on = "2027-03-01",
        .categories = {}},
       "kinds of data"},
      {{.title = "T",
        .signed_on = "2026-01-01",
        .starts_on = "2026-03-01",
        .expires_on = "2027-03-01",
        .categories = {"everything"}},
       "no data category"},
  };
  for (const auto& c : acases) {
    auto id = vendors::AddAgreement(*db_, Pack(), v, c.a, kIts);
    ASSERT_FALSE(id.ok()) << c.says;
    EXPECT_NE(id.status().message().find(c.says), std::string::npos)
        << id.status().message();
  }
  EXPECT_EQ(vendors::AddAgreement(*db_, Pack(), 999, acases[1].a, kIts)
                .status()
                .code(),
            core::Code::kInvalidArgument)
      << "the dates are checked first";
  int64_t a = AddAgreement(v, -1, 30);
  EXPECT_FALSE(
      vendors::CheckTerm(*db_, Pack(), a, "no-such-term", "s", kIts).ok());
  EXPECT_FALSE(
      vendors::CheckTerm(*db_, Pack(), a, "security", " \u200b ", kIts).ok())
      << "evidence required";
  EXPECT_EQ(vendors::CheckTerm(*db_, Pack(), 999, "security", "s", kIts).code(),
            core::Code::kNotFound);
  EXPECT_FALSE(
      vendors::Attest(*db_, a, "Pat", "2026-12-06", "2026-12-05", kIts).ok())
      << "not in the future";
  ASSERT_TRUE(
      vendors::Attest(*db_, a, "Pat\x1b[2J", "2026-01-01", "2026-12-05", kIts)
          .ok());
  EXPECT_FALSE(
      vendors::Attest(*db_, a, "Other", "2026-01-01", "2026-12-05", kIts).ok())
      << "kept once";
  EXPECT_EQ(vendors::GetAgreement(*db_, a)->attested_by.find('\x1b'),
            std::string::npos);
}

TEST_P(VendorsTest, ParallelAddsNeverShareADomain) {
  std::atomic<int> added{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      auto id = vendors::AddVendor(
          *db_, Pack(),
          {.name = "V" + std::to_string(i),
           .domains = {i % 2 ? "cloud.example.net" : "a.cloud.example.net"}},
          kIts);
      if (id.ok()) ++added;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(added.load(), 1);
}

}  // namespace
}  // namespace steward
