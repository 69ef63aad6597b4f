// The sentence encoder and its head (inspect/encoder.h): the same word
// pieces and vectors as the release it was written from, a second opinion
// that reads what a bag of words misses, and files that are wrong are
// errors naming them, never a crash.
#include "inspect/encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.h"
#include "test_util.h"

namespace steward::testing {
namespace {

using inspect::Embedding;
using inspect::Head;
using inspect::SentenceEncoder;

const SentenceEncoder& Encoder() {
  static const auto* e = [] {
    auto loaded =
        SentenceEncoder::Load(SourceDir() + "/policy/models/use-lite");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().message()
                    << " (scripts/encoder.sh fetches it)";
      std::abort();
    }
    return loaded.value().release();
  }();
  return *e;
}

// The encoder as the bundled conduct detectors read with it: tuned by
// policy/models/conduct.tune.
const SentenceEncoder& TunedEncoder() {
  static const auto* e = [] {
    std::ifstream in(SourceDir() + "/policy/models/conduct.tune",
                     std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    auto loaded = SentenceEncoder::Load(SourceDir() + "/policy/models/use-lite",
                                        &bytes, "conduct.tune");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().message();
      std::abort();
    }
    return loaded.value().release();
  }();
  return *e;
}

double Cosine(const Embedding& a, const Embedding& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d += a[i] * b[i];
  return d;  // both have unit length
}

// What the process has: its threads, and whether OpenBLAS is mapped.
size_t Threads() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}
bool BlasMapped() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find("libopenblas") != std::string::npos) return true;
  return false;
}

// OpenBLAS is opened only when an encoder is loaded, and then with no
// thread of its own: Debian's build otherwise starts one for each core,
// which spins for about 0.13 s of processor time in every process. In a
// fresh process (a death test runs the test again in a new one).
TEST(SentenceEncoderDeathTest, OpensOpenBlasOnlyWhenLoadedAndStartsNoThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        int code = 0;
        if (BlasMapped()) code |= 1;
        const size_t before = Threads();
        auto loaded =
            SentenceEncoder::Load(SourceDir() + "/policy/models/use-lite");
        if (!loaded.ok()) code |= 2;
        if (!BlasMapped()) code |= 4;
        if (Threads() != before) code |= 8;
        std::_Exit(code);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SentenceEncoder, SplitsTextIntoTheReleasesWordPieces) {
  // Ids as the release's own tokeniser (JavaScript) gives them.
  const std::vector<std::pair<std::string, std::vector<int32_t>>> cases = {
      {"you are an idiot", {19, 31, 58, 4583}},
      {"Hello, world!", {341, 4125, 8, 311, 78}},
      {"I'll make sure you regret this", {16, 13, 120, 134, 269, 19, 4820, 43}},
      {"   ", {30, 30, 30, 30}},  // every space a piece
      {"tab\tinside\ttext", {5520, 0, 97, 1038, 0, 5923}},  // unknown: 0
      {"", {}},
  };
  for (const auto& [text, ids] : cases)
    EXPECT_EQ(Encoder().Tokenize(text), ids) << text;
  // Unknown characters in a row are one id; at most 128 ids.
  EXPECT_EQ(Encoder().Tokenize("\xe2\x98\x83\xe2\x98\x83\xe2\x98\x83").size(),
            2u);
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word ";
  EXPECT_EQ(Encoder().Tokenize(long_text).size(), 128u);
  // Invalid UTF-8 is read, not refused.
  EXPECT_FALSE(Encoder().Tokenize("caf\xe9 \xff\xfe").empty());
}

TEST(SentenceEncoder, GivesTheReleasesVectors) {
  // The first values of the release's own vectors (TF.js), to 1e-5.
  const std::vector<std::pair<std::string, std::vector<float>>> cases = {
      {"Hello, world!",
       {-0.042487f, -0.050834f, -0.006023f, -0.047438f, -0.049002f,
        -0.053700f}},
      {"you are an idiot",
       {0.031004f, 0.001845f, -0.014512f, 0.049095f, 0.053956f, -0.054071f}},
      {"I'll make sure you regret this",
       {-0.007356f, -0.025303f, 0.049130f, 0.040843f, 0.058361f, -0.053173f}},
  };
  for (const auto& [text, want] : cases) {
    const Embedding e = Encoder().Embed(text);
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(e[i], want[i], 1e-5) << text << " [" << i << "]";
    double norm = 0;
    for (float v : e) norm += v * v;
    EXPECT_NEAR(norm, 1.0, 1e-5) << text;
  }
}

TEST(SentenceEncoder, PlacesAThreatInPlainWordsNearAThreat) {
  // What a bag of words cannot see: no word of the first is violent.
  const Embedding veiled = Encoder().Embed("i will make sure you regret this");
  const Embedding threat = Encoder().Embed("i will hurt you badly");
  const Embedding phone = Encoder().Embed("i regret buying this phone");
  EXPECT_GT(Cosine(veiled, threat), Cosine(veiled, phone) + 0.05);
}

