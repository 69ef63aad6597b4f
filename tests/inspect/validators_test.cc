// Validators: true positives, near misses, and look-alikes that must not pass.
#include "inspect/validators.h"

#include <gtest/gtest.h>

namespace steward::inspect {
namespace {

TEST(Ssn, AcceptsRealShapes) {
  EXPECT_TRUE(ValidSsn("536-22-8145"));
  EXPECT_TRUE(ValidSsn("536 22 8145"));
  EXPECT_TRUE(ValidSsn("536228145"));
  EXPECT_TRUE(ValidSsn("772-01-0001"));  // post-2011: 7xx areas are issued
}

TEST(Ssn, RejectsImpossibleAreasGroupsSerials) {
  EXPECT_FALSE(ValidSsn("000-12-3456"));
  EXPECT_FALSE(ValidSsn("666-12-3456"));
  EXPECT_FALSE(ValidSsn("900-12-3456"));
  EXPECT_FALSE(ValidSsn("999-12-3456"));
  EXPECT_FALSE(ValidSsn("536-00-8145"));
  EXPECT_FALSE(ValidSsn("536-22-0000"));
}

TEST(Ssn, RejectsMixedDelimitersAndWrongGrouping) {
  EXPECT_FALSE(ValidSsn("536-22 8145"));
  EXPECT_FALSE(ValidSsn("536.22-8145"));
  EXPECT_FALSE(ValidSsn("5362-2-8145"));
  EXPECT_FALSE(ValidSsn("536-22-814"));
}

TEST(Ssn, RejectsKnownSamplesAndRepeats) {
  EXPECT_FALSE(ValidSsn("078-05-1120"));  // the Woolworth wallet card
  EXPECT_FALSE(ValidSsn("219-09-9999"));
  EXPECT_FALSE(ValidSsn("123-45-6789"));
  EXPECT_FALSE(ValidSsn("111-11-1111"));
}

TEST(PaymentCard, LuhnAndIssuer) {
  EXPECT_TRUE(ValidPaymentCard("4539 1488 0343 6467"));   // Visa
  EXPECT_TRUE(ValidPaymentCard("5425-2334-3010-9903"));   // Mastercard
  EXPECT_TRUE(ValidPaymentCard("2223000048410010"));      // Mastercard 2-series
  EXPECT_TRUE(ValidPaymentCard("374245455400126"));       // Amex
  EXPECT_FALSE(ValidPaymentCard("4539 1488 0343 6468"));  // Luhn fails
  EXPECT_FALSE(ValidPaymentCard("9539148803436467"));     // no issuer 9
  EXPECT_FALSE(ValidPaymentCard("0000000000000000"));
  EXPECT_FALSE(ValidPaymentCard("4111111111111111"));  // issuer test number
  EXPECT_FALSE(ValidPaymentCard("4539x1488x0343x6467"));
}

TEST(Luhn, Basics) {
  EXPECT_TRUE(LuhnOk("79927398713"));
  EXPECT_FALSE(LuhnOk("79927398710"));
}

TEST(Phone, Nanp) {
  EXPECT_TRUE(ValidNanpPhone("(559) 327-4411"));
  EXPECT_TRUE(ValidNanpPhone("+1 559.327.4411"));
  EXPECT_TRUE(ValidNanpPhone("559-327-4411"));
  EXPECT_FALSE(ValidNanpPhone("(059) 327-4411"));  // area starts 0
  EXPECT_FALSE(ValidNanpPhone("559-127-4411"));    // exchange starts 1
  EXPECT_FALSE(ValidNanpPhone("911-327-4411"));    // N11 area
  EXPECT_FALSE(ValidNanpPhone("559-555-0123"));    // fictional 555-01xx
  EXPECT_FALSE(ValidNanpPhone("559-327-441"));
  // Extensions are not part of the number.
  EXPECT_TRUE(ValidNanpPhone("345-899-3560x4587"));
  EXPECT_TRUE(ValidNanpPhone("(559) 327-4411 ext. 12"));
  EXPECT_FALSE(ValidNanpPhone("559-127-4411 x12"));
}

TEST(Phone, AnyShape) {
  EXPECT_TRUE(ValidPhoneAny("+41 (0)96 471 07 95"));
  EXPECT_TRUE(ValidPhoneAny("03.93.92.16.85"));
  EXPECT_TRUE(ValidPhoneAny("467 3395"));
  EXPECT_TRUE(ValidPhoneAny("0961-7596216 x12"));
  EXPECT_FALSE(ValidPhoneAny("12 34"));           // too short
  EXPECT_FALSE(ValidPhoneAny("2002-09-05"));      // a date
  EXPECT_FALSE(ValidPhoneAny("05.09.2002"));      // a date
  EXPECT_FALSE(ValidPhoneAny("192.168.10.254"));  // an address on a network
  EXPECT_FALSE(ValidPhoneAny("000 000 0000"));
}

TEST(Email, Shapes) {
  EXPECT_TRUE(ValidEmail("jane.doe@gmail.com"));
  EXPECT_TRUE(ValidEmail("a+b@students.example-usd.org"));
  EXPECT_FALSE(ValidEmail("jane..doe@gmail.com"));
  EXPECT_FALSE(ValidEmail(".jane@gmail.com"));
  EXPECT_FALSE(ValidEmail("jane@gmail"));
  EXPECT_FALSE(ValidEmail("jane@gmail.c0m"));
  EXPECT_FALSE(ValidEmail("a@b@c.org"));
}

TEST(Date, Calendar) {
  EXPECT_TRUE(ValidDate("03/14/2012"));
  EXPECT_TRUE(ValidDate("2012-03-14"));
  EXPECT_TRUE(ValidDate("March 14, 2012"));
  EXPECT_TRUE(ValidDate("14 March 2012"));
  EXPECT_TRUE(ValidDate("2/29/2012"));
  EXPECT_FALSE(ValidDate("2/29/2013"));  // not a leap year
  EXPECT_FALSE(ValidDate("13/01/2012"));
  EXPECT_FALSE(ValidDate("04/31/2012"));
  EXPECT_FALSE(ValidDate("01/01/1850"));
  EXPECT_FALSE(ValidDate("01/01/2999"));
}

TEST(DriverLicense, California) {
  EXPECT_TRUE(ValidCaDriverLicense("D1234567"));
  EXPECT_FALSE(ValidCaDriverLicense("D123456"));
  EXPECT_FALSE(ValidCaDriverLicense("11234567"));
  EXPECT_FALSE(ValidCaDriverLicense("D0000000"));
}

TEST(Ssid, TenDigits) {
  EXPECT_TRUE(ValidSsid("4829103756"));
  EXPECT_FALSE(ValidSsid("1234567890"));
  EXPECT_FALSE(ValidSsid("5555555555"));
  EXPECT_FALSE(ValidSsid("482910375"));
}

TEST(RunValidator, DispatchesByTheDetectorsValidator) {
  using policy::Validator;
  EXPECT_TRUE(RunValidator(Validator::kNone, "anything"));
  EXPECT_TRUE(RunValidator(Validator::kSsn, "536-22-8145"));
  EXPECT_FALSE(RunValidator(Validator::kSsn, "666-22-8145"));
  EXPECT_FALSE(RunValidator(Validator::kLuhn, "536-22-8145"));
}

}  // namespace
}  // namespace steward::inspect
