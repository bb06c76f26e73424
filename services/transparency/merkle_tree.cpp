// RFC 6962 Merkle tree hashes, proofs and their verification
// (services/transparency/merkle_tree.h).
#include "services/transparency/merkle_tree.h"

#include <sodium.h>

#include <bit>

namespace annals::transparency {

namespace {

Hash sha256(unsigned char prefix, std::string_view a, std::string_view b = {}) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, &prefix, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

std::string_view bytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// The largest power of two below n (n >= 2): where RFC 6962 splits a tree of n leaves.
std::uint64_t split(std::uint64_t n) { return std::bit_floor(n - 1); }

// The hash of leaves [begin, end) (end > begin), a subtree RFC 6962's recursion reaches: a
// stored node when it is complete, else its two halves hashed.
std::optional<Hash> range(const NodeReader& nodes, std::uint64_t begin, std::uint64_t end) {
  std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) return nodes(std::countr_zero(n), begin / n);
  std::uint64_t k = split(n);
  auto left = range(nodes, begin, begin + k);
  if (!left) return std::nullopt;
  auto right = range(nodes, begin + k, end);
  if (!right) return std::nullopt;
  return node_hash(*left, *right);
}

// PATH(m, D[begin:end]) of RFC 6962 2.1.1 for the leaf at absolute index m, appended to `out`.
bool path(const NodeReader& nodes, std::uint64_t m, std::uint64_t begin, std::uint64_t end,
          std::vector<Hash>& out) {
  std::uint64_t n = end - begin;
  if (n == 1) return true;
  std::uint64_t k = split(n);
  bool left = m < begin + k;
  if (!(left ? path(nodes, m, begin, begin + k, out) : path(nodes, m, begin + k, end, out)))
    return false;
  auto sibling = left ? range(nodes, begin + k, end) : range(nodes, begin, begin + k);
  if (!sibling) return false;
  out.push_back(*sibling);
  return true;
}

// SUBPROOF(m, D[begin:end], whole) of RFC 6962 2.1.2, appended to `out`: m is how many of
// the leaves [begin, end) the older tree has.
bool subproof(const NodeReader& nodes, std::uint64_t m, std::uint64_t begin, std::uint64_t end,
              bool whole, std::vector<Hash>& out) {
  std::uint64_t n = end - begin;
  if (m == n) {
    if (whole) return true;
    auto h = range(nodes, begin, end);
    if (!h) return false;
    out.push_back(*h);
    return true;
  }
  std::uint64_t k = split(n);
  bool left = m <= k;
  if (!(left ? subproof(nodes, m, begin, begin + k, whole, out)
             : subproof(nodes, m - k, begin + k, end, false, out)))
    return false;
  auto other = left ? range(nodes, begin + k, end) : range(nodes, begin, begin + k);
  if (!other) return false;
  out.push_back(*other);
  return true;
}

// Shifts fn and sn right together until fn is odd or 0 (RFC 9162's verifiers).
void shift_to_odd(std::uint64_t& fn, std::uint64_t& sn) {
  while (fn != 0 && !(fn & 1)) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash empty_root() {
  Hash out;
  crypto_hash_sha256(out.data(), nullptr, 0);
  return out;
}

Hash leaf_hash(std::string_view leaf) { return sha256(0x00, leaf); }

Hash node_hash(const Hash& left, const Hash& right) {
  return sha256(0x01, bytes(left), bytes(right));
}

std::string to_hex(const Hash& hash) {
  std::string out(2 * kHashBytes + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), hash.data(), hash.size());
  out.pop_back();
  return out;
}

std::optional<Hash> hash_from_hex(std::string_view hex) {
  if (hex.size() != 2 * kHashBytes) return std::nullopt;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return std::nullopt;
  Hash out;
  std::size_t n = 0;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &n, nullptr) != 0 ||
      n != kHashBytes)
    return std::nullopt;
  return out;
}

std::optional<Hash> root(const NodeReader& nodes, std::uint64_t size) {
  if (size == 0) return empty_root();
  return range(nodes, 0, size);
}

std::optional<std::vector<Hash>> inclusion_proof(const NodeReader& nodes, std::uint64_t index,
                                                 std::uint64_t size) {
  if (index >= size) return std::nullopt;
  std::vector<Hash> out;
  if (!path(nodes, index, 0, size, out)) return std::nullopt;
  return out;
}

std::optional<std::vector<Hash>> consistency_proof(const NodeReader& nodes, std::uint64_t older,
                                                   std::uint64_t newer) {
  if (older > newer) return std::nullopt;
  std::vector<Hash> out;
  if (older == 0 || older == newer) return out;
  if (!subproof(nodes, older, 0, newer, true, out)) return std::nullopt;
  return out;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      if (!(fn & 1)) shift_to_odd(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t older, std::uint64_t newer, const Hash& older_root,
                        const Hash& newer_root, const std::vector<Hash>& proof) {
  if (older > newer) return false;
  if (older == newer) return proof.empty() && older_root == newer_root;
  if (older == 0) return proof.empty();
  if (proof.empty()) return false;
  std::vector<Hash> path;
  if (std::has_single_bit(older)) path.push_back(older_root);
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = older - 1, sn = newer - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(path[i], fr);
      sr = node_hash(path[i], sr);
      if (!(fn & 1)) shift_to_odd(fn, sn);
    } else {
      sr = node_hash(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == older_root && sr == newer_root && sn == 0;
}

std::optional<Frontier> Frontier::read(const NodeReader& nodes, std::uint64_t size) {
  Frontier f;
  f.size_ = size;
  for (int level = 0; level < 64; ++level)
    if ((size >> level) & 1) {
      auto h = nodes(level, (size >> level) - 1);
      if (!h) return std::nullopt;
      f.subtrees_[level] = *h;
    }
  return f;
}

void Frontier::append(
    const Hash& leaf,
    const std::function<void(int level, std::uint64_t index, const Hash&)>& write) {
  int level = 0;
  std::uint64_t index = size_;
  Hash h = leaf;
  write(level, index, h);
  while (index & 1) {  // completes the subtree whose left half is subtrees_[level]
    h = node_hash(subtrees_[level], h);
    ++level;
    index >>= 1;
    write(level, index, h);
  }
  subtrees_[level] = h;
  ++size_;
}

Hash Frontier::root() const {
  if (size_ == 0) return empty_root();
  int level = std::countr_zero(size_);
  Hash r = subtrees_[level];
  for (int b = level + 1; b < 64; ++b)
    if ((size_ >> b) & 1) r = node_hash(subtrees_[b], r);
  return r;
}

}  // namespace annals::transparency
