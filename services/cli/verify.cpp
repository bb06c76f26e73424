#include "services/cli/verify.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "services/transparency/proof_check.h"

namespace annals {
namespace {

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!in || !(text << in.rdbuf()))
    throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  return std::move(text).str();
}

nlohmann::json read_json(const std::string& path, const char* what) {
  auto j = nlohmann::json::parse(read_file(path, what), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(std::string(what) + " " + path + " is not JSON");
  return j;
}

transparency::PublicKey read_key(const std::string& path) {
  std::string error;
  auto key = transparency::public_key_from_pem(read_file(path, "the public key"), error);
  if (!key) throw std::runtime_error("the public key " + path + ": " + error);
  return *key;
}

int report(const transparency::Verdict& v) {
  if (v.ok) std::cout << "verified: " << v.message << "\n";
  else std::cout << "NOT verified: " << v.message << "\n";
  return v.ok ? 0 : 1;
}

struct Files {
  std::string key, head, older, newer, proof;
};

CLI::Option* required_file(CLI::App* app, const char* name, std::string& into, const char* what) {
  return app->add_option(name, into, what)->required()->check(CLI::ExistingFile);
}

}  // namespace

void add_keys(CLI::App& app, Commands& out) {
  auto* keys = app.add_subcommand("keys", "the key that signs the districts' tree heads")
                   ->require_subcommand(1);
  auto* generate = keys->add_subcommand(
      "generate",
      "a new Ed25519 key pair: the private key (readable by its owner only) for the "
      "audit service's --signing-key, the public key for everyone who checks heads");
  struct Options {
    std::string private_path = "var/signing-key.pem", public_path = "var/signing-key.pub.pem";
  };
  auto o = std::make_shared<Options>();
  generate
      ->add_option("--private", o->private_path,
                   "where to write the private key (PEM); "
                   "never overwritten")
      ->capture_default_str();
  generate->add_option("--public", o->public_path, "where to write the public key (PEM)")
      ->capture_default_str();
  out.push_back({generate, [o] {
                   auto key = transparency::write_new_key(o->private_path, o->public_path);
                   std::cout << "wrote the private key to " << o->private_path
                             << " and the public key (id " << transparency::key_id(key) << ") to "
                             << o->public_path << "\n";
                   return 0;
                 }});
}

void add_verify(CLI::App& app, Commands& out) {
  auto* verify =
      app.add_subcommand("verify",
                         "check signed tree heads and proofs offline, trusting only the public key")
          ->require_subcommand(1);
  auto f = std::make_shared<Files>();
  auto key_option = [&](CLI::App* a) {
    required_file(a, "--key", f->key, "the platform's public key (PEM)");
  };
  auto* head = verify->add_subcommand("head", "a signed tree head (the JSON of GET .../log/head)");
  key_option(head);
  required_file(head, "--head", f->head, "the head");
  out.push_back({head, [f] {
                   return report(
                       transparency::check_head(read_json(f->head, "the head"), read_key(f->key)));
                 }});
  auto* inclusion = verify->add_subcommand(
      "inclusion", "an event's inclusion proof (GET .../log/inclusion) in a kept head's record");
  key_option(inclusion);
  required_file(inclusion, "--head", f->head, "the kept head");
  required_file(inclusion, "--proof", f->proof, "the inclusion proof");
  out.push_back({inclusion, [f] {
                   return report(transparency::check_inclusion(read_json(f->head, "the head"),
                                                               read_json(f->proof, "the proof"),
                                                               read_key(f->key)));
                 }});
  auto* consistency = verify->add_subcommand(
      "consistency",
      "that an older kept head's record is a prefix of a newer one's (GET .../log/consistency)");
  key_option(consistency);
  required_file(consistency, "--older", f->older, "the older head");
  required_file(consistency, "--newer", f->newer, "the newer head");
  required_file(consistency, "--proof", f->proof, "the consistency proof");
  out.push_back({consistency, [f] {
                   return report(transparency::check_consistency(
                       read_json(f->older, "the older head"), read_json(f->newer, "the newer head"),
                       read_json(f->proof, "the proof"), read_key(f->key)));
                 }});
}

}  // namespace annals
