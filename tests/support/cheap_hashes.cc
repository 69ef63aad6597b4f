// Linked into the test binaries that sign in hundreds of times (store and
// portal tests): new password hashes there cost libsodium's minimum instead
// of 64 MiB each (identity/passwords.cc reads this weak symbol). The unit
// tests do not link it and check the production cost; the steward binary
// cannot link it.
extern "C" bool steward_cheap_password_hashes_for_tests() { return true; }
