// The Merkle tree against RFC 6962 itself: the published roots of the 8-leaf test tree (the
// certificate-transparency test vectors), and for random trees the roots and proofs of the
// stored-node functions equal to the RFC's recursions over the leaves (MTH, PATH, PROOF,
// written here from the RFC's text), every proof verifying, and every altered proof, size,
// index or root refused.
#include "services/transparency/merkle_tree.h"

#include <bit>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace annals::transparency {
namespace {

std::string bytes_of(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(char(b));
  return s;
}

// The leaves of RFC 6962's test tree (certificate-transparency's merkle tree test data).
std::vector<std::string> test_leaves() {
  return {"",
          bytes_of({0x00}),
          bytes_of({0x10}),
          bytes_of({0x20, 0x21}),
          bytes_of({0x30, 0x31}),
          bytes_of({0x40, 0x41, 0x42, 0x43}),
          bytes_of({0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57}),
          bytes_of({0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c,
                    0x6d, 0x6e, 0x6f})};
}

// ---- RFC 6962 section 2.1, as written: recursions over the list of leaf hashes ----------

std::uint64_t k_of(std::uint64_t n) { return std::bit_floor(n - 1); }

Hash mth(const std::vector<Hash>& d, std::uint64_t b, std::uint64_t e) {
  if (e - b == 1) return d[b];
  std::uint64_t k = k_of(e - b);
  return node_hash(mth(d, b, b + k), mth(d, b + k, e));
}

std::vector<Hash> rfc_path(const std::vector<Hash>& d, std::uint64_t m, std::uint64_t b,
                           std::uint64_t e) {
  if (e - b == 1) return {};
  std::uint64_t k = k_of(e - b);
  std::vector<Hash> out;
  if (m < k) {
    out = rfc_path(d, m, b, b + k);
    out.push_back(mth(d, b + k, e));
  } else {
    out = rfc_path(d, m - k, b + k, e);
    out.push_back(mth(d, b, b + k));
  }
  return out;
}

std::vector<Hash> rfc_subproof(const std::vector<Hash>& d, std::uint64_t m, std::uint64_t b,
                               std::uint64_t e, bool whole) {
  if (m == e - b) return whole ? std::vector<Hash>{} : std::vector<Hash>{mth(d, b, e)};
  std::uint64_t k = k_of(e - b);
  std::vector<Hash> out;
  if (m <= k) {
    out = rfc_subproof(d, m, b, b + k, whole);
    out.push_back(mth(d, b + k, e));
  } else {
    out = rfc_subproof(d, m - k, b + k, e, false);
    out.push_back(mth(d, b, b + k));
  }
  return out;
}

// A tree built by appends, its nodes in a map (as the views keep them).
struct StoredTree {
  std::map<std::pair<int, std::uint64_t>, Hash> nodes;
  Frontier frontier;
  void append(const Hash& leaf) {
    frontier.append(leaf, [&](int level, std::uint64_t index, const Hash& h) {
      EXPECT_TRUE(nodes.emplace(std::make_pair(level, index), h).second) << "a node written twice";
    });
  }
  NodeReader reader() const {
    return [this](int level, std::uint64_t index) -> std::optional<Hash> {
      auto it = nodes.find({level, index});
      if (it == nodes.end()) return std::nullopt;
      return it->second;
    };
  }
};

TEST(MerkleTree, TheRootsOfRfc6962sTestTree) {
  const char* expected[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  EXPECT_EQ(to_hex(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  StoredTree tree;
  EXPECT_EQ(*root(tree.reader(), 0), empty_root());
  for (std::size_t n = 0; n < 8; ++n) {
    tree.append(leaf_hash(test_leaves()[n]));
    EXPECT_EQ(to_hex(tree.frontier.root()), expected[n]) << "size " << n + 1;
    EXPECT_EQ(to_hex(*root(tree.reader(), n + 1)), expected[n]) << "size " << n + 1;
  }
  // Two nodes per leaf, less one: every complete subtree of the 8 leaves, once.
  EXPECT_EQ(tree.nodes.size(), 15u);
}

TEST(MerkleTree, HexRoundTripsAndRefusesAnythingElse) {
  Hash h = leaf_hash("x");
  EXPECT_EQ(hash_from_hex(to_hex(h)), h);
  EXPECT_EQ(hash_from_hex(std::string(64, 'A')), hash_from_hex(std::string(64, 'a')));
  EXPECT_FALSE(hash_from_hex(to_hex(h).substr(1)));
  EXPECT_FALSE(hash_from_hex(to_hex(h) + "0"));
  EXPECT_FALSE(hash_from_hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(hash_from_hex(""));
}

TEST(MerkleTree, AMissingNodeIsNoAnswerNotAWrongOne) {
  StoredTree tree;
  for (int i = 0; i < 13; ++i) tree.append(leaf_hash(std::to_string(i)));
  tree.nodes.erase({2, 1});  // leaves 4..7: in proofs, not in the root (the 8 are one node)
  EXPECT_TRUE(root(tree.reader(), 13));
  EXPECT_FALSE(inclusion_proof(tree.reader(), 0, 13));
  EXPECT_FALSE(consistency_proof(tree.reader(), 3, 13));
  tree.nodes.erase({3, 0});  // leaves 0..7
  EXPECT_FALSE(root(tree.reader(), 13));
  EXPECT_TRUE(root(tree.reader(), 4));
  EXPECT_FALSE(Frontier::read(tree.reader(), 8));
  EXPECT_TRUE(Frontier::read(tree.reader(), 4));
  EXPECT_FALSE(inclusion_proof(tree.reader(), 13, 13));  // past the end
  EXPECT_FALSE(consistency_proof(tree.reader(), 5, 4));  // shrinking
}

// Flips one bit of one hash of `proof`, chosen by `pick`.
std::vector<Hash> altered(std::vector<Hash> proof, std::uint64_t pick) {
  auto& h = proof[pick % proof.size()];
  h[(pick / 7) % kHashBytes] ^= std::uint8_t(1u << (pick % 8));
  return proof;
}

RC_GTEST_PROP(MerkleTree, RootsAndProofsAreRfc6962sAndVerify, ()) {
  const auto size = *rc::gen::inRange<std::uint64_t>(1, 300);
  std::vector<Hash> leaves;
  StoredTree tree;
  for (std::uint64_t i = 0; i < size; ++i) {
    leaves.push_back(leaf_hash("leaf " + std::to_string(i) + " of " + std::to_string(size)));
    tree.append(leaves.back());
  }
  auto nodes = tree.reader();
  // A tree of `size` leaves as the RFC defines it, and every prefix of it.
  for (std::uint64_t n : {size, *rc::gen::inRange<std::uint64_t>(1, size + 1)}) {
    Hash r = mth(leaves, 0, n);
    RC_ASSERT(*root(nodes, n) == r);
    auto frontier = Frontier::read(nodes, n);
    RC_ASSERT(frontier && frontier->root() == r);
    const auto index = *rc::gen::inRange<std::uint64_t>(0, n);
    auto proof = inclusion_proof(nodes, index, n);
    RC_ASSERT(proof && *proof == rfc_path(leaves, index, 0, n));
    RC_ASSERT(verify_inclusion(leaves[index], index, n, *proof, r));
    // Anything else is refused: another leaf or index, a changed hash, a short proof. (The
    // size is not in the hashes: a signed head binds it.)
    RC_ASSERT(!verify_inclusion(leaves[(index + 1) % n], index, n, *proof, r) || n == 1);
    RC_ASSERT(!verify_inclusion(leaves[index], index + 1, n, *proof, r));
    if (!proof->empty()) {
      RC_ASSERT(!verify_inclusion(leaves[index], index, n,
                                  altered(*proof, *rc::gen::arbitrary<std::uint64_t>()), r));
      auto shorter = *proof;
      shorter.pop_back();
      RC_ASSERT(!verify_inclusion(leaves[index], index, n, shorter, r));
    }
    // Consistency with an older tree.
    const auto older = *rc::gen::inRange<std::uint64_t>(0, n + 1);
    Hash older_root = older ? mth(leaves, 0, older) : empty_root();
    auto consistency = consistency_proof(nodes, older, n);
    RC_ASSERT(consistency.has_value());
    if (older > 0 && older < n) RC_ASSERT(*consistency == rfc_subproof(leaves, older, 0, n, true));
    RC_ASSERT(verify_consistency(older, n, older_root, r, *consistency));
    if (older > 0 && older < n) {
      RC_ASSERT(!verify_consistency(older, n, older_root,
                                    altered({r}, *rc::gen::arbitrary<std::uint64_t>())[0],
                                    *consistency));
      RC_ASSERT(!verify_consistency(older, n,
                                    altered({older_root}, *rc::gen::arbitrary<std::uint64_t>())[0],
                                    r, *consistency));
      RC_ASSERT(!verify_consistency(older, n, older_root, r,
                                    altered(*consistency, *rc::gen::arbitrary<std::uint64_t>())));
      // An older tree with one leaf changed is not a prefix of this one.
      auto forged = leaves;
      forged[*rc::gen::inRange<std::uint64_t>(0, older)] = leaf_hash("forged");
      RC_ASSERT(!verify_consistency(older, n, mth(forged, 0, older), r, *consistency));
    }
  }
}

}  // namespace
}  // namespace annals::transparency
