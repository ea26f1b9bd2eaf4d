// Module::train/eval reach every module of a tree, however deep (walks are iterative, never recursive).
#include <pthread.h>

#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

namespace nn = tapegrad::nn;

namespace {

// A module with no parameters whose children are added from outside.
class Node : public nn::Module {
 public:
  void add(std::string name, std::shared_ptr<nn::Module> child) { add_child(std::move(name), std::move(child)); }
};

// Runs `fn` on a thread with a small stack (256 KiB): a recursive walk of a deep tree overflows it.
template <class Fn> void run_on_small_stack(Fn fn) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
  pthread_t thread;
  const auto body = [](void* arg) -> void* {
    (*static_cast<Fn*>(arg))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attr, body, &fn) == 0);
  pthread_attr_destroy(&attr);
  REQUIRE(pthread_join(thread, nullptr) == 0);
}

}  // namespace

TEST_CASE("train and eval reach every module of a branching tree, and only its subtree", "[nn]") {
  // root ─┬─ a ─┬─ a0
  //       │     └─ a1 ─── a1x
  //       └─ b ─── b0
  auto root = std::make_shared<Node>(), a = std::make_shared<Node>(), b = std::make_shared<Node>();
  auto a0 = std::make_shared<Node>(), a1 = std::make_shared<Node>(), a1x = std::make_shared<Node>(),
       b0 = std::make_shared<Node>();
  root->add("a", a);
  root->add("b", b);
  a->add("0", a0);
  a->add("1", a1);
  a1->add("x", a1x);
  b->add("0", b0);
  const std::vector<std::shared_ptr<Node>> all{root, a, b, a0, a1, a1x, b0};
  const auto modes = [&] {
    std::vector<bool> out;
    for (const auto& m : all) out.push_back(m->is_training());
    return out;
  };
  CHECK(modes() == std::vector<bool>(7, true));
  root->eval();
  CHECK(modes() == std::vector<bool>(7, false));
  a->train();  // a subtree: its parent and siblings keep their mode
  CHECK(modes() == std::vector<bool>{false, true, false, true, true, true, false});
  root->train(true);
  CHECK(modes() == std::vector<bool>(7, true));
}

TEST_CASE("train and eval walk a 50,000-deep chain of modules without recursion", "[nn]") {
  constexpr int depth = 50'000;
  std::vector<std::shared_ptr<Node>> chain{std::make_shared<Node>()};
  for (int i = 1; i < depth; ++i) {
    chain.push_back(std::make_shared<Node>());
    chain[i - 1]->add("inner", chain.back());
  }
  run_on_small_stack([&] { chain.front()->eval(); });
  CHECK_FALSE(chain.back()->is_training());
  CHECK_FALSE(chain[depth / 2]->is_training());
  run_on_small_stack([&] { chain.front()->train(); });
  CHECK(chain.back()->is_training());
  // Free from the root down while `chain` still holds every child, so no destructor recurses.
  for (auto& node : chain) node.reset();
}
