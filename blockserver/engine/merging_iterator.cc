#include <queue>

#include "blockserver/engine/iterator.h"

namespace tessera::blockserver::engine {

namespace {

class MergingIterator final : public EntryIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<EntryIterator>> children)
      : children_(std::move(children)) {
    for (size_t i = 0; i < children_.size(); ++i) {
      if (children_[i]->Valid()) heap_.push(i);
    }
    Settle();
  }
  bool Valid() const override { return status_.ok() && current_ != kNone; }
  const BlockId& key() const override { return children_[current_]->key(); }
  const Entry& entry() const override { return children_[current_]->entry(); }
  void Next() override {
    // Advance every child positioned at the current key (the newest was produced; the rest are
    // shadowed).
    const BlockId k = children_[current_]->key();
    Advance(current_);
    while (!heap_.empty() && children_[heap_.top()]->key() == k) {
      const size_t i = heap_.top();
      heap_.pop();
      Advance(i);
    }
    Settle();
  }
  common::Status status() const override { return status_; }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  struct Greater {
    const MergingIterator* self;
    bool operator()(size_t a, size_t b) const {
      const auto& ka = self->children_[a]->key();
      const auto& kb = self->children_[b]->key();
      if (ka != kb) return ka > kb;
      return a > b;  // lower index = newer = first
    }
  };
  void Advance(size_t i) {
    children_[i]->Next();
    if (children_[i]->Valid()) {
      heap_.push(i);
    } else if (!children_[i]->status().ok()) {
      status_ = children_[i]->status();
    }
  }
  void Settle() {
    for (const auto& c : children_) {
      if (!c->status().ok() && status_.ok()) status_ = c->status();
    }
    if (heap_.empty() || !status_.ok()) {
      current_ = kNone;
      return;
    }
    current_ = heap_.top();
    heap_.pop();
  }

  std::vector<std::unique_ptr<EntryIterator>> children_;
  std::priority_queue<size_t, std::vector<size_t>, Greater> heap_{Greater{this}};
  size_t current_ = kNone;
  common::Status status_;
};

}  // namespace

std::unique_ptr<EntryIterator> NewMergingIterator(
    std::vector<std::unique_ptr<EntryIterator>> children) {
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace tessera::blockserver::engine
