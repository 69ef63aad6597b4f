#include "publish/photo.h"

#include <fmt/format.h>

#include <cmath>
#include <exiv2/exiv2.hpp>
#include <mutex>

namespace steward::publish {

namespace {

std::once_flag xmp_once;

// A value as text, trimmed, with exiv2's "lang=..." prefix of XMP
// language alternatives removed.
std::string Clean(std::string s) {
  if (s.starts_with("lang=")) {
    size_t sp = s.find(' ');
    s = sp == std::string::npos ? "" : s.substr(sp + 1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

// Degrees from an EXIF GPS rational triple (degrees, minutes, seconds).
bool Degrees(const Exiv2::Value& v, double* out) {
  if (v.count() < 3) return false;
  double d = 0;
  for (long i = 0; i < 3; ++i) {
    Exiv2::Rational r = v.toRational(i);
    if (r.second == 0) return false;
    d += static_cast<double>(r.first) / r.second / std::pow(60.0, i);
  }
  *out = d;
  return std::isfinite(d);
}

}  // namespace

core::Result<PhotoFacts> ReadPhoto(std::string_view bytes) {
  std::call_once(xmp_once, [] {
    Exiv2::XmpParser::initialize();
    // A damaged image is an error value here, not lines on stderr.
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
  });
  PhotoFacts f;
  try {
    Exiv2::Image::AutoPtr image = Exiv2::ImageFactory::open(
        reinterpret_cast<const Exiv2::byte*>(bytes.data()),
        static_cast<long>(bytes.size()));
    if (!image.get()) return core::Status::NotFound("not an image");
    image->readMetadata();
    const Exiv2::ExifData& exif = image->exifData();
    const Exiv2::IptcData& iptc = image->iptcData();
    const Exiv2::XmpData& xmp = image->xmpData();
    auto exif_text = [&](const char* key) -> std::string {
      auto it = exif.findKey(Exiv2::ExifKey(key));
      return it == exif.end() ? std::string() : Clean(it->toString());
    };
    double lat = 0, lon = 0;
    auto la = exif.findKey(Exiv2::ExifKey("Exif.GPSInfo.GPSLatitude"));
    auto lo = exif.findKey(Exiv2::ExifKey("Exif.GPSInfo.GPSLongitude"));
    if (la != exif.end() && lo != exif.end() && Degrees(la->value(), &lat) &&
        Degrees(lo->value(), &lon)) {
      if (exif_text("Exif.GPSInfo.GPSLatitudeRef") == "S") lat = -lat;
      if (exif_text("Exif.GPSInfo.GPSLongitudeRef") == "W") lon = -lon;
      f.has_gps = true;
      f.gps = fmt::format("{:.4f}, {:.4f}", lat, lon);
    }
    for (const char* k :
         {"Exif.Image.ImageDescription", "Exif.Photo.UserComment",
          "Exif.Image.XPTitle", "Exif.Image.XPComment", "Exif.Image.XPSubject",
          "Exif.Image.XPKeywords"}) {
      std::string t = exif_text(k);
      if (t.starts_with("charset=")) t = Clean(t.substr(t.find(' ') + 1));
      if (!t.empty()) f.texts.push_back(t);
    }
    for (const auto& d : iptc) {
      const std::string key = d.key();
      std::string t = Clean(d.toString());
      if (t.empty()) continue;
      if (key == "Iptc.Application2.Caption" ||
          key == "Iptc.Application2.Headline" ||
          key == "Iptc.Application2.ObjectName" ||
          key == "Iptc.Application2.Keywords" ||
          key == "Iptc.Application2.SubLocation")
        f.texts.push_back(t);
      else if (key == "Iptc.Application2.Byline" && f.creator.empty())
        f.creator = t;
      else if (key == "Iptc.Application2.Copyright" && f.copyright.empty())
        f.copyright = t;
    }
    for (const auto& d : xmp) {
      const std::string key = d.key();
      std::string t = Clean(d.toString());
      if (t.empty()) continue;
      if (key == "Xmp.dc.description" || key == "Xmp.dc.title" ||
          key == "Xmp.dc.subject" || key == "Xmp.photoshop.Headline" ||
          key.starts_with("Xmp.iptcExt.PersonInImage"))
        f.texts.push_back(t);
      else if (key == "Xmp.dc.creator" && f.creator.empty())
        f.creator = t;
      else if (key == "Xmp.dc.rights" && f.copyright.empty())
        f.copyright = t;
    }
    if (f.creator.empty()) f.creator = exif_text("Exif.Image.Artist");
    if (f.copyright.empty()) f.copyright = exif_text("Exif.Image.Copyright");
  } catch (const Exiv2::AnyError& e) {
    return core::Status::Invalid(std::string("image metadata: ") + e.what());
  } catch (const std::exception& e) {
    return core::Status::Invalid(std::string("image metadata: ") + e.what());
  }
  return f;
}

}  // namespace steward::publish
