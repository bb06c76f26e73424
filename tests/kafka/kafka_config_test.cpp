// --kafka-config files (services/kafka/kafka_config.h): what is read, what is refused, and
// that no error ever shows a value.
#include "services/kafka/kafka_config.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include "support/temp_dir.h"

namespace annals {
namespace {

std::string write_file(const std::filesystem::path& dir, const std::string& text) {
  auto path = (dir / "client.properties").string();
  std::ofstream(path) << text;
  return path;
}

// The message of the std::runtime_error `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(KafkaConfig, ReadsNameValueLines) {
  testing::TempDir dir;
  auto path = write_file(dir.path(),
                         "# the registry's principal\n"
                         "\n"
                         "  bootstrap.servers = 127.0.0.1:19092\r\n"
                         "sasl.password=a=b c \n"
                         "\t# indented comment\n"
                         "sasl.username=first\n"
                         "sasl.username=registry\n");
  KafkaProperties p = load_kafka_config(path);
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p["bootstrap.servers"], "127.0.0.1:19092");
  EXPECT_EQ(p["sasl.password"], "a=b c ");    // everything after the first '=', trailing kept
  EXPECT_EQ(p["sasl.username"], "registry");  // the later line wins
  EXPECT_TRUE(load_kafka_config("").empty());
}

TEST(KafkaConfig, RefusesMalformedLinesWithoutShowingThem) {
  testing::TempDir dir;
  auto path = write_file(dir.path(), "security.protocol=SASL_SSL\nhunter2\n");
  std::string e = error_of([&] { load_kafka_config(path); });
  EXPECT_EQ(e, "--kafka-config " + path + " line 2: expected name=value");
  path = write_file(dir.path(), "\n\n = hunter2\n");
  EXPECT_EQ(error_of([&] { load_kafka_config(path); }),
            "--kafka-config " + path + " line 3: expected name=value");
}

TEST(KafkaConfig, SaysWhyAFileCannotBeRead) {
  testing::TempDir dir;
  auto missing = (dir.path() / "absent.properties").string();
  EXPECT_EQ(error_of([&] { load_kafka_config(missing); }),
            "--kafka-config " + missing + ": No such file or directory");
  EXPECT_NE(error_of([&] { load_kafka_config(dir.path().string()); }).find("s a directory"),
            std::string::npos);
}

TEST(KafkaConfig, KnowsSecretProperties) {
  for (const char* name :
       {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem",
        "sasl.oauthbearer.client.secret", "ssl_key", "sasl.oauthbearer.config"})
    EXPECT_TRUE(is_secret_property(name)) << name;
  for (const char* name : {"bootstrap.servers", "security.protocol", "sasl.mechanisms",
                           "sasl.username", "acks", "compression.type"})
    EXPECT_FALSE(is_secret_property(name)) << name;
}

TEST(KafkaConfig, AppliesAndNamesTheRefusedPropertyNeverItsSecretValue) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  apply_kafka_config(*conf, {{"security.protocol", "SASL_SSL"}, {"sasl.password", "hunter2"}},
                     "a test");
  std::string value;
  ASSERT_EQ(conf->get("security.protocol", value), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(value, "sasl_ssl");

  std::string e = error_of([&] { apply_kafka_config(*conf, {{"acks", "maybe"}}, "a test"); });
  EXPECT_EQ(e.rfind("a test: kafka property acks: ", 0), 0u) << e;  // librdkafka's reason
  e = error_of([&] { apply_kafka_config(*conf, {{"no.such.property", "x"}}, "a test"); });
  EXPECT_NE(e.find("no.such.property"), std::string::npos) << e;
  e = error_of([&] { apply_kafka_config(*conf, {{"ssl_key", "hunter2"}}, "a test"); });
  EXPECT_EQ(e,
            "a test: kafka property ssl_key: an invalid value (not shown: the property may "
            "hold a secret)");

  rd_kafka_conf_t* c = rd_kafka_conf_new();
  e = error_of([&] { apply_kafka_config(c, {{"ssl_key", "hunter2"}}, "the C API"); });
  rd_kafka_conf_destroy(c);
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
  EXPECT_NE(e.find("ssl_key"), std::string::npos) << e;
}

TEST(KafkaConfig, BootstrapServersOfTheFileWin) {
  EXPECT_EQ(bootstrap_servers("a:1", {}), "a:1");
  EXPECT_EQ(bootstrap_servers("a:1", {{"bootstrap.servers", "b:2"}}), "b:2");
}

}  // namespace
}  // namespace annals
