// The toolkit's PyTorch-reference cases (test_toolkit_reference.cpp): case name -> the tapegrad
// computation of tests/fixtures/toolkit_reference.txt's case of that name.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace toolkit_test {
using Inputs = std::vector<tapegrad::Tensor>;
using Fn = std::function<tapegrad::Tensor(const Inputs&)>;
// The tensor ops' cases (test_toolkit_tensor_ops.cpp).
std::map<std::string, Fn> tensor_op_reference_cases();
}  // namespace toolkit_test