TEST(Head, TheBundledHeadReadsThreatsAndInsults) {
  std::ifstream in(SourceDir() + "/policy/models/conduct.head",
                   std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto head = Head::Parse("conduct.head", bytes);
  ASSERT_TRUE(head.ok()) << head.status().message();
  const int threat = (*head)->LabelIndex("threat");
  const int insult = (*head)->LabelIndex("harassment");
  ASSERT_GE(threat, 0);
  ASSERT_GE(insult, 0);
  EXPECT_EQ((*head)->LabelIndex("nothing"), -1);
  auto p = [&](const char* s) {
    return (*head)->Probabilities(TunedEncoder().Embed(s));
  };
  // Each threat or insult well above its twin in the same words.
  EXPECT_GT(p("i am going to put you in the hospital")[threat], 0.5);
  EXPECT_LT(p("the nurse put the patient in the hospital bed")[threat], 0.2);
  EXPECT_GT(p("you are a worthless waste of space")[insult], 0.5);
  EXPECT_GT(p("you are a worthless waste of space")[insult] -
                p("this storage shed is a waste of space")[insult],
            0.5);
  EXPECT_GT(
      p("you had better watch your back in the parking lot tonight")[threat],
      0.5);
  EXPECT_LT(p("i would never hurt you, you know that")[threat], 0.2);
}

TEST(Head, AWrongFileIsAnErrorNamingIt) {
  const std::string body(sizeof(float) * (512 * 2 + 2 + 2 * 1 + 1), '\0');
  for (const std::string& bytes :
       {std::string(""), std::string("steward-head 1 512 2 1 a"),
        "steward-head 2 512 2 1 a\n" + body,
        "steward-head 1 300 2 1 a\n" + body,
        "steward-head 1 512 2 2 a\n" + body,  // a label short
        "steward-head 1 512 2 1 a\n" + body.substr(4),
        "steward-head 1 512 99999999 1 a\n" + body}) {
    auto h = Head::Parse("x.head", bytes);
    ASSERT_FALSE(h.ok()) << bytes.substr(0, 40);
    EXPECT_NE(h.status().message().find("x.head"), std::string::npos);
  }
  EXPECT_TRUE(Head::Parse("x.head", "steward-head 1 512 2 1 a\n" + body).ok());
  // A weight that is no number would make every probability one.
  std::string nan = body;
  const float not_a_number = std::nanf("");
  std::memcpy(nan.data(), &not_a_number, 4);
  auto h = Head::Parse("x.head", "steward-head 1 512 2 1 a\n" + nan);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("not a finite number"),
            std::string::npos);
}

// A tuning file of one correction to the named matrix: A [rows][rank] is
// zero but A[row][k] = a, B [rank][cols] zero but row k = b, so that
// W + A·B adds b to every value of W's row `row`, whatever the rank.
std::string Tune(const std::string& name, size_t rows, size_t cols, size_t row,
                 float a, float b, size_t rank = 1, size_t k = 0) {
  std::vector<float> values((rows + cols) * rank, 0.0F);
  values[row * rank + k] = a;
  for (size_t j = 0; j < cols; ++j) values[rows * rank + k * cols + j] = b;
  std::string bytes = "steward-tune 1 " + std::to_string(rank) + " 1\n" + name +
                      " " + std::to_string(rows) + " " + std::to_string(cols) +
                      "\n";
  bytes.append(reinterpret_cast<const char*>(values.data()),
               values.size() * sizeof(float));
  return bytes;
}

const char kTanh[] = "module/Encoder_en/hidden_layers/tanh_layer_0/weights";
const char kFfn1[] =
    "module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/"
    "Layer_1/TransformerLayer/FFN/conv1/Tensordot/Reshape_1";

Embedding TunedBy(const std::string& bytes, const std::string& text) {
  auto e = SentenceEncoder::Load(SourceDir() + "/policy/models/use-lite",
                                 &bytes, "t.tune");
  EXPECT_TRUE(e.ok()) << e.status().message();
  return e.ok() ? (*e)->Embed(text) : Embedding{};
}

