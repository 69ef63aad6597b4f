#include "records/imap.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "core/text.h"

namespace steward::records {

namespace {

// "INBOX;UID=42" (RFC 5092's form) into its mailbox and UID.
bool SplitPath(const std::string& path, std::string* box, uint32_t* uid) {
  size_t at = path.rfind(";UID=");
  if (at == std::string::npos || at == 0) return false;
  auto n = core::ParseInt(std::string_view(path).substr(at + 5), 1, UINT32_MAX,
                          "a UID");
  if (!n.ok()) return false;
  *box = path.substr(0, at);
  *uid = static_cast<uint32_t>(*n);
  return true;
}

int64_t ToUtc(const mailimap_date_time* d) {
  if (!d) return 0;
  struct tm tm {};
  tm.tm_year = d->dt_year - 1900;
  tm.tm_mon = d->dt_month - 1;
  tm.tm_mday = d->dt_day;
  tm.tm_hour = d->dt_hour;
  tm.tm_min = d->dt_min;
  tm.tm_sec = d->dt_sec;
  int zone = d->dt_zone;  // -0700 is -700
  int sign = zone < 0 ? -1 : 1;
  zone *= sign;
  int64_t offset = int64_t{sign} * ((zone / 100) * 3600 + (zone % 100) * 60);
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

// What one FETCH response carries.
struct Fetched {
  uint32_t uid = 0;
  int64_t time = 0;
  int64_t size = -1;
  std::string body;
  bool has_body = false;
};

Fetched Read(const mailimap_msg_att* att) {
  Fetched f;
  for (clistiter* it = clist_begin(att->att_list); it; it = clist_next(it)) {
    auto* item = static_cast<mailimap_msg_att_item*>(clist_content(it));
    if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC) continue;
    const mailimap_msg_att_static* s = item->att_data.att_static;
    switch (s->att_type) {
      case MAILIMAP_MSG_ATT_UID:
        f.uid = s->att_data.att_uid;
        break;
      case MAILIMAP_MSG_ATT_INTERNALDATE:
        f.time = ToUtc(s->att_data.att_internal_date);
        break;
      case MAILIMAP_MSG_ATT_RFC822_SIZE:
        f.size = s->att_data.att_rfc822_size;
        break;
      case MAILIMAP_MSG_ATT_BODY_SECTION:
        if (s->att_data.att_body_section &&
            s->att_data.att_body_section->sec_body_part) {
          f.body.assign(s->att_data.att_body_section->sec_body_part,
                        s->att_data.att_body_section->sec_length);
          f.has_body = true;
        }
        break;
      default:
        break;
    }
  }
  return f;
}

class ImapSource : public Source {
 public:
  ImapSource(mailimap* s, std::string name) : s_(s), name_(std::move(name)) {}
  ~ImapSource() override {
    mailimap_logout(s_);
    mailimap_free(s_);
  }
  const std::string& Name() const override { return name_; }

