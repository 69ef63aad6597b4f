// What a photo's metadata says (EXIF, IPTC, XMP, through exiv2): where it
// was taken, who it names, who owns it. Pure: bytes in, facts out; a file
// exiv2 cannot read is an error value, never an exception or a crash.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace steward::publish {

struct PhotoFacts {
  bool has_gps = false;
  std::string gps;  // "36.8252, -119.7029"
  // Texts that may name people: description, caption, title, headline,
  // keywords, people shown (IPTC Extension PersonInImage), subject.
  std::vector<std::string> texts;
  std::string creator;    // Artist, By-line, dc:creator
  std::string copyright;  // Copyright, CopyrightNotice, dc:rights
};

// Reads the metadata of a JPEG, PNG, TIFF, WebP or GIF image. NotFound
// when the bytes are no image exiv2 knows; Invalid when it is damaged.
core::Result<PhotoFacts> ReadPhoto(std::string_view bytes);

}  // namespace steward::publish
