// embedding, composed of core ops (index_select, where): no backward of its own.
#include <stdexcept>

#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  if (!input.defined() || !weight.defined()) throw std::invalid_argument("embedding(): input and weight must be defined");
  if (input.dtype() != kInt64)
    throw std::invalid_argument(std::string("embedding(): Expected tensor for argument #1 'indices' to have scalar type int64; but got ") +
                                dtype_name(input.dtype()) + " instead");
  if (weight.dim() != 2) throw std::invalid_argument("embedding(): 'weight' must be 2-D");
  const Tensor flat = input.reshape({-1});
  Tensor rows = index_select(weight, 0, flat);
  if (options.padding_idx()) {
    // The padding row is read as usual but gets no gradient: its lookups read a detached copy.
    std::int64_t pad = *options.padding_idx();
    if (pad < 0) pad += weight.size(0);
    const Tensor is_pad = eq(flat, full({}, static_cast<double>(pad), kInt64)).reshape({-1, 1});
    rows = where(is_pad, rows.detach(), rows);
  }
  Shape out_shape = input.shape();
  out_shape.push_back(weight.size(1));
  return rows.reshape(out_shape);
}

}  // namespace tapegrad::nn::functional
