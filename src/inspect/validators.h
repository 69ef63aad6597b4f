// Validators run on a candidate span after the pattern matched (stage 2).
// Each takes the matched text and says whether it is a plausible real value.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "policy/pack.h"

namespace steward::inspect {

// US SSN (post-2011 randomization rules): 9 digits, either bare or with one
// delimiter used throughout ("123-45-6789", "123 45 6789"); area not 000, 666
// or 900-999; group not 00; serial not 0000; well-known sample numbers
// (078-05-1120, 219-09-9999, 123-45-6789 ...) and all-one-digit rejected.
bool ValidSsn(std::string_view s);

// Payment card: 12-19 digits (spaces or dashes allowed between groups), a
// known issuer prefix and length (Visa, Mastercard 51-55 and 2221-2720, Amex
// 34/37, Discover, JCB, Diners, UnionPay, Maestro) and the Luhn checksum;
// issuers' published test numbers are rejected.
bool ValidPaymentCard(std::string_view s);
bool LuhnOk(std::string_view digits);

// NANP phone: 10 digits after an optional +1/1; area and exchange codes start
// 2-9; N11 service codes and 555-01xx fictional numbers rejected. An
// extension ("x793", "ext. 12") is allowed and not counted.
bool ValidNanpPhone(std::string_view s);

// Any phone number (ITU E.164 shapes): 7 to 15 digits before an extension,
// not all one digit, not the NANP's fictional 555-01xx, and not a date
// (2002-09-05, 05.09.2002) or an IPv4 address.
bool ValidPhoneAny(std::string_view s);

// E-mail address: one '@', a local part, a domain with a dot and a TLD of
// letters only; no leading, trailing or double dots.
bool ValidEmail(std::string_view s);

// A calendar date (m/d/yyyy, m-d-yy, yyyy-mm-dd, "March 3, 2011") that
// exists and falls between 1900 and today + 1 year.
bool ValidDate(std::string_view s);

// California driver licence: one letter followed by 7 digits.
bool ValidCaDriverLicense(std::string_view s);

// A driver licence number as written (its shape per state is the pack's
// `formats`): not a date (05-01-2019) or a NANP phone number (555-327-4411)
// written near a licence word.
bool ValidDriverLicense(std::string_view s);

// California SSID: 10 digits, not all the same digit, not a sequence.
bool ValidSsid(std::string_view s);

// Any run of digits that is not all one digit (a generic id check).
bool ValidDigits(std::string_view s);

// Dispatches by the detector's validator; kNone accepts everything.
bool RunValidator(policy::Validator v, std::string_view s);

}  // namespace steward::inspect