  core::Result<std::vector<Entry>> List(
      std::vector<std::string>& errors) override {
    clist* list = nullptr;
    int r = mailimap_list(s_, "", "*", &list);
    if (r != MAILIMAP_NO_ERROR) return Fail("LIST", r);
    std::vector<std::pair<std::string, char>> boxes;
    for (clistiter* it = clist_begin(list); it; it = clist_next(it)) {
      auto* mb = static_cast<mailimap_mailbox_list*>(clist_content(it));
      if (mb->mb_flag &&
          mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
          mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
        continue;
      boxes.emplace_back(mb->mb_name, mb->mb_delimiter);
    }
    mailimap_list_result_free(list);
    std::sort(boxes.begin(), boxes.end());
    std::vector<Entry> out;
    for (const auto& [box, delimiter] : boxes) {
      if (auto st = Examine(box); !st.ok()) {
        errors.push_back(box + ": " + st.message());
        continue;
      }
      if (exists_ == 0) continue;
      std::string folder = box;
      if (delimiter != 0 && delimiter != '/')
        std::replace(folder.begin(), folder.end(), delimiter, '/');
      auto fetched = Fetch(mailimap_set_new_interval(1, 0), false);
      if (!fetched.ok()) {
        errors.push_back(box + ": " + fetched.status().message());
        continue;
      }
      for (const Fetched& f : *fetched) {
        if (f.uid == 0) continue;
        Entry e;
        e.path = fmt::format("{};UID={}", box, f.uid);
        e.locator =
            fmt::format("{};UIDVALIDITY={};UID={}", box, uidvalidity_, f.uid);
        e.folder = folder;
        e.mail = true;
        e.time = f.time;
        e.size = f.size;
        e.immutable = true;  // a UID's message never changes (RFC 3501)
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  core::Result<std::string> Read(const std::string& path, uint64_t max_bytes,
                                 Identity* identity) override {
    std::string box;
    uint32_t uid = 0;
    if (!SplitPath(path, &box, &uid))
      return core::Status::Invalid(path + ": not a mailbox and UID");
    if (auto st = Examine(box); !st.ok()) return st;
    // The size first, so a huge message is refused before it is sent.
    auto sized = Fetch(mailimap_set_new_single(uid), false);
    if (!sized.ok()) return sized.status();
    const Fetched* mine = nullptr;
    for (const Fetched& f : *sized)
      if (f.uid == uid) mine = &f;
    if (!mine) return core::Status::NotFound(path + ": no such message");
    if (mine->size > 0 && static_cast<uint64_t>(mine->size) > max_bytes)
      return core::Status::Limit(fmt::format("{}: {} bytes, larger than {}",
                                             path, mine->size, max_bytes));
    auto got = Fetch(mailimap_set_new_single(uid), true);
    if (!got.ok()) return got.status();
    for (Fetched& f : *got)
      if (f.uid == uid && f.has_body) {
        if (identity) *identity = {uidvalidity_, uid};
        return std::move(f.body);
      }
    return core::Status::NotFound(path + ": the server sent no body");
  }

  core::Result<bool> Exists(const std::string& path) override {
    std::string box;
    uint32_t uid = 0;
    if (!SplitPath(path, &box, &uid))
      return core::Status::Invalid(path + ": not a mailbox and UID");
    if (auto st = Examine(box); !st.ok()) return st;
    return Has(uid);
  }

  core::Status Remove(const std::string& path,
                      const Identity& identity) override {
    std::string box;
    uint32_t uid = 0;
    if (!SplitPath(path, &box, &uid))
      return core::Status::Invalid(path + ": not a mailbox and UID");
    if (!mailimap_has_uidplus(s_))
      return core::Status::Unsupported(
          name_ +
          ": the server does not offer UIDPLUS, so one message "
          "cannot be expunged alone");
    selected_.clear();  // read-write from here; examined again after
    int r = mailimap_select(s_, box.c_str());
    if (r != MAILIMAP_NO_ERROR) return Fail("SELECT " + box, r);
    const uint32_t validity =
        s_->imap_selection_info ? s_->imap_selection_info->sel_uidvalidity : 0;
    if (identity != Identity{validity, uid})
      return core::Status::Invalid(
          path +
          ": the mailbox was made anew (another UIDVALIDITY) since "
          "the message was read");
    auto there = Has(uid);
    if (!there.ok()) return there.status();
    if (!*there) return core::Status::NotFound(path + ": no such message");
    r = Store(uid, true);
    if (r == MAILIMAP_NO_ERROR) {
      mailimap_set* set = mailimap_set_new_single(uid);
      r = mailimap_uid_expunge(s_, set);
      mailimap_set_free(set);
    }
    if (r == MAILIMAP_NO_ERROR) return {};
    core::Status failed = Fail("UID EXPUNGE", r);
    // Gone all the same (the answer was lost)? Else the flag comes off
    // again, so that no other client's expunge removes it later.
    auto still = Has(uid);
    if (still.ok() && !*still) return {};
    (void)Store(uid, false);
    return failed;
  }

 private:
  // Whether the open folder holds `uid`.
  core::Result<bool> Has(uint32_t uid) {
    auto got = Fetch(mailimap_set_new_single(uid), false);
    if (!got.ok()) return got.status();
    for (const Fetched& f : *got)
      if (f.uid == uid) return true;
    return false;
  }

  // UID STORE +FLAGS.SILENT (\Deleted), or -FLAGS when `add` is false.
  int Store(uint32_t uid, bool add) {
    mailimap_flag_list* flags = mailimap_flag_list_new_empty();
    mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
    mailimap_store_att_flags* store =
        add ? mailimap_store_att_flags_new_add_flags_silent(flags)
            : mailimap_store_att_flags_new_remove_flags_silent(flags);
    mailimap_set* set = mailimap_set_new_single(uid);
    int r = mailimap_uid_store(s_, set, store);
    mailimap_store_att_flags_free(store);
    mailimap_set_free(set);
    return r;
  }

  core::Status Fail(const std::string& what, int code) const {
    std::string said;
    if (s_->imap_response) said = std::string(": ") + s_->imap_response;
    if (core::HasControlChars(said)) said.clear();
    return core::Status::Io(fmt::format("{}: {} failed (libetpan error {}){}",
                                        name_, what, code, said));
  }

  // Opens a folder read-only (EXAMINE): reading changes no flag.
  core::Status Examine(const std::string& box) {
    if (selected_ == box) return {};
    selected_.clear();
    int r = mailimap_examine(s_, box.c_str());
    if (r != MAILIMAP_NO_ERROR) return Fail("EXAMINE " + box, r);
    selected_ = box;
    uidvalidity_ =
        s_->imap_selection_info ? s_->imap_selection_info->sel_uidvalidity : 0;
    exists_ = s_->imap_selection_info ? s_->imap_selection_info->sel_exists : 0;
    return {};
  }

  // UID FETCH of `set` (taken) for UID, INTERNALDATE and RFC822.SIZE, and
  // with `body` BODY.PEEK[].
  core::Result<std::vector<Fetched>> Fetch(mailimap_set* set, bool body) {
    mailimap_fetch_type* type = mailimap_fetch_type_new_fetch_att_list_empty();
    mailimap_fetch_type_new_fetch_att_list_add(type,
                                               mailimap_fetch_att_new_uid());
    mailimap_fetch_type_new_fetch_att_list_add(
        type, mailimap_fetch_att_new_internaldate());
    mailimap_fetch_type_new_fetch_att_list_add(
        type, mailimap_fetch_att_new_rfc822_size());
    if (body)
      mailimap_fetch_type_new_fetch_att_list_add(
          type, mailimap_fetch_att_new_body_peek_section(
                    mailimap_section_new(nullptr)));
    clist* result = nullptr;
    int r = mailimap_uid_fetch(s_, set, type, &result);
    mailimap_fetch_type_free(type);
    mailimap_set_free(set);
    if (r != MAILIMAP_NO_ERROR) return Fail("UID FETCH", r);
    std::vector<Fetched> out;
    for (clistiter* it = clist_begin(result); it; it = clist_next(it))
      out.push_back(
          records::Read(static_cast<mailimap_msg_att*>(clist_content(it))));
    mailimap_fetch_list_free(result);
    return out;
  }

  mailimap* s_;
  std::string name_;
  std::string selected_;
  uint32_t uidvalidity_ = 0;
  uint32_t exists_ = 0;
};

}  // namespace

std::string ImapAccount::Name() const {
  std::string mailbox = user.substr(0, user.find('*'));
  return fmt::format("{}://{}:{}/{}",
                     tls == ImapTls::kImplicit ? "imaps" : "imap", host, port,
                     mailbox);
}

std::optional<ImapTls> ParseImapTls(std::string_view s) {
  if (s == "starttls") return ImapTls::kStartTls;
  if (s == "imaps") return ImapTls::kImplicit;
  if (s == "none") return ImapTls::kNone;
  return std::nullopt;
}

core::Result<ImapAccount> ParseImapUrl(const std::string& url) {
  ImapAccount a;
  std::string rest;
  if (url.rfind("imaps://", 0) == 0) {
    a.tls = ImapTls::kImplicit;
    a.port = 993;
    rest = url.substr(8);
  } else if (url.rfind("imap://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return core::Status::Invalid("'" + url +
                                 "' is not an imap:// or imaps:// address");
  }
  if (size_t slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  size_t at = rest.rfind('@');
  if (at == std::string::npos || at == 0)
    return core::Status::Invalid(
        "give the user in the address: imap://USER@HOST:PORT");
  a.user = rest.substr(0, at);
  if (a.user.find(':') != std::string::npos)
    return core::Status::Invalid(
        "no password in the address: give it in a file with "
        "--imap-password-file");
  std::string hostport = rest.substr(at + 1);
  if (size_t colon = hostport.rfind(':'); colon != std::string::npos) {
    auto port =
        core::ParseInt(hostport.substr(colon + 1), 1, 65535, "the port");
    if (!port.ok()) return port.status();
    a.port = static_cast<uint16_t>(*port);
    hostport.resize(colon);
  }
  a.host = hostport;
  if (a.host.empty() || core::HasControlChars(a.host) ||
      core::HasControlChars(a.user) ||
      a.host.find_first_of(" @") != std::string::npos)
    return core::Status::Invalid("'" + url + "' is not an imap:// address");
  return a;
}

namespace {

// Whether `host` is an address, not a name (no SNI for it: RFC 6066).
bool IsAddress(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The certificates the server sent (its own first, then the intermediate
// authorities), as the TLS handshake left them in `stream`; empty when it
// sent none.
std::vector<gnutls_x509_crt_t> PeerChain(mailstream* stream) {
  std::vector<gnutls_x509_crt_t> out;
  // libetpan's chain is only defined when the server sent a certificate.
  unsigned char* der = nullptr;
  ssize_t n = stream ? mailstream_ssl_get_certificate(stream, &der) : -1;
  free(der);
  if (n <= 0) return out;
  carray* chain = mailstream_get_certificate_chain(stream);
  if (!chain) return out;
  for (unsigned i = 0; i < carray_count(chain); ++i) {
    auto* str = static_cast<MMAPString*>(carray_get(chain, i));
    gnutls_x509_crt_t crt = nullptr;
    gnutls_datum_t datum{reinterpret_cast<unsigned char*>(str->str),
                         static_cast<unsigned>(str->len)};
    if (gnutls_x509_crt_init(&crt) < 0) break;
    if (gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_DER) < 0) {
      gnutls_x509_crt_deinit(crt);
      break;
    }
    out.push_back(crt);
  }
  mailstream_certificate_chain_free(chain);
  return out;
}

// The server's certificate is valid for `a.host`, for a TLS server, and
// leads (through the authorities the server sent) to an authority of
// `a.ca_file` or of the system. libetpan makes the connection but checks
// nothing.
core::Status VerifyServer(mailstream* stream, const ImapAccount& a) {
  const std::string server = fmt::format("{}:{}", a.host, a.port);
  std::vector<gnutls_x509_crt_t> chain = PeerChain(stream);
  if (chain.empty())
    return core::Status::Io("the IMAP server " + server +
                            " sent no certificate that can be read");
  gnutls_x509_trust_list_t trust = nullptr;
  core::Status st;
  if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
    st = core::Status::Io("out of memory");
  } else {
    int added =
        a.ca_file.empty()
            ? gnutls_x509_trust_list_add_system_trust(trust, 0, 0)
            : gnutls_x509_trust_list_add_trust_file(
                  trust, a.ca_file.c_str(), nullptr, GNUTLS_X509_FMT_PEM, 0, 0);
    unsigned status = 0;
    std::string host = a.host;
    gnutls_typed_vdata_st data[2] = {};
    data[0].type = GNUTLS_DT_DNS_HOSTNAME;
    data[0].data = reinterpret_cast<unsigned char*>(host.data());
    data[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
    data[1].data = reinterpret_cast<unsigned char*>(
        const_cast<char*>(GNUTLS_KP_TLS_WWW_SERVER));
    if (added <= 0) {
      const std::string why =
          added < 0 ? std::string(": ") + gnutls_strerror(added) : "";
      st = core::Status::Invalid(
          a.ca_file.empty()
              ? "no certificate authorities in the system's store" + why +
                    ": give the one that signs the IMAP server's "
                    "certificate with --imap-ca"
              : a.ca_file + ": no certificate authority read from it (PEM)" +
                    why);
    } else if (gnutls_x509_trust_list_verify_crt2(
                   trust, chain.data(), static_cast<unsigned>(chain.size()),
                   data, 2, 0, &status, nullptr) < 0 ||
               status != 0) {
      gnutls_datum_t printed{};
      std::string reason = "it is not valid";
      if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
                                                       &printed, 0) == 0 &&
          printed.data) {
        reason = reinterpret_cast<const char*>(printed.data);
        gnutls_free(printed.data);
      }
      while (!reason.empty() && reason.back() == ' ') reason.pop_back();
      st = core::Status::Io(fmt::format(
          "the IMAP server {} is not trusted: {} (its certificate must name "
          "{} and come from {})",
          server, reason, a.host,
          a.ca_file.empty() ? "an authority the system trusts"
                            : "an authority in " + a.ca_file));
    }
  }
  if (trust) gnutls_x509_trust_list_deinit(trust, 1);
  for (auto* crt : chain) gnutls_x509_crt_deinit(crt);
  return st;
}

// The name the server is asked for (SNI) during the handshake; none for
// an address.
void ServerName(mailstream_ssl_context* ctx, void* host) {
  if (host) mailstream_ssl_set_server_name(ctx, static_cast<char*>(host));
}

}  // namespace

core::Result<std::unique_ptr<Source>> OpenImap(const ImapAccount& a) {
  mailimap* s = mailimap_new(0, nullptr);
  if (!s) return core::Status::Io("out of memory");
  mailimap_set_timeout(s, a.timeout_seconds);
  std::string host = a.host;
  char* sni = IsAddress(host) ? nullptr : host.data();
  int r = a.tls == ImapTls::kImplicit
              ? mailimap_ssl_connect_with_callback(s, a.host.c_str(), a.port,
                                                   ServerName, sni)
              : mailimap_socket_connect(s, a.host.c_str(), a.port);
  if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
      r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
    mailimap_free(s);
    return core::Status::Io(fmt::format(
        "cannot reach the IMAP server {}:{}{} (libetpan error {})", a.host,
        a.port, a.tls == ImapTls::kImplicit ? " over TLS" : "", r));
  }
  auto fail = [&](core::Status st) {
    mailimap_logout(s);
    mailimap_free(s);
    return st;
  };
  if (a.tls == ImapTls::kStartTls) {
    r = mailimap_socket_starttls_with_callback(s, ServerName, sni);
    if (r != MAILIMAP_NO_ERROR)
      return fail(core::Status::Io(fmt::format(
          "the IMAP server {}:{} did not start TLS (STARTTLS: libetpan error "
          "{}); the password is not sent in plain text: use imaps:// if it "
          "offers TLS on its own port, or --imap-tls none on a network you "
          "trust",
          a.host, a.port, r)));
  }
  if (a.tls != ImapTls::kNone)
    if (auto st = VerifyServer(s->imap_stream, a); !st.ok()) return fail(st);
  r = mailimap_login(s, a.user.c_str(), a.password.c_str());
  if (r != MAILIMAP_NO_ERROR)
    return fail(core::Status::Invalid(
        fmt::format("the IMAP server {}:{} refused the login of {}", a.host,
                    a.port, a.user)));
  return std::unique_ptr<Source>(new ImapSource(s, a.Name()));
}

}  // namespace steward::records
