// The Merkle tree of a verifiable log, exactly as RFC 6962 section 2.1 defines it (restated in
// RFC 9162 section 2.1): SHA-256 (libsodium), a leaf hashed as SHA-256(0x00 || leaf), an inner
// node as SHA-256(0x01 || left || right), a tree of n > 1 leaves split at k, the largest power
// of two below n. docs/verifiable-log.md says what the record's leaves are and why.
//
// A tree is kept as the hash of every complete subtree ("node (level, index)": the 2^level
// leaves from index * 2^level on), which is what an append writes (one leaf, and one node per
// subtree it completes: two nodes per leaf on average) and all a root or a proof reads
// (O(log n) nodes for a root, O(log^2 n) at most for a proof). The verifiers need nothing but
// hashes: they are what `annals verify` runs for someone who trusts only a signed head.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace annals::transparency {

inline constexpr std::size_t kHashBytes = 32;
using Hash = std::array<unsigned char, kHashBytes>;

// SHA-256 of the empty string: the root of the empty tree.
Hash empty_root();
// SHA-256(0x00 || leaf).
Hash leaf_hash(std::string_view leaf);
// SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);

// Lowercase hex of a hash, and back (nullopt unless exactly 64 hex digits).
std::string to_hex(const Hash& hash);
std::optional<Hash> hash_from_hex(std::string_view hex);

// Reads the node (level, index) of a tree: the hash of its complete subtree; nullopt when the
// store does not hold it (a damaged or shorter tree).
using NodeReader = std::function<std::optional<Hash>(int level, std::uint64_t index)>;

// The root of the tree's first `size` leaves (empty_root() for 0); nullopt when a node it
// needs cannot be read.
std::optional<Hash> root(const NodeReader& nodes, std::uint64_t size);

// The audit path of leaf `index` in the tree of its first `size` leaves (RFC 6962 2.1.1,
// PATH), the sibling nearest the leaf first; nullopt when index >= size or a node is missing.
std::optional<std::vector<Hash>> inclusion_proof(const NodeReader& nodes, std::uint64_t index,
                                                 std::uint64_t size);

// The consistency proof of the tree of `older` leaves and the tree of `newer` leaves (RFC 6962
// 2.1.2, PROOF); empty when older == newer or older == 0; nullopt when older > newer or a node
// is missing.
std::optional<std::vector<Hash>> consistency_proof(const NodeReader& nodes, std::uint64_t older,
                                                   std::uint64_t newer);

// True when `proof` shows the leaf whose hash is `leaf` at `index` in the tree of `size`
// leaves whose root is `root` (RFC 9162 2.1.3.2).
bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& proof, const Hash& root);

// True when `proof` shows the tree of `older` leaves with root `older_root` to be a prefix
// of the tree of `newer` leaves with root `newer_root` (RFC 9162 2.1.4.2; equal sizes: equal
// roots and an empty proof; older 0: an empty proof).
bool verify_consistency(std::uint64_t older, std::uint64_t newer, const Hash& older_root,
                        const Hash& newer_root, const std::vector<Hash>& proof);

// The right edge of a tree: the roots of its complete subtrees, one per set bit of its size,
// which is all an append needs.
class Frontier {
 public:
  // The frontier of a tree of `size` leaves, read from its nodes; nullopt when one is missing.
  static std::optional<Frontier> read(const NodeReader& nodes, std::uint64_t size);

  // Appends a leaf whose hash is `leaf`; calls `write(level, index, hash)` for the leaf
  // (level 0) and every node it completes, lowest first.
  void append(const Hash& leaf,
              const std::function<void(int level, std::uint64_t index, const Hash&)>& write);

  std::uint64_t size() const { return size_; }
  // The root of the tree (empty_root() for an empty one).
  Hash root() const;

 private:
  std::uint64_t size_ = 0;
  std::array<Hash, 64> subtrees_{};  // [level]: the complete subtree of bit `level` of size_
};

}  // namespace annals::transparency
