// The PyTorch-reference cases (test_functional_reference.cpp): case name -> the tapegrad computation
// of tests/fixtures/functional_reference.txt's case of that name.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace functional_reference {
using Inputs = std::vector<tapegrad::Tensor>;
using Fn = std::function<tapegrad::Tensor(const Inputs&)>;
// The tensor ops' cases (test_ops_indexing.cpp).
std::map<std::string, Fn> tensor_op_reference_cases();
}  // namespace functional_reference
