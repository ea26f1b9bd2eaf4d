// Anomaly mode: the first op whose forward or backward produces NaN or ±inf raises, naming the op
// and its tape entry.
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace ag = tapegrad::autograd;
using Catch::Contains;

TEST_CASE("anomaly mode: a forward that produces -inf raises at that op", "[core][anomaly]") {
  tg::Tensor x = tg::tensor({1.0, 0.0}, tg::kFloat64).requires_grad_();
  tg::Tensor y = tg::exp(x);  // fine
  ag::DetectAnomalyGuard guard;
  try {
    tg::log(x);
    FAIL("no anomaly raised");
  } catch (const ag::AnomalyError& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Contains("forward output of op 'log'") && Contains("-inf"));
    // The entry named is the one recorded right after exp's (the dump lists exp, still alive).
    const std::string dump = ag::tape_dump();
    const auto exp_at = dump.find(" exp([2])");
    REQUIRE(exp_at != std::string::npos);
    const long exp_entry = std::stol(dump.substr(dump.rfind('#', exp_at) + 1));
    CHECK_THAT(message, Contains("(tape entry #" + std::to_string(exp_entry + 1) + ")"));
  }
}

TEST_CASE("anomaly mode: a backward that produces inf raises at that op", "[core][anomaly]") {
  tg::Tensor x = tg::tensor({0.0, 4.0}, tg::kFloat64).requires_grad_();
  ag::DetectAnomalyGuard guard;
  tg::Tensor loss = tg::sum(tg::sqrt(x));  // forward finite: sqrt(0) = 0
  CHECK_THROWS_MATCHES(loss.backward(), ag::AnomalyError,
                       Catch::Matchers::Predicate<ag::AnomalyError>([](const ag::AnomalyError& e) {
                         const std::string m = e.what();
                         return m.find("backward's gradient for input 0 of op 'sqrt'") != std::string::npos &&
                                m.find("inf") != std::string::npos;
                       }));
}

TEST_CASE("anomaly mode: NaN from 0 / 0 and 0 * inf in a forward", "[core][anomaly]") {
  tg::Tensor x = tg::tensor({0.0}, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::tensor({INFINITY}, tg::kFloat64);
  ag::DetectAnomalyGuard guard;
  // 0 / 0 and 0 * inf: NaN in the forward output.
  CHECK_THROWS_WITH(tg::div(x, tg::tensor({0.0}, tg::kFloat64)), Contains("op 'div'") && Contains("nan"));
  CHECK_THROWS_WITH(tg::mul(x, w), Contains("op 'mul'") && Contains("nan"));
}

TEST_CASE("anomaly mode is off by default and the guard restores it", "[core][anomaly]") {
  CHECK_FALSE(ag::AnomalyMode::is_enabled());
  tg::Tensor x = tg::tensor({0.0}, tg::kFloat64).requires_grad_();
  CHECK_NOTHROW(tg::sum(tg::sqrt(x)).backward());
  CHECK(std::isinf(x.grad().item()));
  {
    ag::DetectAnomalyGuard guard;
    CHECK(ag::AnomalyMode::is_enabled());
  }
  CHECK_FALSE(ag::AnomalyMode::is_enabled());
}