TEST(SentenceEncoder, ATuningFileCorrectsTheMatricesItNames) {
  const std::string text = "i will make sure you regret this";
  const Embedding plain = Encoder().Embed(text);
  // A correction of zero changes nothing.
  const Embedding zero = TunedBy(Tune(kTanh, 512, 512, 3, 0.0F, 0.0F), text);
  for (size_t i = 0; i < plain.size(); ++i) ASSERT_FLOAT_EQ(zero[i], plain[i]);
  // One that adds to a row changes the vector, which stays unit length.
  const Embedding some = TunedBy(Tune(kTanh, 512, 512, 3, 1.0F, 5.0F), text);
  EXPECT_LT(Cosine(some, plain), 0.99);
  EXPECT_NEAR(Cosine(some, some), 1.0, 1e-5);
  // The same correction at rank 1 and as the second of rank 4 is the same
  // encoder: A and B are read in their layout, not transposed.
  for (const char* m : {kTanh, kFfn1}) {
    const size_t cols = m == kTanh ? 512 : 1536;
    const Embedding one = TunedBy(Tune(m, 512, cols, 7, 2.0F, 1.0F), text);
    const Embedding four =
        TunedBy(Tune(m, 512, cols, 7, 2.0F, 1.0F, 4, 1), text);
    EXPECT_LT(Cosine(one, plain), 0.999) << m;
    for (size_t i = 0; i < one.size(); ++i)
      ASSERT_NEAR(one[i], four[i], 1e-6) << m << " [" << i << "]";
    // and a correction of another row is another encoder
    const Embedding other = TunedBy(Tune(m, 512, cols, 8, 2.0F, 1.0F), text);
    EXPECT_LT(Cosine(one, other), 0.999) << m;
  }
}

TEST(SentenceEncoder, AWrongTuningFileIsAnErrorNamingItAndWhy) {
  const std::string dir = SourceDir() + "/policy/models/use-lite";
  const std::string good = Tune(kTanh, 512, 512, 0, 1.0F, 1.0F);
  const std::string body = good.substr(good.find('\n') + 1);
  const std::string matrix = body.substr(body.find('\n') + 1);
  std::string nan = good;
  const float not_a_number = std::nanf("");
  std::memcpy(nan.data() + nan.size() - 4, &not_a_number, 4);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "header"},
      {"steward-tune 1 1 1", "header"},
      {"steward-tune 2 1 1\n" + body, "header"},
      {"steward-tune 1 0 1\n" + body, "header"},
      {"steward-tune 1 1 1\n" + std::string(kTanh) + " 512\n" + matrix,
       "rows columns"},
      {Tune("no/such/matrix", 512, 512, 0, 1.0F, 1.0F), "no 512x512 matrix"},
      {Tune(kTanh, 256, 1024, 0, 1.0F, 1.0F), "no 256x1024 matrix"},
      {Tune(kFfn1, 1536, 512, 0, 1.0F, 1.0F), "no 1536x512 matrix"},
      // a tensor of the release the forward pass does not read as a matrix
      {Tune("module_apply_default/Encoder_en/KonaTransformer/Encode/"
            "Layer_1/TransformerLayer/FFN/conv1/bias/ConcatPartitions/concat",
            1, 1536, 0, 1.0F, 1.0F),
       "no 1x1536 matrix"},
      {good.substr(0, good.size() - 4), "cut short"},
      {good + "x", "bytes after the last matrix"},
      {"steward-tune 1 1 2\n" + body, "matrix 2"},
      {"steward-tune 1 1 2\n" + body + body, "named twice"},
      {nan, "not finite"}};
  for (const auto& [bytes, why] : cases) {
    auto e = SentenceEncoder::Load(dir, &bytes, "x.tune");
    ASSERT_FALSE(e.ok()) << why;
    EXPECT_EQ(e.status().message().rfind("x.tune: ", 0), 0u)
        << e.status().message();
    EXPECT_NE(e.status().message().find(why), std::string::npos)
        << e.status().message();
  }
  EXPECT_TRUE(SentenceEncoder::Load(dir, &good, "x.tune").ok());
}

TEST(SentenceEncoder, AMissingOrDamagedFolderIsAnErrorNamingTheFile) {
  TempDir dir("steward-encoder");
  auto missing = SentenceEncoder::Load(dir.path().string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("model.json"), std::string::npos);
  const std::string src = SourceDir() + "/policy/models/use-lite/";
  for (const char* f : {"model.json", "vocab.json"})
    std::filesystem::copy_file(src + f, (dir.path() / f));
  // The shards are missing, then one is short.
  auto no_shards = SentenceEncoder::Load(dir.path().string());
  ASSERT_FALSE(no_shards.ok());
  EXPECT_NE(no_shards.status().message().find("group1-shard1of7"),
            std::string::npos);
  for (int i = 1; i <= 7; ++i) {
    const std::string f = "group1-shard" + std::to_string(i) + "of7";
    std::filesystem::copy_file(src + f, (dir.path() / f));
  }
  std::filesystem::resize_file(dir.path() / "group1-shard7of7", 1000);
  auto short_shard = SentenceEncoder::Load(dir.path().string());
  ASSERT_FALSE(short_shard.ok());
  EXPECT_NE(short_shard.status().message().find("model.json"),
            std::string::npos);
  dir.Write("vocab.json", "[[\"a\", 1.0], 7]");
  std::filesystem::copy_file(src + "group1-shard7of7",
                             dir.path() / "group1-shard7of7",
                             std::filesystem::copy_options::overwrite_existing);
  auto bad_vocab = SentenceEncoder::Load(dir.path().string());
  ASSERT_FALSE(bad_vocab.ok());
  EXPECT_NE(bad_vocab.status().message().find("vocab.json"), std::string::npos);
}

}  // namespace
}  // namespace steward::testing
