// A batch's staged writes read merged over the store (services/views/staged_writes.h).
#include "services/views/staged_writes.h"

#include <cassert>
#include <string_view>

namespace annals::views {
namespace {

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Two sides in key order, the staged side winning a tie. `current_` names the side whose
// entry is the iterator's; `tied_` is true when the other side is at the same key (hidden), so
// a step moves both. After a step the sides are settled: removals skipped, with the store's
// entries they hide.
class Merged : public rocksdb::Iterator {
 public:
  Merged(const StagedWrites& staged, std::unique_ptr<rocksdb::Iterator> base,
         const rocksdb::Slice* upper)
      : staged_(staged), base_(std::move(base)), at_(staged.end()) {
    if (upper) upper_ = upper->ToString();
  }

  bool Valid() const override { return current_ != Side::none; }
  rocksdb::Slice key() const override {
    assert(Valid());
    return current_ == Side::staged ? rocksdb::Slice(at_->first) : base_->key();
  }
  rocksdb::Slice value() const override {
    assert(Valid());
    return current_ == Side::staged ? rocksdb::Slice(*at_->second) : base_->value();
  }
  rocksdb::Status status() const override { return base_->status(); }

  void SeekToFirst() override {
    base_->SeekToFirst();
    at_ = staged_.begin();
    settle_forward();
  }
  void Seek(const rocksdb::Slice& target) override {
    base_->Seek(target);
    at_ = staged_.lower_bound(view(target));
    settle_forward();
  }
  void SeekToLast() override {
    base_->SeekToLast();
    at_ = upper_ ? staged_.lower_bound(*upper_) : staged_.end();
    step_back();
    settle_backward();
  }
  void SeekForPrev(const rocksdb::Slice& target) override {
    base_->SeekForPrev(target);
    at_ = upper_ && view(target) >= *upper_ ? staged_.lower_bound(*upper_)
                                            : staged_.upper_bound(view(target));
    step_back();
    settle_backward();
  }
  void Next() override {
    assert(Valid());
    if (!forward_) Seek(std::string(view(key())));  // turn: both sides at or after the key
    if (current_ == Side::staged || tied_) ++at_;
    if (current_ == Side::base || tied_) base_->Next();
    settle_forward();
  }
  void Prev() override {
    assert(Valid());
    if (forward_) SeekForPrev(std::string(view(key())));  // turn: both at or before the key
    if (current_ == Side::staged || tied_) step_back();
    if (current_ == Side::base || tied_) base_->Prev();
    settle_backward();
  }

 private:
  enum class Side { none, staged, base };

  bool staged_valid() const { return at_ != staged_.end() && (!upper_ || at_->first < *upper_); }
  // Moves the staged side one back; before the first, it is exhausted (end()).
  void step_back() { at_ = at_ == staged_.begin() ? staged_.end() : std::prev(at_); }
  // The current entry is the lesser side's (`order` 1) or the greater's (-1): the staged
  // side's when the keys tie.
  void settle(int order) {
    forward_ = order > 0;
    for (;;) {
      bool staged = staged_valid(), base = base_->Valid();
      tied_ = false;
      if (!staged && !base) {
        current_ = Side::none;
        return;
      }
      if (staged && base) {
        int c = rocksdb::Slice(at_->first).compare(base_->key()) * order;
        if (c > 0) {
          current_ = Side::base;
          return;
        }
        tied_ = c == 0;
      } else if (!staged) {
        current_ = Side::base;
        return;
      }
      if (at_->second) {
        current_ = Side::staged;
        return;
      }
      // A removal: skip it, and the store's entry it hides.
      if (order > 0) {
        if (tied_) base_->Next();
        ++at_;
      } else {
        if (tied_) base_->Prev();
        step_back();
      }
    }
  }
  void settle_forward() { settle(1); }
  void settle_backward() { settle(-1); }

  const StagedWrites& staged_;
  std::unique_ptr<rocksdb::Iterator> base_;
  std::optional<std::string> upper_;
  StagedWrites::const_iterator at_;  // end(): the staged side is exhausted
  Side current_ = Side::none;
  bool tied_ = false;
  bool forward_ = true;
};

}  // namespace

std::unique_ptr<rocksdb::Iterator> merged_iterator(const StagedWrites& staged,
                                                   std::unique_ptr<rocksdb::Iterator> base,
                                                   const rocksdb::Slice* upper_bound) {
  return std::make_unique<Merged>(staged, std::move(base), upper_bound);
}

}  // namespace annals::views
